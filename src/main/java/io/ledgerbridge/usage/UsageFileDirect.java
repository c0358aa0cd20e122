package io.ledgerbridge.usage;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct way of loading a usage file (tried first by {@link UsageFileLoad}): the rows are read,
 * checked and held or accepted in Java exactly as the staged way does it in SQL, and streamed while
 * the file is read as binary {@code COPY} straight into {@code usage_event}: one pass, one backend
 * busy inserting while this thread reads. The file's own repeats are told apart as they come: the
 * 64-bit fingerprints of the keys read so far say "new" (the row is copied) or "maybe seen" (the row
 * waits); the waiting rows go in after the copy with {@code on conflict do nothing}, in file order, so
 * the first row of each key is the one stored and a false "maybe" (two keys, one fingerprint) costs
 * nothing but a slower row. What the
 * filter cannot know is an event already stored by an earlier file or another feed: then the copy
 * meets the key and fails, the load gives up ({@link #load} answers null, having undone its work
 * to a savepoint) and the staged way, which anti-joins what is stored, loads the file instead.
 */
final class UsageFileDirect {

    private static final Logger log = LoggerFactory.getLogger(UsageFileDirect.class);
    private static final int CHUNK = 10_000;
    private static final int FLUSH_AT = 1 << 18;
    private static final int MAX_WAITING = 500_000;
    static final String COLUMNS = "producer, event_id, customer_ref, customer_id, metric, quantity, occurred_at, "
            + "properties, batch_id, status, reason";
    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .toFormatter().withResolverStyle(ResolverStyle.STRICT);

    /** A readable row, checked: its hold reason, or null when accepted. */
    private record Row(String producer, String eventId, String customerRef, String metric, long quantity,
                       Instant at, String properties) {
    }

    /** What the direct load did: the rows it read, and those stored as accepted and as held. */
    record Stored(long rows, long accepted, long held) {
    }

    private final UsageIngest ingest;
    private final DataSource dataSource;
    private final java.util.function.LongConsumer progress;

    /** @param progress told the rows read so far, every {@link UsageFileLoad#PROGRESS_EVERY} rows */
    UsageFileDirect(UsageIngest ingest, DataSource dataSource, java.util.function.LongConsumer progress) {
        this.ingest = ingest;
        this.dataSource = dataSource;
        this.progress = progress;
    }

    /**
     * Loads the file on {@code conn} (its transaction), adding its unreadable rows to {@code unreadable};
     * returns null, with nothing of the file left stored, when an event of the file is stored already.
     */
    Stored load(Connection conn, String name, int batch, Reader reader, long fileBytes,
                List<UsageFileLoad.Unreadable> unreadable) throws SQLException, IOException {
        UsageIngest.HoldRules rules = ingest.holdRules();
        Fingerprints seen = new Fingerprints(fileBytes / 40);
        Map<String, String> customers = new HashMap<>();
        List<Row> chunk = new ArrayList<>(CHUNK);
        List<Row> waiting = new ArrayList<>();
        long[] counts = new long[2];
        long rows = 0;
        java.sql.Savepoint before = conn.setSavepoint();
        CopyIn copy = conn.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("copy usage_event (" + COLUMNS + ") from stdin with (format binary)");
        BinaryRows out = new BinaryRows(copy, FLUSH_AT);
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreEmptyLines(true).get();
        try (Connection lookups = dataSource.getConnection(); CSVParser csv = CSVParser.parse(reader, format)) {
            Rows rowsOf = new Rows(new UsageColumns(name, csv.getHeaderNames()));
            for (CSVRecord record : csv) {
                long rowNo = record.getRecordNumber() + 1;
                if (++rows % UsageFileLoad.PROGRESS_EVERY == 0) {
                    progress.accept(rows);
                }
                Row row;
                try {
                    row = rowsOf.read(record, rowNo);
                } catch (Unreadable e) {
                    unreadable.add(new UsageFileLoad.Unreadable(rowNo, e.getMessage()));
                    continue;
                }
                // add() says whether the key is certainly new; if not, it may have been seen
                if (!seen.add(fingerprint(row.producer(), row.eventId()))) {
                    waiting.add(row);
                    if (waiting.size() > MAX_WAITING) {
                        log.info("Usage file {}: more than {} rows repeat earlier ones; loading it the staged way", name,
                                MAX_WAITING);
                        copy.cancelCopy();
                        conn.rollback(before);
                        return null;
                    }
                } else {
                    chunk.add(row);
                    if (chunk.size() == CHUNK) {
                        write(chunk, customers, lookups, rules, batch, out, counts);
                    }
                }
            }
            write(chunk, customers, lookups, rules, batch, out, counts);
            out.end();
            copy.endCopy();
        } catch (SQLException e) {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            conn.rollback(before);
            if ("23505".equals(e.getSQLState())) {
                log.info("Usage file {}: an event of it is stored already; loading it the staged way", name);
                return null;
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            conn.rollback(before);
            if (e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException) {
                throw new UsageFormatException("file " + name + ": not valid CSV: " + e.getMessage());
            }
            throw e;
        }
        if (!waiting.isEmpty()) {
            // repeats (or rows the filter only thought it had seen), in file order, after the rows they may repeat
            try (Connection lookups = dataSource.getConnection()) {
                resolve(waiting, customers, lookups);
            }
            insertWaiting(conn, waiting, customers, rules, batch, counts);
        }
        return new Stored(rows, counts[0], counts[1]);
    }

    /** Writes a chunk of new rows to the copy, with their customers looked up first; counts accepted and held. */
    private void write(List<Row> chunk, Map<String, String> customers, Connection lookups, UsageIngest.HoldRules rules,
                       int batch, BinaryRows out, long[] counts)
            throws SQLException {
        resolve(chunk, customers, lookups);
        for (Row r : chunk) {
            String customer = golden(customers, r);
            String reason = rules.reason(r.customerRef(), customer, r.metric(), r.quantity(), r.at());
            out.row(11);
            out.text(r.producer());
            out.text(r.eventId());
            out.text(r.customerRef());
            out.text(customer);
            out.text(r.metric());
            out.int8(r.quantity());
            out.timestamptz(r.at());
            out.jsonb(r.properties());
            out.int4(batch);
            out.text(reason == null ? "accepted" : "held");
            out.text(reason);
            counts[reason == null ? 0 : 1]++;
        }
        chunk.clear();
    }

    /** Looks up the golden customer of every reference not known yet (unknown ones are remembered as ""). */
    private void resolve(List<Row> rows, Map<String, String> customers, Connection lookups) throws SQLException {
        Set<String> refs = new HashSet<>();
        for (Row r : rows) {
            if (!customers.containsKey(r.customerRef())) {
                refs.add(r.customerRef());
            }
        }
        if (!refs.isEmpty()) {
            Map<String, String> found = ingest.customers(lookups, refs);
            for (String ref : refs) {
                customers.put(ref, found.getOrDefault(ref, ""));
            }
        }
    }

    /** The golden customer of the row's reference, null when unknown (looked up as ""). */
    private static String golden(Map<String, String> customers, Row r) {
        String customer = customers.get(r.customerRef());
        return customer == null || customer.isEmpty() ? null : customer;
    }

    /** The rows that may repeat earlier ones: inserted unless their key is stored, in file order. */
    private void insertWaiting(Connection conn, List<Row> rows, Map<String, String> customers, UsageIngest.HoldRules rules,
                               int batch, long[] counts) throws SQLException {
        List<UsageIngest.Checked> checked = new ArrayList<>(rows.size());
        for (Row r : rows) {
            String customer = golden(customers, r);
            checked.add(new UsageIngest.Checked(r.producer(), r.eventId(), r.customerRef(), customer, r.metric(), r.quantity(),
                    r.at(), r.properties(),
                    rules.reason(r.customerRef(), customer, r.metric(), r.quantity(), r.at())));
        }
        for (String status : UsageIngest.insert(conn, batch, checked)) {
            counts["held".equals(status) ? 1 : 0]++;
        }
    }

    /**
     * A 64-bit FNV-1a hash of the event key (producer, NUL, event id): what {@link Fingerprints} holds. Two
     * keys with the same fingerprint only make the later row wait for the exact check.
     */
    static long fingerprint(String producer, String eventId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < producer.length(); i++) {
            h = (h ^ producer.charAt(i)) * 0x100000001b3L;
        }
        h *= 0x100000001b3L;
        for (int i = 0; i < eventId.length(); i++) {
            h = (h ^ eventId.charAt(i)) * 0x100000001b3L;
        }
        return h;
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
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400L + hour * 3_600L + minute * 60L + second);
    }

    private static int digits(String s, int from, int to) {
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

    /** A row that cannot be read; its message names the row and the field. */
    private static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    /** How a row is read and checked into a {@link Row}. */
    private final class Rows {
        private final UsageColumns columns;

        Rows(UsageColumns columns) {
            this.columns = columns;
        }

        Row read(CSVRecord row, long rowNo) throws Unreadable {
            String missing = columns.missing(row, rowNo);
            if (missing != null) {
                throw new Unreadable(missing);
            }
            String q = row.get(columns.quantity);
            long qty;
            try {
                qty = Long.parseLong(q);
            } catch (NumberFormatException e) {
                throw new Unreadable("row " + rowNo + ": field 'quantity' is not a whole number: '" + q + "'");
            }
            String ts = row.get(columns.timestamp);
            String iso = UsageFileLoad.instant(ts);
            if (iso == null) {
                throw new Unreadable("row " + rowNo + ": field 'timestamp' is not ISO-8601 or Unix seconds: '" + ts + "'");
            }
            Instant at = utcSeconds(iso);
            if (at == null) {
                try {
                    at = OffsetDateTime.parse(iso, ISO).toInstant().truncatedTo(ChronoUnit.MICROS);
                } catch (DateTimeParseException e) {
                    throw new Unreadable("row " + rowNo + ": field 'timestamp' is not a valid date and time");
                }
            }
            Map<String, String> properties = columns.properties(row);
            return new Row(columns.producer(row), row.get(columns.eventId), row.get(columns.customer), row.get(columns.metric),
                    qty, at, properties == null ? null : ingest.json(properties));
        }
    }

    /**
     * The fingerprints of the keys read so far: an open-addressing set of longs (8 bytes a key). Past
     * {@link #MAX} keys it stops growing and answers "maybe seen" for every new key, which sends the
     * rest of the file to the waiting rows and, past their limit, to the staged way.
     */
    private static final class Fingerprints {
        private static final int MAX = 1 << 25;
        private long[] slots;
        private int size;
        private boolean hasZero;

        Fingerprints(long expected) {
            int capacity = Integer.highestOneBit((int) Math.min(MAX, Math.max(1 << 16, expected)) * 2 - 1) * 2;
            slots = new long[capacity];
        }

        /** Adds the fingerprint; true when it was not there (the key is certainly new). */
        boolean add(long f) {
            if (f == 0) {
                boolean added = !hasZero;
                hasZero = true;
                return added;
            }
            if (size * 2 >= slots.length && !grow()) {
                return false; // full: every new key "maybe seen"
            }
            int mask = slots.length - 1;
            int i = (int) (mix(f) & mask);
            while (slots[i] != 0) {
                if (slots[i] == f) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            slots[i] = f;
            size++;
            return true;
        }

        private boolean grow() {
            if (slots.length >= MAX * 2) {
                return false;
            }
            long[] old = slots;
            slots = new long[old.length * 2];
            int mask = slots.length - 1;
            for (long f : old) {
                if (f != 0) {
                    int i = (int) (mix(f) & mask);
                    while (slots[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    slots[i] = f;
                }
            }
            return true;
        }

        private static long mix(long f) {
            f ^= f >>> 33;
            f *= 0xff51afd7ed558ccdL;
            return f ^ (f >>> 33);
        }
    }

    /** PostgreSQL's binary COPY format, written row by row into a buffer sent in large pieces. */
    private static final class BinaryRows {
        private static final long EPOCH_2000_MICROS = 946_684_800_000_000L;
        private final CopyIn copy;
        private final int flushAt;
        private byte[] buf;
        private int used;

        BinaryRows(CopyIn copy, int flushAt) throws SQLException {
            this.copy = copy;
            this.flushAt = flushAt;
            this.buf = new byte[flushAt + 65_536];
            byte[] signature = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
            System.arraycopy(signature, 0, buf, 0, signature.length);
            used = signature.length;
            int32(0); // flags
            int32(0); // header extension
        }

        void row(int fields) throws SQLException {
            if (used >= flushAt) {
                copy.writeToCopy(buf, 0, used);
                used = 0;
            }
            int16(fields);
        }

        void text(String value) {
            if (value == null) {
                int32(-1);
                return;
            }
            int n = value.length();
            ensure(4 + n);
            int start = used + 4;
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c >= 0x80) {
                    // not ASCII: as UTF-8 bytes
                    bytes(value.getBytes(StandardCharsets.UTF_8), false);
                    return;
                }
                buf[start + i] = (byte) c;
            }
            int32(n);
            used += n;
        }

        void jsonb(String json) {
            if (json == null) {
                int32(-1);
                return;
            }
            bytes(json.getBytes(StandardCharsets.UTF_8), true);
        }

        void int8(long value) {
            int32(8);
            int64(value);
        }

        void int4(int value) {
            int32(4);
            int32(value);
        }

        void timestamptz(Instant at) {
            int32(8);
            int64(at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000 - EPOCH_2000_MICROS);
        }

        void end() throws SQLException {
            int16(-1);
            copy.writeToCopy(buf, 0, used);
            used = 0;
        }

        private void bytes(byte[] value, boolean jsonbVersion) {
            int length = value.length + (jsonbVersion ? 1 : 0);
            ensure(4 + length);
            int32(length);
            if (jsonbVersion) {
                buf[used++] = 1;
            }
            System.arraycopy(value, 0, buf, used, value.length);
            used += value.length;
        }

        private void ensure(int more) {
            if (used + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, used + more));
            }
        }

        private void int16(int v) {
            ensure(2);
            buf[used++] = (byte) (v >>> 8);
            buf[used++] = (byte) v;
        }

        private void int32(int v) {
            ensure(4);
            buf[used++] = (byte) (v >>> 24);
            buf[used++] = (byte) (v >>> 16);
            buf[used++] = (byte) (v >>> 8);
            buf[used++] = (byte) v;
        }

        private void int64(long v) {
            int32((int) (v >>> 32));
            int32((int) v);
        }
    }
}
