package io.ledgerbridge.revenue;

import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.AccountRoles;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.ledger.domain.RecognitionSchedule;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The recognition run: for every deferred invoice line, Dr 2000 Deferred Revenue / Cr the line's
 * revenue account for what is earned through each month end up to {@code through} (and through
 * {@code through} itself), from the cumulative schedule. Idempotent: each line records what it has
 * recognised through which day, so a second run through the same date posts nothing. One run at a
 * time cluster-wide (a PostgreSQL advisory lock held for the run's transaction).
 */
@Service
public class RecognitionService {

    private static final Logger log = LoggerFactory.getLogger(RecognitionService.class);
    private static final long LOCK = 0x4c42_5245_434fL; // "LBRECO"

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final io.ledgerbridge.platform.jobs.JobProgress jobs;
    private final String deferredRevenue;

    public RecognitionService(JdbcTemplate jdbc, LedgerStore store, io.ledgerbridge.platform.jobs.JobProgress jobs,
                              AccountRoles roles) {
        this.jdbc = jdbc;
        this.store = store;
        this.jobs = jobs;
        this.deferredRevenue = roles.code(AccountRole.DEFERRED_REVENUE);
    }

    /** What one run did. */
    public record RunResult(long runId, LocalDate through, int lines, int entries, long amount) {
    }

    private record OpenLine(RevenueLine line, String invoiceId, String customer, String currency, long recognised,
                            long reduced, LocalDate recognisedThrough) {
    }

    private record Posting(OpenLine line, LocalDate through, long amount, long cumulative) {
    }

    /** Writes the postings with a few array-bound statements instead of one statement a row. */
    private void insertPostings(List<Object[]> rows) {
        int chunk = 50_000;
        for (int from = 0; from < rows.size(); from += chunk) {
            List<Object[]> part = rows.subList(from, Math.min(rows.size(), from + chunk));
            int n = part.size();
            String[] invoices = new String[n];
            String[] lines = new String[n];
            String[] throughs = new String[n];
            Long[] amounts = new Long[n];
            Long[] cumulatives = new Long[n];
            Long[] entries = new Long[n];
            Long[] runs = new Long[n];
            for (int i = 0; i < n; i++) {
                Object[] r = part.get(i);
                invoices[i] = (String) r[0];
                lines[i] = (String) r[1];
                throughs[i] = r[2].toString();
                amounts[i] = (Long) r[3];
                cumulatives[i] = (Long) r[4];
                entries[i] = (Long) r[5];
                runs[i] = (Long) r[6];
            }
            jdbc.update("""
                    insert into recognition_posting (invoice_id, line_id, through, amount, cumulative, entry_id, run_id)
                    select * from unnest(?::text[], ?::text[], ?::text[]::date[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])""",
                    invoices, lines, throughs, amounts, cumulatives, entries, runs);
        }
    }

    /** A run, with its progress in job_run (kind recognition: entries posted of those to post); a failed run ends it failed. */
    @Transactional
    public RunResult recognize(LocalDate through, String requestedBy) {
        long job = jobs.start("recognition", "through " + through, null, requestedBy);
        try {
            RunResult r = recognize(through, requestedBy, job);
            jobs.finish(job, "succeeded", "run " + r.runId() + ": " + r.lines() + " line postings, " + r.entries() + " entries, "
                    + r.amount() + " recognised");
            return r;
        } catch (RuntimeException e) {
            jobs.finish(job, "failed", String.valueOf(e.getMessage()));
            throw e;
        }
    }

    private RunResult recognize(LocalDate through, String requestedBy, long job) {
        long started = System.nanoTime();
        jdbc.queryForList("select pg_advisory_xact_lock(?)", LOCK);
        long runId = jdbc.queryForObject("insert into recognition_run (through, requested_by) values (?, ?) returning id",
                Long.class, Date.valueOf(through), requestedBy);
        List<OpenLine> open = jdbc.query("""
                select l.invoice_id, l.line_id, l.product, l.account_code, l.method, l.amount, l.period_start, l.period_end,
                       l.recognised, l.reduced, l.recognised_through, a.customer_id, a.currency
                from invoice_line l join ar_invoice a on a.invoice_id = l.invoice_id
                where l.deferred and l.recognised + l.reduced <> l.amount and a.status <> 'void'
                  and l.period_start <= ? and (l.recognised_through is null or l.recognised_through < ?)""",
                (rs, i) -> new OpenLine(new RevenueLine(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getLong(6), rs.getDate(7).toLocalDate(), rs.getDate(8).toLocalDate(), true),
                        rs.getString(1), rs.getString(12), rs.getString(13), rs.getLong(9), rs.getLong(10),
                        rs.getDate(11) == null ? null : rs.getDate(11).toLocalDate()),
                Date.valueOf(through), Date.valueOf(through));
        long selected = System.nanoTime();
        // (checkpoint, currency) -> postings; one entry per checkpoint and currency, lines per account and customer
        Map<String, List<Posting>> groups = new TreeMap<>();
        for (OpenLine l : open) {
            long cumulative = l.recognised();
            for (LocalDate at : RecognitionSchedule.checkpoints(l.line(), l.recognisedThrough(), through)) {
                long target = RecognitionSchedule.cumulative(l.line(), l.reduced(), at);
                if (target != cumulative) {
                    groups.computeIfAbsent(at + "|" + l.currency(), k -> new ArrayList<>())
                            .add(new Posting(l, at, target - cumulative, target));
                    cumulative = target;
                }
            }
        }
        long computed = System.nanoTime();
        jobs.advance(job, 0, (long) groups.size(), Map.of("openLines", open.size(), "entriesToPost", groups.size()));
        long reported = computed;
        int handled = 0;
        int entries = 0;
        long total = 0;
        List<Object[]> postings = new ArrayList<>();
        for (Map.Entry<String, List<Posting>> g : groups.entrySet()) {
            List<Posting> ps = g.getValue();
            LocalDate at = ps.get(0).through();
            String currency = ps.get(0).line().currency();
            Map<String, Long> deferred = new LinkedHashMap<>();
            Map<String, Long> revenue = new LinkedHashMap<>();
            for (Posting p : ps) {
                deferred.merge(p.line().customer(), p.amount(), Long::sum);
                revenue.merge(p.line().line().account() + "|" + p.line().customer(), p.amount(), Long::sum);
            }
            List<JournalLine> lines = new ArrayList<>();
            deferred.forEach((customer, amount) -> {
                if (amount != 0) {
                    lines.add(JournalLine.debit(deferredRevenue, amount, customer, null));
                }
            });
            revenue.forEach((key, amount) -> {
                if (amount != 0) {
                    String[] k = key.split("\\|", 2);
                    lines.add(JournalLine.credit(k[0], amount, k[1].equals("null") ? null : k[1], null));
                }
            });
            Long entryId = null;
            if (!lines.isEmpty()) {
                JournalEntry entry = new JournalEntry("recognition:run-" + runId + ":" + currency + ":" + at, at, currency,
                        "Revenue recognised through " + at + " (" + ps.size() + " invoice lines)", "revenue_recognised",
                        null, null, lines);
                entryId = store.post(entry, null).orElseThrow();
                entries++;
            }
            for (Posting p : ps) {
                postings.add(new Object[] {p.line().invoiceId(), p.line().line().lineId(), Date.valueOf(p.through()),
                        p.amount(), p.cumulative(), entryId, runId});
                total += p.amount();
            }
            handled++;
            if (System.nanoTime() - reported > 500_000_000L) { // at most twice a second
                reported = System.nanoTime();
                jobs.advance(job, handled, null, Map.of("openLines", open.size(), "entriesToPost", groups.size(),
                        "entriesPosted", entries, "linePostings", postings.size()));
            }
        }
        long posted = System.nanoTime();
        insertPostings(postings);
        long inserted = System.nanoTime();
        // set-based: every line this run looked at is now recognised through `through`, plus what it posted
        jdbc.update("""
                update invoice_line l set recognised_through = ?
                from ar_invoice a
                where a.invoice_id = l.invoice_id and l.deferred and l.recognised + l.reduced <> l.amount
                  and a.status <> 'void' and l.period_start <= ? and (l.recognised_through is null or l.recognised_through < ?)""",
                Date.valueOf(through), Date.valueOf(through), Date.valueOf(through));
        jdbc.update("""
                update invoice_line l set recognised = l.recognised + p.amount
                from (select invoice_id, line_id, sum(amount) as amount from recognition_posting where run_id = ?
                      group by invoice_id, line_id) p
                where p.invoice_id = l.invoice_id and p.line_id = l.line_id""", runId);
        jdbc.update("""
                update recognition_run set finished_at = now(), lines = ?, entries = ?, amount = ? where id = ?""",
                postings.size(), entries, total, runId);
        long done = System.nanoTime();
        jobs.advance(job, groups.size(), null, Map.of("openLines", open.size(), "entriesToPost", groups.size(),
                "entriesPosted", entries, "linePostings", postings.size(), "amount", total));
        log.info("Recognition run {} through {}: {} line postings, {} entries, {} recognised "
                        + "(ms: select {}, compute {}, entries {}, postings {}, lines {})", runId, through,
                postings.size(), entries, total, (selected - started) / 1_000_000, (computed - selected) / 1_000_000,
                (posted - computed) / 1_000_000, (inserted - posted) / 1_000_000, (done - inserted) / 1_000_000);
        return new RunResult(runId, through, postings.size(), entries, total);
    }
}
