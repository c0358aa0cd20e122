package io.ledgerbridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.usage.UsageClose;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand: {@code ./mvnw -B verify -Pbench -Dtest=UsageRatingBenchmark}): N accepted usage
 * events (default 1,000,000) of 1,000 customers in one month, each customer with a signed contract
 * pricing api_calls (graduated tiers, included units, a minimum) and seats (volume tiers); times the
 * close of the period: aggregation, rating, charges and the 1150/4100 accruals (the "rating" figure),
 * then the push of the charges to the Stripe fake (WireMock) as invoice items.
 */
@Tag("bench")
@LedgerbridgeTest
class UsageRatingBenchmark {

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CustomerDirectory customers;
    @Autowired
    UsageClose close;
    @Autowired
    ObjectMapper mapper;

    @Test
    void rateAMillionEventsAtPeriodClose() throws Exception {
        int rows = Integer.getInteger("bench.rows", 1_000_000);
        int customerCount = 1_000;
        YearMonth period = YearMonth.of(2026, 9);
        String run = Long.toString(System.nanoTime(), 36);
        Contract.UsageTerm calls = new Contract.UsageTerm("api_calls", "graduated", null, List.of(
                new Contract.Tier(10_000L, BigDecimal.ZERO, 0), new Contract.Tier(100_000L, new BigDecimal("0.2"), 0),
                new Contract.Tier(null, new BigDecimal("0.1"), 0)), 500, 5_000);
        Contract.UsageTerm seats = new Contract.UsageTerm("seats", "volume", null, List.of(
                new Contract.Tier(50L, new BigDecimal("1000"), 0), new Contract.Tier(null, new BigDecimal("800"), 0)), 0, 0);
        String[] ids = new String[customerCount];
        for (int c = 0; c < customerCount; c++) {
            ids[c] = customers.create("stripe", "cus_rate_" + run + "_" + c, "Rating bench " + run + " " + c, null);
            Contract terms = new Contract("docusign", "bench-" + run + "-" + c, null, null, null, "Rating bench " + c, null, null, null,
                    LocalDate.of(2026, 1, 1), 12, "monthly", 30, "USD", null, false, null, List.of(), List.of(calls, seats));
            jdbc.update("""
                    insert into contract (id, source, document_id, customer_id, status, terms, total, currency, acted_at)
                    values (?, 'docusign', ?, ?, 'active', ?::jsonb, 0, 'USD', now())""",
                    "ctr-bench-" + run + "-" + c, "bench-" + run + "-" + c, ids[c], mapper.writeValueAsString(terms));
        }
        long t0 = System.nanoTime();
        jdbc.update("""
                insert into usage_event (producer, event_id, customer_ref, customer_id, metric, quantity, occurred_at, feed, batch, status)
                select 'bench', ? || '-' || g, c.id, c.id, case when g % 10 = 0 then 'seats' else 'api_calls' end, 1 + g % 50,
                       timestamptz '2026-09-01 00:00:00+00' + make_interval(secs => (g % 2592000)), 'bench', ?, 'accepted'
                from generate_series(1, ?) g
                join (select id, row_number() over (order by id) - 1 as n from unnest(?::text[]) id) c on c.n = g % ?""",
                run, run, rows, ids, customerCount);
        jdbc.execute("analyze usage_event");
        double load = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        UsageClose.Result result = close.close(period, "bench");
        double whole = (System.nanoTime() - t1) / 1e9;
        long total = jdbc.queryForObject("select count(*) from usage_event where producer = 'bench' and batch = ?", Long.class, run);
        assertThat(total).isEqualTo(rows);
        System.out.printf("%nBENCH usage rating: %d events of %d customers loaded in %.1f s%n", rows, customerCount, load);
        System.out.printf("BENCH usage rating: period close rated %d customers into %d charges %s in %.2f s"
                        + " (aggregation, rating, charges, %d accrual entries); with the push of %d invoice items to the Stripe fake"
                        + " %.2f s in all%n%n",
                result.customers(), result.charges(), result.amount(), result.ratingMillis() / 1000.0, customerCount,
                result.push().pushed(), whole);
    }
}
