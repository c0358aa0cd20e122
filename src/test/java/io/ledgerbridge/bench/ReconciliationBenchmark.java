package io.ledgerbridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.erp.ErpDocument;
import io.ledgerbridge.reconciliation.ReconciliationService;
import io.ledgerbridge.sources.stripe.StripeSource;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand: {@code ./mvnw -B verify -Pbench -Dtest=ReconciliationBenchmark}): one day of N
 * transactions (default 1,000,000): N journal entries in the ledger, N source transactions as read from
 * Stripe and N documents as read back from one ERP, with 0.1% of each kind of break planted (missing
 * in the ledger, amount mismatch, dropped and duplicated in the ERP). Times the comparison: ledger
 * snapshot, source and ERP snapshots, the set-based matching, the breaks with their explanations and
 * the summary. Reading 1M objects through the Stripe and ERP APIs is not in the figure (their paging
 * is measured by the APIs' own rate limits, not by us).
 */
@Tag("bench")
@LedgerbridgeTest
class ReconciliationBenchmark {

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ReconciliationService service;

    @Test
    void reconcileAMillionTransactions() {
        int n = Integer.getInteger("bench.rows", 1_000_000);
        LocalDate day = LocalDate.of(2024, 2, 14);
        long t0 = System.nanoTime();
        // the ledger: N payment entries of the day, each with its two lines, and their ERP postings
        jdbc.execute("alter table journal_line disable trigger user");
        jdbc.execute("alter table journal_entry disable trigger user");
        try {
            jdbc.update("""
                    insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule)
                    select 'stripe:payment:ch_bench' || g, ?, 'USD', 'bench', 'payment_succeeded' from generate_series(1, ?) g""",
                    java.sql.Date.valueOf(day), n);
            jdbc.update("""
                    insert into journal_line (entry_id, line_no, account_code, debit, credit)
                    select e.id, x.no, x.account, case when x.no = 1 then 1000 + (e.id % 5000) else 0 end,
                           case when x.no = 2 then 1000 + (e.id % 5000) else 0 end
                    from journal_entry e cross join (values (1, '1010'), (2, '1100')) x(no, account)
                    where e.entry_date = ? and e.memo = 'bench'""", java.sql.Date.valueOf(day));
        } finally {
            jdbc.execute("alter table journal_entry enable trigger user");
            jdbc.execute("alter table journal_line enable trigger user");
        }
        jdbc.update("""
                insert into erp_posting (erp, entry_id, external_key, status, erp_date)
                select 'netsuite', id, 'lb-je-' || id, 'confirmed', entry_date from journal_entry where entry_date = ? and memo = 'bench'""",
                java.sql.Date.valueOf(day));
        List<Long> ids = jdbc.queryForList("select id from journal_entry where entry_date = ? and memo = 'bench' order by id", Long.class,
                java.sql.Date.valueOf(day));
        List<StripeSource.Txn> source = new ArrayList<>(n + n / 1000);
        List<ErpDocument> erp = new ArrayList<>(n);
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            long amount = 1000 + (id % 5000);
            source.add(ReconciliationService.sourceTxn("stripe:payment:ch_bench" + (i + 1), "payment",
                    i % 1000 == 1 ? amount + 1 : amount, "USD", day, "ch_bench" + (i + 1)));
            if (i % 1000 != 2) {
                erp.add(new ErpDocument("netsuite", "lb-je-" + id, Long.toString(id), day, "USD", amount, "approved"));
            }
            if (i % 1000 == 3) {
                erp.add(new ErpDocument("netsuite", "lb-je-" + id, "dup" + id, day, "USD", amount, "approved"));
            }
            if (i % 1000 == 4) {
                source.add(ReconciliationService.sourceTxn("stripe:payment:ch_missing" + i, "payment", 500, "USD", day, "ch_missing" + i));
            }
        }
        double setup = (System.nanoTime() - t0) / 1e9;
        jdbc.execute("analyze");

        long t1 = System.nanoTime();
        long run = service.compare(day, "bench", source, Map.of("netsuite", erp), t1);
        double seconds = (System.nanoTime() - t1) / 1e9;
        List<Map<String, Object>> breaks = jdbc.queryForList(
                "select category, count(*) as n from recon_break where run_id = ? group by category order by category", run);
        System.out.printf("%nBENCH reconciliation: %d ledger entries, %d source transactions, %d ERP documents (set up in %.1f s)%n",
                ids.size(), source.size(), erp.size(), setup);
        System.out.printf("BENCH reconciliation: compared in %.2f s; breaks %s%n%n", seconds, breaks);
        long expected = n / 1000;
        assertThat(breaks).extracting(m -> m.get("category") + "=" + m.get("n")).containsExactlyInAnyOrder(
                "amount_mismatch=" + expected, "duplicate=" + expected, "missing_in_erp=" + expected, "missing_in_ledger=" + expected);
    }
}
