package io.ledgerbridge.usage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;

/**
 * Where the fields of a usage file's rows are, by its header: the five required columns, the optional
 * {@code source} (the producer, "default" when absent) and any other column, kept as a property.
 * Both ways of loading a file ({@link UsageFileDirect}, {@link UsageFileLoad}) read rows through it.
 */
final class UsageColumns {

    static final List<String> REQUIRED = List.of("event_id", "customer", "metric", "quantity", "timestamp");

    final int eventId;
    final int customer;
    final int metric;
    final int quantity;
    final int timestamp;
    private final int source;
    private final List<String> header;
    private final int[] required;
    private final int[] extra;

    /** @throws UsageFormatException when the header lacks a required column */
    UsageColumns(String file, List<String> header) {
        for (String column : REQUIRED) {
            if (!header.contains(column)) {
                throw new UsageFormatException("file " + file + ": CSV header has no column '" + column + "'");
            }
        }
        this.header = header;
        eventId = header.indexOf("event_id");
        customer = header.indexOf("customer");
        metric = header.indexOf("metric");
        quantity = header.indexOf("quantity");
        timestamp = header.indexOf("timestamp");
        source = header.indexOf("source");
        required = new int[] {eventId, customer, metric, quantity, timestamp};
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            if (!UsageParser.FIELDS.contains(header.get(i))) {
                others.add(i);
            }
        }
        extra = others.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Why the row cannot be read for want of a required field, or null when it has them all. */
    String missing(CSVRecord row, long rowNo) {
        for (int i : required) {
            if (i >= row.size() || row.get(i).isEmpty()) {
                return "row " + rowNo + ": required field '" + header.get(i) + "' is missing";
            }
        }
        return null;
    }

    String producer(CSVRecord row) {
        return source >= 0 && source < row.size() && !row.get(source).isEmpty() ? row.get(source) : "default";
    }

    /** The row's other columns that have a value, by column name, in file order; null when there are none. */
    Map<String, String> properties(CSVRecord row) {
        Map<String, String> properties = null;
        for (int i : extra) {
            if (i < row.size() && !row.get(i).isEmpty()) {
                if (properties == null) {
                    properties = new LinkedHashMap<>();
                }
                properties.put(header.get(i), row.get(i));
            }
        }
        return properties;
    }
}
