package io.ledgerbridge.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.pipeline.KafkaBatch;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.springframework.stereotype.Component;

/**
 * Steps of the usage drop-folder and Kafka routes. A dropped CSV file is loaded by {@link UsageFileLoad}
 * (streamed through COPY in one transaction; progress in the log: rows and rows/s); readable rows are
 * stored like any usage, unreadable rows are listed in a report ({@code <file>.errors.csv}: row,
 * reason) and the file goes to {@code error/} beside it, otherwise to {@code done/}. A Kafka message is one JSON
 * usage event, a poll of them one batch.
 */
@Component("usageFeeds")
public class UsageFeeds {

    private static final String ROUTE = "ingress-usage-kafka";
    static final String BAD_ROWS = "lbBadRows";
    static final String REPORT = "lbReport";

    private final UsageParser parser;
    private final UsageIngest ingest;
    private final UsageFileLoad files;
    private final ObjectMapper mapper;
    private final KafkaBatch batches;
    private final Clock clock;

    public UsageFeeds(UsageParser parser, UsageIngest ingest, UsageFileLoad files, ObjectMapper mapper, KafkaBatch batches,
                      Clock clock) {
        this.clock = clock;
        this.parser = parser;
        this.batches = batches;
        this.files = files;
        this.ingest = ingest;
        this.mapper = mapper;
    }

    /** Ingests a dropped CSV file; sets header lbBadRows and, when > 0, property lbReport (the report CSV). */
    public void file(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        java.io.File file = exchange.getMessage().getBody(java.io.File.class);
        UsageFileLoad.Result result = files.load(name, "csv-" + name + "@" + clock.millis(),
                new UsageFileLoad.Source() {
                    @Override
                    public Reader open() throws IOException {
                        return new InputStreamReader(new java.io.FileInputStream(file), StandardCharsets.UTF_8);
                    }

                    @Override
                    public long bytes() {
                        return file.length();
                    }
                });
        exchange.getMessage().setHeader(BAD_ROWS, result.unreadable().size());
        if (!result.unreadable().isEmpty()) {
            StringBuilder report = new StringBuilder("row,reason\n");
            for (UsageFileLoad.Unreadable bad : result.unreadable()) {
                report.append(bad.row()).append(",\"").append(bad.reason().replace("\"", "\"\"")).append("\"\n");
            }
            exchange.setProperty(REPORT, report.toString());
        }
    }

    /**
     * Ingests a poll of the usage topic (camel-kafka batching; one JSON usage event a message): the
     * readable events in one batch, named after the poll's first record; an unreadable message is
     * dead-lettered alone; a batch that fails for a reason of its own is stored event by event
     * ({@link KafkaBatch#allOrEach}). The offsets are committed after.
     */
    public void kafkaBatch(Exchange poll) {
        List<Exchange> records = KafkaBatch.records(poll);
        List<Exchange> readable = new ArrayList<>(records.size());
        List<UsageRecord> events = new ArrayList<>(records.size());
        for (Exchange record : records) {
            try {
                events.add(parser.fromJson(mapper.readTree(KafkaBatch.value(record)), "message"));
                readable.add(record);
            } catch (IOException | UsageFormatException e) {
                batches.deadLetter(record, ROUTE, e);
            }
        }
        if (!events.isEmpty()) {
            batches.allOrEach(ROUTE, readable,
                    () -> ingest.ingest("kafka", "kafka-" + position(readable.get(0)) + "+" + (events.size() - 1), events),
                    i -> ingest.ingest("kafka", "kafka-" + position(readable.get(i)), List.of(events.get(i))));
        }
        KafkaBatch.commit(records);
    }

    /** A record's partition and offset: {@code <partition>-<offset>}. */
    private static String position(Exchange record) {
        return record.getMessage().getHeader(KafkaConstants.PARTITION) + "-" + record.getMessage().getHeader(KafkaConstants.OFFSET);
    }
}
