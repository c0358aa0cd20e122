package io.ledgerbridge.usage;

import io.ledgerbridge.platform.jobs.JobProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Loads a dropped usage CSV file of any size in one transaction. One reader: commons-csv, each row
 * read and checked by {@link UsageColumns} (a row that cannot be read is reported with its row
 * number and field, and stored nowhere), customers looked up per chunk of rows on a second pooled
 * connection, each row accepted or held by {@link UsageIngest.HoldRules}. Two ways to store what it
 * reads, which differ in that step only:
 * <ul>
 *   <li>directly, tried first: the rows go as binary {@code COPY} straight into {@code usage_event} while
 *       the file is read (one backend inserts while this thread reads). The file's own repeats are told
 *       apart as they come: the 64-bit fingerprints of the keys read so far say "new" (the row is copied)
 *       or "maybe seen" (the row waits); the waiting rows go in after the copy with
 *       {@code on conflict do nothing}, in file order, so the first row of each key is the one stored. An
 *       event stored before (the file dropped again, an event that came by another feed) makes the copy
 *       fail on the key: the load undoes its work to a savepoint and reads the file again, staged;</li>
 *   <li>staged: the same rows as binary {@code COPY} into a temporary table, then one statement keeps the
 *       first row of each key (a sort by key in collation "C"), drops keys stored already and inserts the
 *       rest in index order (with {@code on conflict do nothing} when another feed stores one of them
 *       meanwhile).</li>
 * </ul>
 * The held rows open their exceptions in the same transaction: the file is stored whole or not at all.
 * Progress (rows, rows/s) goes to the log and the file's job every 100,000 rows and to the counter
 * {@code ledgerbridge.usage.file.rows}.
 */
@Service
public class UsageFileLoad {

    private static final Logger log = LoggerFactory.getLogger(UsageFileLoad.class);
    static final int PROGRESS_EVERY = 100_000;
    private static final int CHUNK = 10_000;
    private static final int FLUSH_AT = 1 << 18;
    private static final int MAX_WAITING = 500_000;
    private static final String FEED = "csv";
    private static final String COLUMNS = "producer, event_id, customer_ref, customer_id, metric, quantity, occurred_at, "
            + "properties, batch_id, status, reason";
    private static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
            .setIgnoreEmptyLines(true).get();

    /** A row that could not be read: its number in the file (the header is row 1) and why. */
    public record Unreadable(long row, String reason) {
    }

    /** What a file did, with the rows that could not be read in file order. */
    public record Result(UsageIngest.Summary summary, List<Unreadable> unreadable) {
    }

    /** A dropped file, which the load may read twice (staged, when the direct way gives up). */
    public interface Source {
        Reader open() throws IOException;

        long bytes();
    }

    private final JdbcTemplate jdbc;
    private final DataSource dataSource;
    private final TransactionTemplate transactions;
    private final UsageIngest ingest;
    private final Counter rowsRead;
    private final Timer loads;
    private final JobProgress jobs;

    public UsageFileLoad(JdbcTemplate jdbc, DataSource dataSource, TransactionTemplate transactions, UsageIngest ingest,
                         MeterRegistry registry, JobProgress jobs) {
        this.jdbc = jdbc;
        this.jobs = jobs;
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.ingest = ingest;
        this.rowsRead = Counter.builder("ledgerbridge.usage.file.rows").description("Rows read from dropped usage files")
                .register(registry);
        this.loads = Timer.builder("ledgerbridge.usage.file.load").description("Time to load a dropped usage file")
                .register(registry);
    }

    /** Loads one file; {@code batch} names it on every stored row. Nothing is stored unless all of it is. */
    public Result load(String name, String batch, Source file) {
        // registered on its own (committed now), so a file whose load failed stays recorded as received
        int batchId;
        try (Connection conn = dataSource.getConnection()) {
            conn.setAutoCommit(true);
            batchId = UsageIngest.batchId(conn, batch, FEED);
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("usage batch " + batch + ": " + e.getMessage(), e);
        }
        // its progress (job_run, kind usage_file): rows read as the log reports them, the counts at the end
        long job = jobs.start("usage_file", name, null, FEED);
        try {
            Result result = transactions.execute(tx -> jdbc.execute((Connection conn) -> load(conn, job, name, batchId, batch, file)));
            UsageIngest.Summary s = result.summary();
            jobs.advance(job, s.received(), (long) s.received(), Map.of("rowsRead", s.received(), "accepted", s.accepted(),
                    "duplicates", s.duplicates(), "held", s.held(), "unreadable", result.unreadable().size()));
            jobs.finish(job, "succeeded", s.received() + " rows: " + s.accepted() + " accepted, " + s.duplicates() + " duplicates, "
                    + s.held() + " held, " + result.unreadable().size() + " unreadable");
            return result;
        } catch (RuntimeException e) {
            jobs.finish(job, "failed", String.valueOf(e.getMessage()));
            throw e;
        }
    }

    private Result load(Connection conn, long job, String name, int batchId, String batch, Source file) throws SQLException {
        long started = System.nanoTime();
        UsageIngest.HoldRules rules = ingest.holdRules();
        Savepoint before = conn.setSavepoint();
        Read read;
        try {
            read = read(name, file, new Direct(conn, batchId, file.bytes()), rules, job, started);
        } catch (GaveUp e) {
            conn.rollback(before);
            log.info("Usage file {}: {}; loading it staged", name, e.getMessage());
            read = read(name, file, new Staged(conn, batchId), rules, job, started);
        }
        if (read.held() > 0) {
            ingest.openExceptions(batchId, batch, FEED);
        }
        int rows = (int) read.rows();
        int accepted = (int) read.accepted();
        int held = (int) read.held();
        UsageIngest.Summary summary = new UsageIngest.Summary(batch, rows, accepted,
                rows - read.unreadable().size() - accepted - held, held);
        ingest.count(FEED, summary);
        loads.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        log.info("Usage file {}: {} rows in {} s ({} rows/s): {} accepted, {} duplicates, {} held, {} unreadable", name, rows,
                String.format("%.2f", (System.nanoTime() - started) / 1e9), rate(rows, started), accepted,
                summary.duplicates(), held, read.unreadable().size());
        return new Result(summary, read.unreadable());
    }

    /** What one reading of the file did: rows read, stored as accepted and as held, and the unreadable ones. */
    private record Read(long rows, long accepted, long held, List<Unreadable> unreadable) {
    }

    /** Reads the file once, every readable row checked and handed to {@code store}. */
    private Read read(String name, Source file, Store store, UsageIngest.HoldRules rules, long job, long started)
            throws SQLException {
        List<Unreadable> unreadable = new ArrayList<>();
        long rows = 0;
        try (Reader reader = file.open(); Connection lookups = dataSource.getConnection();
             CSVParser csv = CSVParser.parse(reader, CSV)) {
            UsageColumns columns = new UsageColumns(name, csv.getHeaderNames());
            Map<String, String> customers = new HashMap<>();
            List<UsageColumns.Row> chunk = new ArrayList<>(CHUNK);
            store.open();
            for (CSVRecord record : csv) {
                long rowNo = record.getRecordNumber() + 1;
                if (++rows % PROGRESS_EVERY == 0) {
                    progress(job, name, rows, started);
                }
                try {
                    chunk.add(columns.read(record, rowNo));
                } catch (UsageColumns.Unreadable e) {
                    unreadable.add(new Unreadable(rowNo, e.getMessage()));
                    continue;
                }
                if (chunk.size() == CHUNK) {
                    write(chunk, customers, lookups, rules, store);
                }
            }
            write(chunk, customers, lookups, rules, store);
            long[] stored = store.close();
            rowsRead.increment(rows % PROGRESS_EVERY);
            return new Read(rows, stored[0], stored[1], unreadable);
        } catch (SQLException e) {
            store.abort();
            if (store instanceof Direct && "23505".equals(e.getSQLState())) {
                throw new GaveUp("an event of it is stored already");
            }
            throw e;
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            store.abort();
            throw new UsageFormatException("file " + name + ": not valid CSV: " + e.getMessage());
        } catch (RuntimeException e) {
            store.abort();
            throw e;
        }
    }

    /** Checks a chunk of rows (their customers looked up first) and hands them to the store. */
    private void write(List<UsageColumns.Row> chunk, Map<String, String> customers, Connection lookups,
                       UsageIngest.HoldRules rules, Store store) throws SQLException {
        Set<String> refs = new HashSet<>();
        for (UsageColumns.Row r : chunk) {
            if (!customers.containsKey(r.customerRef())) {
                refs.add(r.customerRef());
            }
        }
        if (!refs.isEmpty()) {
            Map<String, String> found = ingest.customers(lookups, refs);
            for (String ref : refs) {
                customers.put(ref, found.getOrDefault(ref, "")); // unknown: "" (remembered as looked up)
            }
        }
        for (UsageColumns.Row r : chunk) {
            String customer = customers.get(r.customerRef());
            String customerId = customer.isEmpty() ? null : customer;
            store.add(r.rowNo(), new UsageIngest.Checked(r.producer(), r.eventId(), r.customerRef(), customerId, r.metric(),
                    r.quantity(), r.at(), ingest.json(r.properties()),
                    rules.reason(r.customerRef(), customerId, r.metric(), r.quantity(), r.at())));
        }
        chunk.clear();
    }

    private void progress(long job, String name, long rows, long started) {
        rowsRead.increment(PROGRESS_EVERY);
        long perSecond = rate(rows, started);
        log.info("Usage file {}: {} rows read ({} rows/s)", name, rows, perSecond);
        jobs.advance(job, rows, null, Map.of("rowsRead", rows, "ratePerSecond", perSecond));
    }

    private static long rate(long rows, long started) {
        return Math.round(rows / Math.max((System.nanoTime() - started) / 1e9, 1e-9));
    }

    /** Where the checked rows of one reading go. */
    private interface Store {
        void open() throws SQLException;

        void add(long rowNo, UsageIngest.Checked row) throws SQLException;

        /** Stores what is still to store; returns {accepted, held}. */
        long[] close() throws SQLException;

        /** Stops a copy under way (the caller rolls back). */
        void abort() throws SQLException;
    }

    /** The direct way gave up: the file is read again, staged. */
    private static final class GaveUp extends RuntimeException {
        GaveUp(String message) {
            super(message, null, false, false);
        }
    }

    /** Straight into usage_event by binary COPY, the file's repeats held back by their fingerprints. */
    private static final class Direct implements Store {
        private final Connection conn;
        private final int batchId;
        private final Fingerprints seen;
        private final List<UsageIngest.Checked> waiting = new ArrayList<>();
        private final long[] counts = new long[2];
        private CopyIn copy;
        private BinaryRows out;

        Direct(Connection conn, int batchId, long fileBytes) {
            this.conn = conn;
            this.batchId = batchId;
            this.seen = new Fingerprints(fileBytes / 40);
        }

        @Override
        public void open() throws SQLException {
            copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn("copy usage_event (" + COLUMNS + ") from stdin with (format binary)");
            out = new BinaryRows(copy);
        }

        @Override
        public void add(long rowNo, UsageIngest.Checked row) throws SQLException {
            // add() says whether the key is certainly new; if not, it may have been seen
            if (seen.add(fingerprint(row.producer(), row.eventId()))) {
                out.usage(11, row, batchId);
                counts[row.reason() == null ? 0 : 1]++;
            } else {
                waiting.add(row);
                if (waiting.size() > MAX_WAITING) {
                    throw new GaveUp("more than " + MAX_WAITING + " rows repeat earlier ones");
                }
            }
        }

        @Override
        public long[] close() throws SQLException {
            out.end();
            copy.endCopy();
            // repeats (or rows the filter only thought it had seen), in file order, after the rows they may repeat
            if (!waiting.isEmpty()) {
                for (String status : UsageIngest.insert(conn, batchId, waiting)) {
                    counts["held".equals(status) ? 1 : 0]++;
                }
            }
            return counts;
        }

        @Override
        public void abort() throws SQLException {
            if (copy != null && copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** Into a temporary table by binary COPY, then de-duplicated against the file and what is stored, set-based. */
    private static final class Staged implements Store {
        /**
         * The first row of each key in the file (DISTINCT ON over a sort by key and row number: the sort
         * is byte-wise, collation "C", so it de-duplicates and orders the insert in one pass), minus keys
         * already stored.
         */
        private static final String STORE = """
                with stored as (
                    insert into usage_event (%1$s)
                    select %1$s from (select distinct on (s.event_id, s.producer) s.* from usage_stage s
                                      order by s.event_id, s.producer, s.row_no) d
                    where not exists (select 1 from usage_event u where u.producer = d.producer and u.event_id = d.event_id)
                    %%s
                    returning status)
                select count(*) filter (where status = 'accepted'), count(*) filter (where status = 'held') from stored"""
                .formatted(COLUMNS);

        private final Connection conn;
        private final int batchId;
        private CopyIn copy;
        private BinaryRows out;

        Staged(Connection conn, int batchId) {
            this.conn = conn;
            this.batchId = batchId;
        }

        @Override
        public void open() throws SQLException {
            try (Statement st = conn.createStatement()) {
                st.execute("set local work_mem = '256MB'");
                st.execute("""
                        create temp table usage_stage (producer text collate "C", event_id text collate "C", customer_ref text,
                            customer_id text, metric text, quantity bigint, occurred_at timestamptz, properties jsonb, batch_id int,
                            status text, reason text, row_no bigint) on commit drop""");
            }
            copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn("copy usage_stage from stdin with (format binary)");
            out = new BinaryRows(copy);
        }

        @Override
        public void add(long rowNo, UsageIngest.Checked row) throws SQLException {
            out.usage(12, row, batchId);
            out.int8(rowNo);
        }

        @Override
        public long[] close() throws SQLException {
            out.end();
            copy.endCopy();
            try (Statement st = conn.createStatement()) {
                st.execute("analyze usage_stage");
            }
            Savepoint before = conn.setSavepoint();
            try {
                return store("");
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                // another feed stored one of these events since the statement looked: the index decides
                conn.rollback(before);
                return store("on conflict (producer, event_id) do nothing");
            }
        }

        private long[] store(String onConflict) throws SQLException {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(STORE.formatted(onConflict))) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }

        @Override
        public void abort() throws SQLException {
            if (copy != null && copy.isActive()) {
                copy.cancelCopy();
            }
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
        private byte[] buf;
        private int used;

        BinaryRows(CopyIn copy) {
            this.copy = copy;
            this.buf = new byte[FLUSH_AT + 65_536];
            byte[] signature = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
            System.arraycopy(signature, 0, buf, 0, signature.length);
            used = signature.length;
            int32(0); // flags
            int32(0); // header extension
        }

        /** A row of {@code fields} fields starting with usage_event's ({@link #COLUMNS}); the caller appends the rest. */
        void usage(int fields, UsageIngest.Checked r, int batchId) throws SQLException {
            if (used >= FLUSH_AT) {
                copy.writeToCopy(buf, 0, used);
                used = 0;
            }
            int16(fields);
            text(r.producer());
            text(r.eventId());
            text(r.customerRef());
            text(r.customerId());
            text(r.metric());
            int8(r.quantity());
            timestamptz(r.at());
            jsonb(r.properties());
            int32(4);
            int32(batchId);
            text(r.reason() == null ? "accepted" : "held");
            text(r.reason());
        }

        void int8(long value) {
            int32(8);
            int64(value);
        }

        void end() throws SQLException {
            int16(-1);
            copy.writeToCopy(buf, 0, used);
            used = 0;
        }

        private void text(String value) {
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

        private void jsonb(String json) {
            if (json == null) {
                int32(-1);
                return;
            }
            bytes(json.getBytes(StandardCharsets.UTF_8), true);
        }

        private void timestamptz(Instant at) {
            int32(8);
            int64(at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000 - EPOCH_2000_MICROS);
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
