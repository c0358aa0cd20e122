package io.ledgerbridge.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * Steps of the usage drop-folder and Kafka routes. A dropped CSV file is loaded by {@link UsageFileLoad}
 * (streamed through COPY in one transaction; progress in the log: rows and rows/s); readable rows are
 * stored like any usage, unreadable rows are listed in a report ({@code <file>.errors.csv}: row,
 * reason) and the file goes to {@code error/} beside it, otherwise to {@code done/}. A Kafka message is one JSON usage event.
 */
@Component("usageFeeds")
public class UsageFeeds {

    static final String BAD_ROWS = "lbBadRows";
    static final String REPORT = "lbReport";

    private final UsageParser parser;
    private final UsageIngest ingest;
    private final UsageFileLoad files;
    private final ObjectMapper mapper;

    public UsageFeeds(UsageParser parser, UsageIngest ingest, UsageFileLoad files, ObjectMapper mapper) {
        this.parser = parser;
        this.files = files;
        this.ingest = ingest;
        this.mapper = mapper;
    }

    /** Ingests a dropped CSV file; sets header lbBadRows and, when > 0, property lbReport (the report CSV). */
    public void file(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        java.io.File file = exchange.getMessage().getBody(java.io.File.class);
        UsageFileLoad.Result result = files.load(name, "csv-" + name + "@" + Instant.now().toEpochMilli(),
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

    /** Ingests one Kafka message (a JSON usage event). */
    public void kafka(Exchange exchange) throws IOException {
        JsonNode node = mapper.readTree(exchange.getMessage().getBody(String.class));
        UsageRecord record = parser.fromJson(node, "message");
        Object offset = exchange.getMessage().getHeader("kafka.OFFSET");
        Object partition = exchange.getMessage().getHeader("kafka.PARTITION");
        ingest.ingest("kafka", "kafka-" + partition + "-" + offset, List.of(record));
    }
}
