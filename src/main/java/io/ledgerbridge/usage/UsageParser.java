package io.ledgerbridge.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.stereotype.Component;

/**
 * Reads usage payloads into canonical records: a JSON array, NDJSON (one object a line) or CSV with a
 * header row (commons-csv). Fields: event_id, customer, metric, quantity, timestamp (ISO-8601 or Unix
 * seconds), optional source (the producer, default "default"); any other field is kept as a property.
 * A row that cannot be read fails the whole payload with its row number and field (nothing is half
 * accepted); rows that read but do not validate are held by the ingest, not refused here.
 */
@Component
public class UsageParser {

    static final Set<String> FIELDS = Set.of("event_id", "customer", "metric", "quantity", "timestamp", "source");

    private final ObjectMapper mapper;

    public UsageParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public List<UsageRecord> parse(String contentType, String body) {
        String type = contentType == null ? "" : contentType.toLowerCase();
        if (type.startsWith("text/csv")) {
            return csv(body);
        }
        if (type.startsWith("application/x-ndjson")) {
            List<UsageRecord> out = new ArrayList<>();
            String[] lines = body.split("\r?\n");
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    out.add(fromJson(readJson(lines[i], "line " + (i + 1)), "line " + (i + 1)));
                }
            }
            return out;
        }
        JsonNode root = readJson(body, "body");
        if (!root.isArray()) {
            throw new UsageFormatException("application/json takes an array of usage events");
        }
        List<UsageRecord> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            out.add(fromJson(root.get(i), "element " + i));
        }
        return out;
    }

    private JsonNode readJson(String text, String where) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UsageFormatException(where + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** One usage event from a JSON object; {@code where} names it in errors. */
    public UsageRecord fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new UsageFormatException(where + ": a usage event is a JSON object");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isNull()) {
                values.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString());
            }
        }
        return record(values, where);
    }

    private List<UsageRecord> csv(String body) {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreEmptyLines(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            List<String> header = parser.getHeaderNames();
            for (String required : List.of("event_id", "customer", "metric", "quantity", "timestamp")) {
                if (!header.contains(required)) {
                    throw new UsageFormatException("CSV header: missing column '" + required + "'");
                }
            }
            List<UsageRecord> out = new ArrayList<>();
            for (CSVRecord row : parser) {
                out.add(record(values(row, header), "row " + (row.getRecordNumber() + 1)));
            }
            return out;
        } catch (IOException | java.io.UncheckedIOException | IllegalStateException e) {
            throw new UsageFormatException("not valid CSV: " + e.getMessage());
        }
    }

    /** The non-empty values of a CSV row by column name. */
    public static Map<String, String> values(CSVRecord row, List<String> header) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String column : header) {
            if (row.isSet(column) && !row.get(column).isEmpty()) {
                values.put(column, row.get(column));
            }
        }
        return values;
    }

    /** One record from its field values; {@code where} names the row in errors. */
    public UsageRecord record(Map<String, String> values, String where) {
        String eventId = required(values, "event_id", where);
        String customer = required(values, "customer", where);
        String metric = required(values, "metric", where);
        long quantity;
        try {
            quantity = Long.parseLong(required(values, "quantity", where));
        } catch (NumberFormatException e) {
            throw new UsageFormatException(where + ": field 'quantity' is not a whole number: '" + values.get("quantity") + "'");
        }
        String ts = required(values, "timestamp", where);
        Instant timestamp;
        try {
            timestamp = ts.matches("\\d{9,11}") ? Instant.ofEpochSecond(Long.parseLong(ts)) : Instant.parse(ts);
        } catch (DateTimeParseException e) {
            throw new UsageFormatException(where + ": field 'timestamp' is not ISO-8601 or Unix seconds: '" + ts + "'");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!FIELDS.contains(k)) {
                properties.put(k, v);
            }
        });
        return new UsageRecord(values.getOrDefault("source", "default"), eventId, customer, metric, quantity, timestamp,
                properties);
    }

    private static String required(Map<String, String> values, String field, String where) {
        String v = values.get(field);
        if (v == null || v.isBlank()) {
            throw new UsageFormatException(where + ": required field '" + field + "' is missing");
        }
        return v;
    }
}
