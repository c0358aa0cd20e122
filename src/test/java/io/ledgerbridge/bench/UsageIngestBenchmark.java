package io.ledgerbridge.bench;

import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.io.BufferedWriter;
import java.io.FileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand: {@code ./mvnw -B verify -Pbench -Dbench.rows=1000000}): a usage CSV of N rows
 * with 1% duplicates and 0.5% unreadable rows dropped into the inbox folder, timed until the file is
 * in error/ (it has bad rows) and every row is accounted for; ceiling: PostgreSQL COPY of the same
 * file into a bare table, in the same run.
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

    @Test
    void ingestAMillionRowFile() throws Exception {
        int rows = Integer.getInteger("bench.rows", 1_000_000);
        int customerCount = 1_000;
        for (int c = 0; c < customerCount; c++) {
            customers.resolve("stripe", "cus_bench_" + c);
        }
        Path tmp = Files.createTempFile("usage-bench", ".csv");
        Random random = new Random(42);
        int bad = 0;
        try (BufferedWriter w = Files.newBufferedWriter(tmp)) {
            w.write("event_id,customer,metric,quantity,timestamp\n");
            for (int i = 0; i < rows; i++) {
                int id = random.nextInt(100) == 0 && i > 0 ? random.nextInt(i) : i; // ~1% duplicates
                boolean unreadable = random.nextInt(200) == 0;                      // ~0.5% bad rows
                bad += unreadable ? 1 : 0;
                w.write("ev-" + id + ",cus_bench_" + (id % customerCount) + ",api_calls," + (unreadable ? "n/a" : (1 + id % 50))
                        + ",2026-07-" + String.format("%02d", 1 + id % 28) + "T10:00:00Z\n");
            }
        }
        long size = Files.size(tmp);

        long t0 = System.nanoTime();
        jdbc.execute("create temp table copy_ceiling (event_id text, customer text, metric text, quantity text, ts text)");
        try (var conn = dataSource.getConnection(); var reader = new FileReader(tmp.toFile())) {
            conn.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("copy copy_ceiling from stdin with (format csv, header true)", reader);
        }
        double copy = (System.nanoTime() - t0) / 1e9;

        Path inbox = Files.createDirectories(Path.of("data/inbox/usage"));
        String name = "bench-" + System.nanoTime() + ".csv";
        long t1 = System.nanoTime();
        Files.move(tmp, inbox.resolve(name));
        Path report = inbox.resolve("error").resolve(name.replace(".csv", ".errors.csv"));
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!Files.exists(report) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        double ingest = (System.nanoTime() - t1) / 1e9;
        Integer stored = jdbc.queryForObject("select count(*) from usage_event where producer = 'default' and event_id like 'ev-%'",
                Integer.class);
        System.out.printf("%nBENCH usage ingest: %d rows (%.1f MiB), %d unreadable, %d stored after de-duplication%n",
                rows, size / 1048576.0, bad, stored);
        System.out.printf("BENCH usage ingest: %.2f s (%.0f rows/s, includes the folder poll of up to 1 s and the"
                + " 1 s read lock); COPY ceiling %.2f s (%.0f rows/s); ingest rate = %.1f%% of COPY%n%n",
                ingest, rows / ingest, copy, rows / copy, 100.0 * copy / ingest);
    }
}
