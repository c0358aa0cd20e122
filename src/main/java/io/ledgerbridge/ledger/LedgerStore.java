package io.ledgerbridge.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.platform.TransactionScoped;
import java.sql.Date;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes journal entries: once per entry key (a second attempt finds the first), with their lines,
 * the source events that caused them, and an audit record. The database refuses an unbalanced
 * entry at commit and any change to a posted one.
 */
@Component
public class LedgerStore {

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    private String[] erpTargets = new String[0];

    /** The ERPs every posted entry goes to (ledgerbridge.erp.targets), through the erp_posting outbox. */
    @org.springframework.beans.factory.annotation.Autowired
    void setErpTargets(@org.springframework.beans.factory.annotation.Value("${ledgerbridge.erp.targets:}") String targets) {
        this.erpTargets = erpTargets(targets).toArray(String[]::new);
    }

    public static java.util.List<String> erpTargets(String configured) {
        return configured == null ? java.util.List.of() : java.util.Arrays.stream(configured.split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
    }

    public LedgerStore(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /**
     * Posts the entry; returns its id, or empty when an entry with this key already exists. An entry
     * dated in a closed period is posted on the first day of the first open period after it, with
     * its original date kept and named in the memo (accounting.md). Posting holds a shared lock that
     * closing a period takes exclusively, so no entry slips into a period while it closes.
     */
    public Optional<Long> post(JournalEntry entry, Long sourceEventId) {
        Long[] sources = sourceEventId == null ? new Long[0] : new Long[] {sourceEventId};
        // the shared period lock once a transaction; the closed periods it protects cannot change while it is held
        List<String> closed = closedPeriods.get(jdbc.getDataSource(), () -> {
            jdbc.queryForList("select pg_advisory_xact_lock_shared(?)", PERIOD_LOCK);
            return jdbc.queryForList("select period from accounting_period order by period", String.class);
        });
        LocalDate date = firstOpenDay(entry.date(), closed);
        boolean late = !date.equals(entry.date());
        String memo = late ? entry.memo() + " (dated " + entry.date() + "; period " + YearMonth.from(entry.date())
                + " is closed)" : entry.memo();
        int n = entry.lines().size();
        Integer[] lineNos = new Integer[n];
        String[] accounts = new String[n];
        Long[] debits = new Long[n];
        Long[] credits = new Long[n];
        String[] customers = new String[n];
        String[] products = new String[n];
        for (int i = 0; i < n; i++) {
            JournalLine l = entry.lines().get(i);
            lineNos[i] = i + 1;
            accounts[i] = l.account();
            debits[i] = l.debit();
            credits[i] = l.credit();
            customers[i] = l.customerId();
            products[i] = l.product();
        }
        // one statement: the entry (once per key), all its lines (the database checks the entry balances after
        // them), its audit record and, where ERPs are configured, the transactional outbox to each ERP
        List<Long> ids = jdbc.queryForList("""
                with entry as (
                    insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule, customer_id,
                                               corrects_entry_id, source_event_ids, original_date)
                    values (?, ?, ?, ?, ?, ?, (select id from journal_entry where entry_key = ?), ?, ?)
                    on conflict (entry_key) do nothing returning id),
                lines as (
                    insert into journal_line (entry_id, line_no, account_code, debit, credit, customer_id, product)
                    select entry.id, l.* from entry,
                           unnest(?::int[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[]) l),
                audit as (
                    insert into audit_record (actor, action, subject_type, subject_id, inbox_event_id, details)
                    select 'ledger', 'posted', 'journal_entry', entry.id::text, ?, ?::jsonb from entry),
                outbox as (
                    insert into erp_posting (erp, entry_id, external_key)
                    select erp, entry.id, 'lb-je-' || entry.id from entry, unnest(?::text[]) erp)
                select id from entry""", Long.class,
                entry.key(), Date.valueOf(date), entry.currency(), memo, entry.postingRule(),
                entry.customerId(), entry.corrects(), sources, late ? Date.valueOf(entry.date()) : null,
                lineNos, accounts, debits, credits, customers, products,
                sourceEventId, json(Map.of("entryKey", entry.key(), "rule", entry.postingRule(),
                        "amount", entry.total(), "currency", entry.currency())),
                erpTargets);
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(0));
    }

    private final TransactionScoped<List<String>> closedPeriods = new TransactionScoped<>("ledger.closed-periods");

    /** Advisory lock key shared by posting and taken exclusively by closing a period. */
    public static final long PERIOD_LOCK = 0x4c42_5045_5244L; // "LBPERD"

    /** The date itself when its month is open, else the first day of the first open month after it. */
    private static LocalDate firstOpenDay(LocalDate date, List<String> closed) {
        YearMonth month = YearMonth.from(date);
        while (closed.contains(month.toString())) {
            month = month.plusMonths(1);
        }
        return month.equals(YearMonth.from(date)) ? date : month.atDay(1);
    }

    /** A posted entry, read back as the domain object (to reverse it). */
    public JournalEntry read(long entryId) {
        List<JournalLine> lines = jdbc.query("""
                select account_code, debit, credit, customer_id, product from journal_line
                where entry_id = ? order by line_no""",
                (rs, i) -> new JournalLine(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5)),
                entryId);
        return jdbc.queryForObject("""
                select entry_key, entry_date, currency, memo, posting_rule, customer_id from journal_entry where id = ?""",
                (rs, i) -> new JournalEntry(rs.getString(1), rs.getDate(2).toLocalDate(), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), null, lines), entryId);
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
