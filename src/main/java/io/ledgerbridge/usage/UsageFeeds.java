package io.ledgerbridge.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Steps of the usage drop-folder and Kafka routes. A dropped CSV file is streamed in chunks (progress
 * in the log: rows and rows/s); readable rows are stored like any usage, unreadable rows are listed in
 * a report ({@code <file>.errors.csv}: row, reason) and the file goes to {@code error/} beside it,
 * otherwise to {@code done/}. A Kafka message is one JSON usage event.
 */
@Component("usageFeeds")
public class UsageFeeds {

    private static final Logger log = LoggerFactory.getLogger(UsageFeeds.class);
    static final String BAD_ROWS = "lbBadRows";
    static final String REPORT = "lbReport";
    private static final int CHUNK = 50_000;

    private final UsageParser parser;
    private final UsageIngest ingest;
    private final ObjectMapper mapper;

    public UsageFeeds(UsageParser parser, UsageIngest ingest, ObjectMapper mapper) {
        this.parser = parser;
        this.ingest = ingest;
        this.mapper = mapper;
    }

    /** Ingests a dropped CSV file; sets header lbBadRows and, when > 0, property lbReport (the report CSV). */
    public void file(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        long started = System.nanoTime();
        StringBuilder report = new StringBuilder("row,reason\n");
        int bad = 0;
        long rows = 0;
        int accepted = 0;
        int duplicates = 0;
        int held = 0;
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreEmptyLines(true).get();
        try (InputStream in = exchange.getMessage().getBody(InputStream.class);
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
             CSVParser csv = CSVParser.parse(reader, format)) {
            List<String> header = csv.getHeaderNames();
            List<UsageRecord> chunk = new ArrayList<>(CHUNK);
            int part = 0;
            for (CSVRecord row : csv) {
                rows++;
                try {
                    chunk.add(parser.record(UsageParser.values(row, header), "row " + (row.getRecordNumber() + 1)));
                } catch (UsageFormatException e) {
                    bad++;
                    report.append(row.getRecordNumber() + 1).append(",\"").append(e.getMessage().replace("\"", "\"\""))
                            .append("\"\n");
                }
                if (chunk.size() == CHUNK) {
                    UsageIngest.Summary s = ingest.ingest("csv", "csv-" + name + "-" + (++part), chunk);
                    accepted += s.accepted();
                    duplicates += s.duplicates();
                    held += s.held();
                    chunk.clear();
                    double seconds = (System.nanoTime() - started) / 1e9;
                    log.info("Usage file {}: {} rows so far ({} rows/s)", name, rows, Math.round(rows / seconds));
                }
            }
            if (!chunk.isEmpty()) {
                UsageIngest.Summary s = ingest.ingest("csv", "csv-" + name + "-" + (++part), chunk);
                accepted += s.accepted();
                duplicates += s.duplicates();
                held += s.held();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("Usage file {}: {} rows in {} s ({} rows/s): {} accepted, {} duplicates, {} held, {} unreadable",
                name, rows, String.format("%.1f", seconds), Math.round(rows / Math.max(seconds, 1e-9)), accepted, duplicates,
                held, bad);
        exchange.getMessage().setHeader(BAD_ROWS, bad);
        if (bad > 0) {
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
