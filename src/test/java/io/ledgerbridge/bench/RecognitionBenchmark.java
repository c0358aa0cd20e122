package io.ledgerbridge.bench;

import io.ledgerbridge.revenue.RecognitionService;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.LocalDate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand: {@code ./mvnw -B verify -Pbench -Dbench.lines=100000}): recognise N annual
 * invoice lines through 12 month ends in one run, against the embedded PostgreSQL. Prints the time
 * of the run and, as the ceiling measured in the same run, the time PostgreSQL takes to insert the
 * same number of posting rows with one INSERT ... SELECT. Results go to docs/benchmarks.md.
 */
@Tag("bench")
@LedgerbridgeTest
class RecognitionBenchmark {

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    RecognitionService recognition;

    @Test
    void recogniseLinesThroughTwelveMonths() {
        int lines = Integer.getInteger("bench.lines", 100_000);
        int customers = Math.max(1, lines / 10);
        long t0 = System.nanoTime();
        jdbc.update("""
                insert into customer (id) select 'cus-bench-' || g from generate_series(1, ?) g""", customers);
        jdbc.update("""
                insert into ar_invoice (invoice_id, customer_id, currency, total, invoice_date)
                select 'bench:in_' || g, 'cus-bench-' || (1 + g % ?), 'USD', 120000 + g, date '2026-01-01'
                from generate_series(1, ?) g""", customers, lines);
        jdbc.update("""
                insert into invoice_line (invoice_id, line_id, product, amount, account_code, method, period_start, period_end, deferred)
                select 'bench:in_' || g, 'il_' || g, 'prod_platform_annual', 120000 + g, '4000', 'ratable',
                       date '2026-01-01', date '2027-01-01', true
                from generate_series(1, ?) g""", lines);
        double setup = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        RecognitionService.RunResult run = recognition.recognize(LocalDate.of(2026, 12, 31), "bench");
        double seconds = (System.nanoTime() - t1) / 1e9;

        long t2 = System.nanoTime();
        jdbc.execute("create temp table bench_ceiling as select * from recognition_posting with no data");
        jdbc.update("""
                insert into bench_ceiling (invoice_id, line_id, through, amount, cumulative, entry_id, run_id)
                select invoice_id, line_id, through, amount, cumulative, entry_id, run_id from recognition_posting where run_id = ?""",
                run.runId());
        double ceiling = (System.nanoTime() - t2) / 1e9;
        jdbc.execute("drop table bench_ceiling");

        System.out.printf("%nBENCH recognition: %d lines x 12 months -> %d line postings, %d entries, %d recognised%n",
                lines, run.lines(), run.entries(), run.amount());
        System.out.printf("BENCH recognition run: %.2f s (%.0f line postings/s); setup %.2f s;"
                + " ceiling (INSERT ... SELECT of the same rows) %.2f s; ratio %.1fx%n%n",
                seconds, run.lines() / seconds, setup, ceiling, seconds / ceiling);
    }
}
