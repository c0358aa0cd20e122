package io.ledgerbridge.revenue;

import io.ledgerbridge.ledger.LedgerStore;
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

    public RecognitionService(JdbcTemplate jdbc, LedgerStore store) {
        this.jdbc = jdbc;
        this.store = store;
    }

    /** What one run did. */
    public record RunResult(long runId, LocalDate through, int lines, int entries, long amount) {
    }

    private record OpenLine(RevenueLine line, String invoiceId, String customer, String currency, long recognised,
                            long reduced, LocalDate recognisedThrough) {
    }

    private record Posting(OpenLine line, LocalDate through, long amount, long cumulative) {
    }

    @Transactional
    public RunResult recognize(LocalDate through, String requestedBy) {
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
                    lines.add(JournalLine.debit("2000", amount, customer, null));
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
        }
        jdbc.batchUpdate("""
                insert into recognition_posting (invoice_id, line_id, through, amount, cumulative, entry_id, run_id)
                values (?, ?, ?, ?, ?, ?, ?)""", postings);
        List<Object[]> updates = new ArrayList<>();
        for (OpenLine l : open) {
            updates.add(new Object[] {Date.valueOf(through), l.invoiceId(), l.line().lineId()});
        }
        jdbc.batchUpdate("""
                update invoice_line set recognised_through = greatest(coalesce(recognised_through, ?), ?),
                       recognised = (select coalesce(sum(amount), 0) from recognition_posting p
                                     where p.invoice_id = invoice_line.invoice_id and p.line_id = invoice_line.line_id)
                where invoice_id = ? and line_id = ?""",
                updates.stream().map(u -> new Object[] {u[0], u[0], u[1], u[2]}).toList());
        jdbc.update("""
                update recognition_run set finished_at = now(), lines = ?, entries = ?, amount = ? where id = ?""",
                postings.size(), entries, total, runId);
        log.info("Recognition run {} through {}: {} line postings, {} entries, {} recognised", runId, through,
                postings.size(), entries, total);
        return new RunResult(runId, through, postings.size(), entries, total);
    }
}
