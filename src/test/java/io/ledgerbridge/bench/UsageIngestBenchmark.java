package io.ledgerbridge.bench;

import static org.awaitility.Awaitility.await;

import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.io.BufferedWriter;
import java.io.FileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand: {@code ./mvnw -B verify -Pbench -Dtest=UsageIngestBenchmark -Dbench.rows=1000000
 * -Dsurefire.failIfNoSpecifiedTests=false}): a usage CSV of N rows with 1% duplicates and 0.5% unreadable
 * rows dropped into the inbox folder, timed until the file is in error/ (it has bad rows) and every row is
 * accounted for; ceilings: PostgreSQL COPY of the same file into a bare temporary table and into a bare
 * durable table, in the same round. {@code bench.rounds} rounds (5) of new events each, medians printed.
 */
@Tag("bench")
@LedgerbridgeTest
class UsageIngestBenchmark {

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;
    @Autowired
    CustomerDirectory customers;
    @Autowired
    MeterRegistry registry;

    @Test
    void ingestAMillionRowFile() throws Exception {
        int rows = Integer.getInteger("bench.rows", 1_000_000);
        int customerCount = 1_000;
        for (int c = 0; c < customerCount; c++) {
            customers.resolve("stripe", "cus_bench_" + c);
        }
        Path inbox = Files.createDirectories(Path.of("data/inbox/usage"));
        // warm-up: a smaller file of other events first, so the JIT has compiled the load's code (a service
        // that loads files all day runs it compiled; the first file of a fresh JVM spends half its CPU compiling)
        int warmRows = Integer.getInteger("bench.warm-rows", 500_000);
        if (warmRows > 0) {
            Path warm = Files.createTempFile("usage-warm", ".csv");
            write(warm, warmRows, "wu-", customerCount);
            String warmName = "warm-" + System.nanoTime() + ".csv";
            Files.move(warm, inbox.resolve(warmName));
            awaitReport(inbox, warmName);
            // the warm-up's half million rows would wake autovacuum during the measured load (both cores busy
            // already): vacuumed and analysed now, so the load starts from a quiet database
            jdbc.execute("vacuum (analyze) usage_event");
        }
        int rounds = Integer.getInteger("bench.rounds", 5);
        // one connection for the temporary table of the ceiling (a session's own) and, after the rounds, the floor
        try (Connection session = dataSource.getConnection()) {
            rounds(session, rows, customerCount, inbox, rounds);
        }
    }

    private void rounds(Connection session, int rows, int customerCount, Path inbox, int rounds) throws Exception {
        List<double[]> results = new ArrayList<>();
        int bad = 0;
        long size = 0;
        int stored = 0;
        long walBytes = 0;
        long checkpointsDuring = 0;
        for (int round = 0; round < rounds; round++) {
            // each round its own events (ev0-, ev1-, ...), same shape; the ceilings and the load alternate, so a slow
            // moment of the machine falls on one round, not on one side of the ratio
            Path tmp = Files.createTempFile("usage-bench", ".csv");
            bad = write(tmp, rows, "ev" + round + "-", customerCount);
            size = Files.size(tmp);
            // as on a server that has been loading files for a while: WAL segments recycled (min_wal_size) rather
            // than created and zero-filled the first time they are needed; the same for the ceilings and the load
            jdbc.execute("checkpoint");

            try (Statement st = session.createStatement()) {
                st.execute("drop table if exists copy_ceiling");
            }
            long t0 = System.nanoTime();
            try (Statement st = session.createStatement(); var reader = new FileReader(tmp.toFile())) {
                st.execute("create temp table copy_ceiling (event_id text, customer text, metric text, quantity text, ts text)");
                session.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("copy copy_ceiling from stdin with (format csv, header true)", reader);
            }
            double copy = (System.nanoTime() - t0) / 1e9;
            jdbc.execute("create table copy_durable (event_id text, customer text, metric text, quantity text, ts text)");
            long t2 = System.nanoTime();
            try (var conn = dataSource.getConnection(); var reader = new FileReader(tmp.toFile())) {
                conn.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("copy copy_durable from stdin with (format csv, header true)", reader);
            }
            double copyDurable = (System.nanoTime() - t2) / 1e9;
            jdbc.execute("drop table copy_durable");

            double loadedBefore = registry.timer("ledgerbridge.usage.file.load").totalTime(TimeUnit.NANOSECONDS) / 1e9;
            String name = "bench-" + System.nanoTime() + ".csv";
            String walBefore = jdbc.queryForObject("select pg_current_wal_lsn()::text", String.class);
            long checkpointsBefore = checkpoints();
            long t1 = System.nanoTime();
            Files.move(tmp, inbox.resolve(name));
            awaitReport(inbox, name);
            double ingest = (System.nanoTime() - t1) / 1e9;
            double load = registry.timer("ledgerbridge.usage.file.load").totalTime(TimeUnit.NANOSECONDS) / 1e9 - loadedBefore;
            walBytes = jdbc.queryForObject("select pg_current_wal_lsn() - ?::pg_lsn", Long.class, walBefore);
            checkpointsDuring += checkpoints() - checkpointsBefore;
            stored = jdbc.queryForObject("select count(*) from usage_event where producer = 'default' and event_id like ?",
                    Integer.class, "ev" + round + "-%");
            results.add(new double[] {load, ingest, copy, copyDurable, 100.0 * copy / load, 100.0 * copyDurable / load});
            jdbc.execute("vacuum (analyze) usage_event"); // as after the warm-up: no autovacuum during the next round
            System.out.printf("%nBENCH usage ingest round %d: load %.2f s (drop to report %.2f s), COPY into a temporary table"
                    + " %.2f s = %.1f%%, COPY into a durable table %.2f s = %.1f%%, %d stored%n", round + 1, load, ingest, copy,
                    100.0 * copy / load, copyDurable, 100.0 * copyDurable / load, stored);
        }
        double load = median(results, 0);
        double ingest = median(results, 1);
        double copy = median(results, 2);
        double copyDurable = median(results, 3);
        // the floor of any durable, de-duplicated store: the same rows (cast, readable ones only) inserted in one
        // statement into a table shaped like usage_event with only its primary key (event_id, producer)
        jdbc.execute("create table floor_clone (like usage_event including defaults)");
        jdbc.execute("alter table floor_clone add primary key (event_id, producer)");
        long t3 = System.nanoTime();
        try (Statement st = session.createStatement()) {
            st.execute("""
                insert into floor_clone (producer, event_id, customer_ref, metric, quantity, occurred_at, batch_id, status)
                select distinct on (event_id) 'default', event_id, customer, metric, quantity::bigint, ts::timestamptz,
                       0, 'accepted'
                from copy_ceiling where quantity ~ '^[0-9]+$'""");
        }
        double floor = (System.nanoTime() - t3) / 1e9;
        jdbc.execute("drop table floor_clone");
        System.out.printf("%nBENCH usage ingest: database collation %s%n",
                jdbc.queryForObject("select datcollate from pg_database where datname = current_database()", String.class));
        System.out.printf("BENCH usage ingest: %d rows (%.1f MiB) a round, %d unreadable, %d stored after de-duplication"
                + " (last round)%n", rows, size / 1048576.0, bad, stored);
        System.out.printf("BENCH usage ingest: medians of %d rounds: load %.2f s (%.0f rows/s; file dropped to report written:"
                + " %.2f s, with the folder poll and read lock)%n", rounds, load, rows / load, ingest);
        System.out.printf("BENCH usage ingest: WAL written from drop to report %.0f MiB (last round), checkpoints begun during"
                + " the loads %d%n", walBytes / 1048576.0, checkpointsDuring);
        // each ratio is taken within its round (ceiling and load measured minutes apart at most), then the median
        System.out.printf("BENCH usage ingest: COPY into a temporary table %.2f s (%.0f rows/s): load rate = %.1f%% of it"
                + " (median of the rounds' ratios); COPY into a durable table %.2f s: %.1f%%%n%n", copy, rows / copy,
                median(results, 4), copyDurable, median(results, 5));
        System.out.printf("BENCH usage ingest: floor, one INSERT ... SELECT of the readable rows de-duplicated into a table"
                + " with only the key index: %.2f s = %.1f%% of COPY into a temporary table%n%n", floor, 100.0 * copy / floor);
    }

    private static double median(List<double[]> results, int column) {
        double[] values = results.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /** A usage CSV of {@code rows} rows: ~1% repeated event ids, ~0.5% unreadable rows; returns how many unreadable. */
    private static int write(Path file, int rows, String prefix, int customerCount) throws java.io.IOException {
        Random random = new Random(42);
        int bad = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("event_id,customer,metric,quantity,timestamp\n");
            for (int i = 0; i < rows; i++) {
                int id = random.nextInt(100) == 0 && i > 0 ? random.nextInt(i) : i; // ~1% duplicates
                boolean unreadable = random.nextInt(200) == 0;                      // ~0.5% bad rows
                bad += unreadable ? 1 : 0;
                w.write(prefix + id + ",cus_bench_" + (id % customerCount) + ",api_calls," + (unreadable ? "n/a" : (1 + id % 50))
                        + ",2026-07-" + String.format("%02d", 1 + id % 28) + "T10:00:00Z\n");
            }
        }
        return bad;
    }

    /** Checkpoints the database has begun so far, timed or requested (PostgreSQL 17's checkpointer statistics). */
    private long checkpoints() {
        return jdbc.queryForObject("select num_timed + num_requested from pg_stat_checkpointer", Long.class);
    }

    /** Waits until the load has written the file's report of unreadable rows (every bench file has some). */
    private static void awaitReport(Path inbox, String name) {
        Path report = inbox.resolve("error").resolve(name.replace(".csv", ".errors.csv"));
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).until(() -> Files.exists(report));
    }
}
