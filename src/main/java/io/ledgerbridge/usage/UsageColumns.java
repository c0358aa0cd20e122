package io.ledgerbridge.usage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;

/**
 * How a usage file's rows are read, by its header: the five required columns, the optional
 * {@code source} (the producer, "default" when absent) and any other column, kept as a property. A
 * row is readable when it has every required field, a whole quantity and a timestamp in ISO-8601
 * (with a zone) or Unix seconds that exists; otherwise {@link #read} says why, naming the row and
 * the field. The one reader of {@link UsageFileLoad}, whichever way it stores the rows.
 */
final class UsageColumns {

    static final List<String> REQUIRED = List.of("event_id", "customer", "metric", "quantity", "timestamp");

    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .toFormatter().withResolverStyle(ResolverStyle.STRICT);

    /** A readable row: its number in the file (the header is row 1), its fields and other columns. */
    record Row(long rowNo, String producer, String eventId, String customerRef, String metric, long quantity, Instant at,
               Map<String, String> properties) {
    }

    /** A row that cannot be read; its message names the row and the field (no stack trace: a file may have many). */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    private final int eventId;
    private final int customer;
    private final int metric;
    private final int quantity;
    private final int timestamp;
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

    /** The row read and checked, or why it cannot be read. */
    Row read(CSVRecord row, long rowNo) throws Unreadable {
        for (int i : required) {
            if (i >= row.size() || row.get(i).isEmpty()) {
                throw new Unreadable("row " + rowNo + ": required field '" + header.get(i) + "' is missing");
            }
        }
        String q = row.get(quantity);
        long qty;
        try {
            qty = Long.parseLong(q);
        } catch (NumberFormatException e) {
            throw new Unreadable("row " + rowNo + ": field 'quantity' is not a whole number: '" + q + "'");
        }
        String producer = source >= 0 && source < row.size() && !row.get(source).isEmpty() ? row.get(source) : "default";
        return new Row(rowNo, producer, row.get(eventId), row.get(customer), row.get(metric), qty,
                instant(row.get(timestamp), rowNo), properties(row));
    }

    /** The row's other columns that have a value, by column name, in file order; null when there are none. */
    private Map<String, String> properties(CSVRecord row) {
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

    /**
     * A timestamp field: Unix seconds (9 to 11 digits), or ISO-8601 with a date, an hour and minute and a
     * zone (Z or an offset) for a date and time that exist (to the microsecond, as PostgreSQL keeps it).
     */
    static Instant instant(String ts, long rowNo) throws Unreadable {
        int n = ts.length();
        if (n >= 9 && n <= 11 && isDigits(ts, 0, n)) {
            return Instant.ofEpochSecond(Long.parseLong(ts));
        }
        if (!isoShape(ts)) {
            throw new Unreadable("row " + rowNo + ": field 'timestamp' is not ISO-8601 or Unix seconds: '" + ts + "'");
        }
        Instant at = utcSeconds(ts);
        if (at != null) {
            return at;
        }
        try {
            return OffsetDateTime.parse(ts, ISO).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new Unreadable("row " + rowNo + ": field 'timestamp' is not a valid date and time");
        }
    }

    /** yyyy-MM-ddTHH:mm, anything, then Z or an offset (+HH:MM, +HHMM): whether the values exist is the parser's call. */
    private static boolean isoShape(String ts) {
        int n = ts.length();
        if (n < 17 || !isDigits(ts, 0, 4) || ts.charAt(4) != '-' || !isDigits(ts, 5, 7) || ts.charAt(7) != '-'
                || !isDigits(ts, 8, 10) || ts.charAt(10) != 'T' || !isDigits(ts, 11, 13) || ts.charAt(13) != ':'
                || !isDigits(ts, 14, 16)) {
            return false;
        }
        if (ts.charAt(n - 1) == 'Z') {
            return true;
        }
        int sign = ts.charAt(n - 3) == ':' ? n - 6 : n - 5;
        return sign > 16 && (ts.charAt(sign) == '+' || ts.charAt(sign) == '-') && isDigits(ts, sign + 1, sign + 3)
                && isDigits(ts, n - 2, n);
    }

    /**
     * The most common shape, {@code yyyy-MM-ddTHH:mm:ssZ}, read without a formatter (a million rows a
     * file); null for any other shape or a date or time that does not exist, left to the formatter.
     */
    static Instant utcSeconds(String s) {
        if (s.length() != 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(19) != 'Z') {
            return null;
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 7);
        int day = number(s, 8, 10);
        int hour = number(s, 11, 13);
        int minute = number(s, 14, 16);
        int second = number(s, 17, 19);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400L + hour * 3_600L + minute * 60L + second);
    }

    private static boolean isDigits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The decimal number at s[from, to) (a few digits), -1 when a character is not a digit. */
    private static int number(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
