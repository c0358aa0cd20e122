package io.ledgerbridge.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
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
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Loads a dropped usage CSV file of any size in one transaction. First the direct way
 * ({@link UsageFileDirect}); when the file holds an event stored already, the staged way, set-based: the rows stream through
 * commons-csv into PostgreSQL {@code COPY} (a temporary staging table, parsed by the database while
 * the file is still being read); then one query, sorted by the event key byte-wise, keeps the first
 * row of each key in the file, drops keys already stored (an anti-join on {@code (producer, event_id)})
 * and computes the hold reasons of {@link UsageIngest}, and its rows stream ({@code COPY ... TO STDOUT},
 * binary) into {@code COPY usage_event FROM STDIN} on a second connection: one backend sorts and checks
 * while the other inserts, in index order. That second connection's transaction holds every stored row
 * of the file and the exceptions of the held ones: the file is stored whole or not at all. When an event
 * was stored by another feed meanwhile (unique violation) or no second connection is free, the staging
 * connection inserts the rows itself (with {@code on conflict do nothing} after a violation). A row that
 * cannot be read (missing field, quantity not a whole number, timestamp neither ISO-8601 nor Unix
 * seconds) is reported with its row number and stored nowhere. Progress (rows, rows/s) goes to the log
 * every 100,000 rows and to the counter {@code ledgerbridge.usage.file.rows}.
 */
@Service
public class UsageFileLoad {

    private static final Logger log = LoggerFactory.getLogger(UsageFileLoad.class);
    static final int PROGRESS_EVERY = 100_000;
    private static final int FLUSH_AT = 1 << 18;
    private static final String FEED = "csv";
    private static final int PIPE_BUFFER = 1 << 16;

    /** A row that could not be read: its number in the file (the header is row 1) and why. */
    public record Unreadable(long row, String reason) {
    }

    /** What a file did, with the rows that could not be read in file order. */
    public record Result(UsageIngest.Summary summary, List<Unreadable> unreadable) {
    }

    private static final String COLUMNS = UsageFileDirect.COLUMNS;

    /**
     * The rows to store, in index order: the first row of each key in the file (DISTINCT ON over a sort
     * by key and row number: the sort is byte-wise, collation "C", so it de-duplicates and orders the
     * insert in one pass), minus keys already stored, with the hold reason of {@link UsageIngest}.
     * Its parameters are in the one-row table usage_load (COPY takes no bind parameters).
     */
    private static final String CHECKED = """
            select c.producer, c.event_id, c.customer_ref, m.id, c.metric, c.quantity, c.ts, c.properties::jsonb,
                   (select batch_id from usage_load), case when r.reason is null then 'accepted' else 'held' end, r.reason
            from (select d.* from (select distinct on (s.event_id, s.producer) s.* from usage_stage s
                                   order by s.event_id, s.producer, s.row_no) d
                  where not exists (select 1 from usage_event u where u.producer = d.producer and u.event_id = d.event_id)
                  offset 0) c
            left join usage_customer m on m.ref = c.customer_ref
            cross join lateral (select
                   case when m.id is null then 'unknown customer ''' || c.customer_ref || ''''
                        when not c.metric = any((select metrics from usage_load)::text[])
                            then 'unknown metric ''' || c.metric || ''' (mappings/usage/metrics.yaml)'
                        when c.quantity < 0 then 'negative quantity ' || c.quantity
                        when c.ts > now() + interval '5 minutes'
                            then 'dated in the future: ' || to_char(c.ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                        when (select cardinality(closed) > 0 from usage_load)
                             and to_char(c.ts at time zone (select zone from usage_load), 'YYYY-MM') = any((select closed from usage_load)::text[])
                            then 'dated in closed period ' || to_char(c.ts at time zone (select zone from usage_load), 'YYYY-MM')
                   end as reason) r""";

    /** The same rows inserted by one statement on the staging connection (the fallback path). */
    private static final String STORE = """
            with stored as (
                insert into usage_event (%s)
                %s
                %%s
                returning status)
            select count(*) filter (where status = 'accepted'), count(*) filter (where status = 'held') from stored"""
            .formatted(COLUMNS, CHECKED);

    private final JdbcTemplate jdbc;
    private final DataSource dataSource;
    private final TransactionTemplate transactions;
    private final UsageIngest ingest;
    private final Counter rowsRead;
    private final Timer loads;
    private final io.ledgerbridge.platform.jobs.JobProgress jobs;

    public UsageFileLoad(JdbcTemplate jdbc, DataSource dataSource, TransactionTemplate transactions, UsageIngest ingest,
                         MeterRegistry registry, io.ledgerbridge.platform.jobs.JobProgress jobs) {
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

    /** A dropped file, which the load may read twice (the staged way, when the direct way gives up). */
    public interface Source {
        Reader open() throws IOException;

        long bytes();
    }

    /**
     * Loads one file; {@code batch} names it on every stored row. Nothing is stored unless all of it is.
     * The direct way ({@link UsageFileDirect}: one pass, rows copied as they are read) is tried first;
     * when an event of the file is stored already (the file dropped again, an event that came by
     * another feed) it gives up and the staged way below loads the file.
     */
    public Result load(String name, String batch, Source file) {
        // registered on its own (committed now): the rows may be stored by a second connection, which names it too
        int batchId;
        try (Connection conn = dataSource.getConnection()) {
            conn.setAutoCommit(true);
            batchId = UsageIngest.batchId(conn, batch, FEED);
        } catch (SQLException e) {
            throw new org.springframework.dao.DataAccessResourceFailureException("usage batch " + batch + ": " + e.getMessage(), e);
        }
        // its progress (job_run, kind usage_file): rows read as the log reports them, the counts at the end
        long job = jobs.start("usage_file", name, null, FEED);
        try {
            Result result = transactions.execute(tx -> jdbc.execute((Connection conn) -> {
                try {
                    long started = System.nanoTime();
                    List<Unreadable> unreadable = new ArrayList<>();
                    UsageFileDirect.Stored direct;
                    try (Reader reader = file.open()) {
                        direct = new UsageFileDirect(ingest, dataSource, rows -> progress(job, name, rows, started))
                                .load(conn, name, batchId, reader, file.bytes(), unreadable);
                    }
                    if (direct != null) {
                        return finish(conn, name, batchId, batch, started, direct.rows(), direct.accepted(), direct.held(), unreadable);
                    }
                    try (Reader reader = file.open()) {
                        return load(conn, job, name, batchId, batch, reader);
                    }
                } catch (IOException e) {
                    throw new UsageFormatException("file " + name + ": not valid CSV: " + e.getMessage());
                }
            }));
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

    private void progress(long job, String name, long rows, long started) {
        rowsRead.increment(PROGRESS_EVERY);
        long perSecond = rate(rows, started);
        log.info("Usage file {}: {} rows read ({} rows/s)", name, rows, perSecond);
        jobs.advance(job, rows, null, Map.of("rowsRead", rows, "ratePerSecond", perSecond));
    }

    /** Opens the exceptions of the held rows, counts and logs what the file did. */
    private Result finish(Connection conn, String name, int batchId, String batch, long started, long rows, long accepted, long held,
                          List<Unreadable> unreadable) throws SQLException {
        if (held > 0) {
            ingest.openExceptions(conn, batchId, batch, FEED);
        }
        rowsRead.increment(rows % PROGRESS_EVERY);
        unreadable.sort(java.util.Comparator.comparingLong(Unreadable::row));
        int readable = (int) rows - unreadable.size();
        UsageIngest.Summary summary = new UsageIngest.Summary(batch, (int) rows, (int) accepted,
                readable - (int) accepted - (int) held, (int) held);
        ingest.count(FEED, summary);
        loads.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        log.info("Usage file {}: {} rows in {} s ({} rows/s): {} accepted, {} duplicates, {} held, {} unreadable", name, rows,
                String.format("%.2f", (System.nanoTime() - started) / 1e9), rate(rows, started), accepted,
                summary.duplicates(), held, unreadable.size());
        return new Result(summary, unreadable);
    }

    /** The staged way: COPY into a temporary table, then set-based checks against what is stored. */
    private Result load(Connection conn, long job, String name, int batchId, String batch, Reader reader)
            throws SQLException, IOException {
        long started = System.nanoTime();
        try (Statement st = conn.createStatement()) {
            st.execute("set local work_mem = '256MB'");
            st.execute("""
                    create temp table usage_stage (row_no bigint, producer text collate "C", event_id text collate "C", customer_ref text,
                        metric text, quantity bigint, ts timestamptz, properties text) on commit drop""");
        }
        List<Unreadable> unreadable = new ArrayList<>();
        Set<String> refs = new HashSet<>();
        long rows = 0;
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setIgnoreEmptyLines(true).get();
        CopyIn copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn("copy usage_stage from stdin with (on_error ignore)");
        try (CSVParser csv = CSVParser.parse(reader, format)) {
            CopyLines columns = new CopyLines(new UsageColumns(name, csv.getHeaderNames()));
            StringBuilder out = new StringBuilder(FLUSH_AT + 4096);
            for (CSVRecord row : csv) {
                rows++;
                long rowNo = row.getRecordNumber() + 1;
                String problem = columns.append(row, rowNo, out);
                if (problem != null) {
                    unreadable.add(new Unreadable(rowNo, problem));
                } else {
                    refs.add(columns.customer(row));
                }
                if (out.length() >= FLUSH_AT) {
                    byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
                    copy.writeToCopy(bytes, 0, bytes.length);
                    out.setLength(0);
                }
                if (rows % PROGRESS_EVERY == 0) {
                    progress(job, name, rows, started);
                }
            }
            byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            copy.endCopy();
            rowsRead.increment(rows % PROGRESS_EVERY);
        } catch (RuntimeException | IOException | SQLException e) {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            if (e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException) {
                throw new UsageFormatException("file " + name + ": not valid CSV: " + e.getMessage());
            }
            throw e;
        }
        double read = (System.nanoTime() - started) / 1e9;
        long staged;
        try (Statement st = conn.createStatement()) {
            st.execute("analyze usage_stage");
            try (ResultSet rs = st.executeQuery("select count(*) from usage_stage")) {
                rs.next();
                staged = rs.getLong(1);
            }
        }
        if (staged < rows - unreadable.size()) {
            // the database refused these rows' timestamps (a day that does not exist, an hour past 23, ...)
            Set<Long> known = new HashSet<>();
            unreadable.forEach(u -> known.add(u.row()));
            try (PreparedStatement ps = conn.prepareStatement("""
                    select g from generate_series(2, ?) g
                    where not exists (select 1 from usage_stage s where s.row_no = g)""")) {
                ps.setLong(1, rows + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (!known.contains(rs.getLong(1))) {
                            unreadable.add(new Unreadable(rs.getLong(1),
                                    "row " + rs.getLong(1) + ": field 'timestamp' is not a valid date and time"));
                        }
                    }
                }
            }
        }

        params(conn, batchId, refs);
        long[] counts = null;
        Connection storing = storingConnection(name);
        if (storing != null) {
            // a COPY TO cancelled half way aborts what it ran in: the savepoint keeps the staging transaction usable
            Savepoint piping = conn.setSavepoint();
            try {
                counts = pipe(conn, storing, batchId, batch);
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                // another feed stored one of these events since the anti-join looked: store on this connection,
                // where the index decides (below)
                log.info("Usage file {}: an event was stored by another feed meanwhile; storing on the staging connection",
                        name);
                conn.rollback(piping);
            } finally {
                release(storing);
            }
        }
        if (counts == null) {
            Savepoint before = conn.setSavepoint();
            try {
                counts = store(conn, "");
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                conn.rollback(before);
                counts = store(conn, "on conflict (producer, event_id) do nothing");
            }
            if (counts[1] > 0) {
                ingest.openExceptions(conn, batchId, batch, FEED);
            }
        }
        unreadable.sort(java.util.Comparator.comparingLong(Unreadable::row));
        int accepted = (int) counts[0];
        int held = (int) counts[1];
        int readable = (int) rows - unreadable.size();
        UsageIngest.Summary summary = new UsageIngest.Summary(batch, (int) rows, accepted, readable - accepted - held, held);
        ingest.count(FEED, summary);
        loads.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("Usage file {}: {} rows in {} s (read and staged {} s; {} rows/s): {} accepted, {} duplicates, {} held, "
                        + "{} unreadable", name, rows, String.format("%.2f", seconds), String.format("%.2f", read),
                rate(rows, started), accepted, summary.duplicates(), held, unreadable.size());
        return new Result(summary, unreadable);
    }

    /** The customers of the file's references, the metrics, closed periods and zone, where the store query reads them. */
    private void params(Connection conn, int batchId, Set<String> refs) throws SQLException {
        Map<String, String> customers = ingest.customers(refs);
        try (Statement st = conn.createStatement()) {
            st.execute("create temp table usage_customer (ref text primary key, id text not null) on commit drop");
            st.execute("create temp table usage_load (batch_id int, zone text, metrics text[], closed text[]) on commit drop");
        }
        try (PreparedStatement ps = conn.prepareStatement(
                "insert into usage_customer select * from unnest(?::text[], ?::text[])")) {
            ps.setArray(1, conn.createArrayOf("text", customers.keySet().toArray()));
            ps.setArray(2, conn.createArrayOf("text", customers.values().toArray()));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = conn.prepareStatement("insert into usage_load values (?, ?, ?::text[], ?::text[])")) {
            ps.setInt(1, batchId);
            ps.setString(2, ingest.zone().getId());
            ps.setArray(3, conn.createArrayOf("text", ingest.metrics().toArray()));
            ps.setArray(4, conn.createArrayOf("text", ingest.closedPeriods().toArray()));
            ps.executeUpdate();
        }
        try (Statement st = conn.createStatement()) {
            st.execute("analyze usage_customer");
        }
    }

    /**
     * A second connection, outside the staging transaction, that stores the file's rows while the staging
     * connection sorts and checks them (two backends, two cores); null when the pool has none to spare
     * (then the staging connection stores them itself).
     */
    private Connection storingConnection(String name) {
        try {
            Connection c = dataSource.getConnection();
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            log.warn("Usage file {}: no second connection ({}); storing on the staging connection", name, e.getMessage());
            return null;
        }
    }

    private static void release(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            log.debug("Rollback of the storing connection: {}", e.getMessage());
        }
        try {
            c.close();
        } catch (SQLException e) {
            log.debug("Close of the storing connection: {}", e.getMessage());
        }
    }

    /**
     * Streams the checked rows from the staging connection ({@code COPY (query) TO STDOUT}, binary) into
     * {@code COPY usage_event FROM STDIN} on the storing connection, opens the exceptions of the held rows
     * there and commits it: the whole file is that one transaction. Returns {accepted, held}.
     */
    private long[] pipe(Connection staging, Connection storing, int batchId, String batch) throws SQLException {
        CopyIn in = storing.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("copy usage_event (" + COLUMNS + ") from stdin with (format binary)");
        CopyOut out = null;
        long stored;
        try {
            out = staging.unwrap(PGConnection.class).getCopyAPI()
                    .copyOut("copy (" + CHECKED + ") to stdout with (format binary)");
            byte[] buffer = new byte[PIPE_BUFFER];
            int used = 0;
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                if (used + row.length > buffer.length) {
                    in.writeToCopy(buffer, 0, used);
                    used = 0;
                }
                if (row.length > buffer.length) {
                    in.writeToCopy(row, 0, row.length);
                } else {
                    System.arraycopy(row, 0, buffer, used, row.length);
                    used += row.length;
                }
            }
            in.writeToCopy(buffer, 0, used);
            stored = in.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (out != null && out.isActive()) {
                out.cancelCopy();
            }
            if (in.isActive()) {
                in.cancelCopy();
            }
            throw e;
        }
        long held;
        try (PreparedStatement ps = storing.prepareStatement(
                "select count(*) from usage_event where batch_id = ? and status = 'held'")) {
            ps.setInt(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                held = rs.getLong(1);
            }
        }
        if (held > 0) {
            ingest.openExceptions(storing, batchId, batch, FEED);
        }
        storing.commit();
        return new long[] {stored - held, held};
    }

    private long[] store(Connection conn, String onConflict) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(STORE.formatted(onConflict))) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /**
     * How a row becomes one line of COPY text format (fields separated by tabs, backslash, tab,
     * newline and carriage return escaped, \N for null).
     */
    private final class CopyLines {
        private final UsageColumns columns;

        CopyLines(UsageColumns columns) {
            this.columns = columns;
        }

        String customer(CSVRecord row) {
            return row.get(columns.customer);
        }

        /** Appends the row as a COPY line, or returns why it cannot be read (and appends nothing). */
        String append(CSVRecord row, long rowNo, StringBuilder out) {
            String missing = columns.missing(row, rowNo);
            if (missing != null) {
                return missing;
            }
            String q = row.get(columns.quantity);
            try {
                Long.parseLong(q);
            } catch (NumberFormatException e) {
                return "row " + rowNo + ": field 'quantity' is not a whole number: '" + q + "'";
            }
            String ts = row.get(columns.timestamp);
            String instant = instant(ts);
            if (instant == null) {
                return "row " + rowNo + ": field 'timestamp' is not ISO-8601 or Unix seconds: '" + ts + "'";
            }
            out.append(rowNo).append('\t');
            field(out, columns.producer(row));
            field(out, row.get(columns.eventId));
            field(out, row.get(columns.customer));
            field(out, row.get(columns.metric));
            out.append(q).append('\t');
            field(out, instant);
            Map<String, String> properties = columns.properties(row);
            if (properties == null) {
                out.append("\\N");
            } else {
                escape(out, ingest.json(properties));
            }
            out.append('\n');
            return null;
        }

        private void field(StringBuilder out, String value) {
            escape(out, value);
            out.append('\t');
        }

        private void escape(StringBuilder out, String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\t' -> out.append("\\t");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(c);
                }
            }
        }
    }

    /**
     * The timestamp as COPY should read it, or null when it has neither shape: Unix seconds (9 to 11
     * digits) become ISO-8601; ISO-8601 must carry a date, an hour and minute and a zone (Z or an
     * offset). Whether the date and time exist is then the database's call (COPY ... ON_ERROR ignore).
     */
    static String instant(String ts) {
        int n = ts.length();
        if (n >= 9 && n <= 11 && digits(ts, 0, n)) {
            return java.time.Instant.ofEpochSecond(Long.parseLong(ts)).toString();
        }
        if (n < 17 || !digits(ts, 0, 4) || ts.charAt(4) != '-' || !digits(ts, 5, 7) || ts.charAt(7) != '-'
                || !digits(ts, 8, 10) || ts.charAt(10) != 'T' || !digits(ts, 11, 13) || ts.charAt(13) != ':'
                || !digits(ts, 14, 16)) {
            return null;
        }
        char last = ts.charAt(n - 1);
        if (last == 'Z') {
            return ts;
        }
        boolean colon = n >= 6 && ts.charAt(n - 3) == ':';
        int sign = colon ? n - 6 : n - 5;
        if (sign > 16 && (ts.charAt(sign) == '+' || ts.charAt(sign) == '-') && digits(ts, sign + 1, sign + 3)
                && digits(ts, n - 2, n)) {
            return ts;
        }
        return null;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static long rate(long rows, long started) {
        return Math.round(rows / Math.max((System.nanoTime() - started) / 1e9, 1e-9));
    }
}
