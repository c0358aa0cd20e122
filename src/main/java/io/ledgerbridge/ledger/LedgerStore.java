package io.ledgerbridge.ledger;

import io.ledgerbridge.audit.AuditLog;

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
    private final AuditLog audit;
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

    public LedgerStore(JdbcTemplate jdbc, ObjectMapper mapper, AuditLog audit) {
        this.audit = audit;
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
        Buffer buffer = buffers.current(jdbc.getDataSource());
        if (buffer != null && OPTIMISTIC.contains(entry.postingRule())) {
            return buffer.add(entry, sourceEventId);
        }
        if (buffer != null) {
            buffer.flush();
        }
        return postNow(entry, sourceEventId);
    }

    /** The entry's date (the first open day when its own period is closed) and memo, under the period lock. */
    private record Dated(LocalDate date, String memo, boolean late) {
    }

    private Dated dated(JournalEntry entry) {
        // the shared period lock once a transaction; the closed periods it protects cannot change while it is held
        List<String> closed = closedPeriods.get(jdbc.getDataSource(), () -> {
            jdbc.queryForList("select pg_advisory_xact_lock_shared(?)", PERIOD_LOCK);
            return jdbc.queryForList("select period from accounting_period order by period", String.class);
        });
        LocalDate date = firstOpenDay(entry.date(), closed);
        boolean late = !date.equals(entry.date());
        String memo = late ? entry.memo() + " (dated " + entry.date() + "; period " + YearMonth.from(entry.date())
                + " is closed)" : entry.memo();
        return new Dated(date, memo, late);
    }

    private String auditDetails(JournalEntry entry) {
        return json(Map.of("entryKey", entry.key(), "rule", entry.postingRule(), "amount", entry.total(),
                "currency", entry.currency()));
    }

    private Optional<Long> postNow(JournalEntry entry, Long sourceEventId) {
        Long[] sources = sourceEventId == null ? new Long[0] : new Long[] {sourceEventId};
        Dated dated = dated(entry);
        LocalDate date = dated.date();
        boolean late = dated.late();
        String memo = dated.memo();
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
        // them) and, where ERPs are configured, the transactional outbox to each ERP; then its audit record
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
                outbox as (
                    insert into erp_posting (erp, entry_id, external_key)
                    select erp, entry.id, 'lb-je-' || entry.id from entry, unnest(?::text[]) erp)
                select id from entry""", Long.class,
                entry.key(), Date.valueOf(date), entry.currency(), memo, entry.postingRule(),
                entry.customerId(), entry.corrects(), sources, late ? Date.valueOf(entry.date()) : null,
                lineNos, accounts, debits, credits, customers, products, erpTargets);
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        audit.recordAll("ledger", "posted", "journal_entry", List.of(ids.get(0).toString()),
                java.util.Collections.singletonList(sourceEventId), java.util.Collections.singletonList(auditDetails(entry)));
        return Optional.of(ids.get(0));
    }

    // ---- entries of a batch, written together ------------------------------------------------

    /**
     * The posting rules whose entries a batch may write together at its end: each is the first and only
     * entry of its fact (an invoice finalized, a payment, its fee), so finding its key already posted is
     * rare; when it happens the batch fails with {@link EntryPostedBefore} and is posted again entry by
     * entry. Entries of other rules (reversals, refunds, credit notes, which Stripe may announce more
     * than once) are written at once, after what waits.
     */
    private static final java.util.Set<String> OPTIMISTIC = java.util.Set.of("invoice_finalized", "payment_succeeded",
            "processor_fee");

    /** A batch's entries met one posted before under the same key: the batch is to be posted again entry by entry. */
    public static class EntryPostedBefore extends RuntimeException {
        EntryPostedBefore(String message) {
            super(message);
        }
    }

    private final TransactionScoped.Optional<Buffer> buffers = new TransactionScoped.Optional<>("ledger.entry-buffer");

    /**
     * From now until the current transaction ends, entries of the rules above are written together: each
     * gets its id at once (from a block of the sequence) and is written, with its lines, audit record and
     * ERP outbox, by one statement for all when the batch calls {@link #flush}, before any other entry or
     * read of an entry, and at the latest before the commit. The references to them (receivables,
     * reductions) are checked at commit (V14).
     */
    public void writeTogether() {
        Buffer buffer = new Buffer();
        buffers.bind(jdbc.getDataSource(), buffer);
        org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                new org.springframework.transaction.support.TransactionSynchronization() {
                    @Override
                    public void beforeCommit(boolean readOnly) {
                        buffer.flush();
                    }
                });
    }

    /** Writes the entries held for the current transaction's batch (nothing when there are none). */
    public void flush() {
        Buffer buffer = buffers.current(jdbc.getDataSource());
        if (buffer != null) {
            buffer.flush();
        }
    }

    private record Held(long id, JournalEntry entry, Dated dated, Long source) {
    }

    private final class Buffer {
        private final List<Held> held = new java.util.ArrayList<>();
        private final Map<String, Long> keys = new java.util.HashMap<>();
        private final java.util.ArrayDeque<Long> ids = new java.util.ArrayDeque<>();

        Optional<Long> add(JournalEntry entry, Long source) {
            if (keys.containsKey(entry.key())) {
                return Optional.empty();
            }
            if (ids.isEmpty()) {
                ids.addAll(jdbc.queryForList("select nextval('journal_entry_id_seq') from generate_series(1, 100)", Long.class));
            }
            long id = ids.poll();
            held.add(new Held(id, entry, dated(entry), source));
            keys.put(entry.key(), id);
            return Optional.of(id);
        }

        void flush() {
            if (held.isEmpty()) {
                return;
            }
            int n = held.size();
            Long[] ids = new Long[n];
            String[] entryKeys = new String[n];
            String[] dates = new String[n];
            String[] currencies = new String[n];
            String[] memos = new String[n];
            String[] rules = new String[n];
            String[] customers = new String[n];
            Long[] correctsIds = new Long[n];
            String[] correctsKeys = new String[n];
            Long[] sources = new Long[n];
            String[] originals = new String[n];
            String[] details = new String[n];
            List<Object[]> lines = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                Held h = held.get(i);
                JournalEntry e = h.entry();
                ids[i] = h.id();
                entryKeys[i] = e.key();
                dates[i] = h.dated().date().toString();
                currencies[i] = e.currency();
                memos[i] = h.dated().memo();
                rules[i] = e.postingRule();
                customers[i] = e.customerId();
                correctsIds[i] = e.corrects() == null ? null : keys.get(e.corrects());
                correctsKeys[i] = e.corrects();
                sources[i] = h.source();
                originals[i] = h.dated().late() ? e.date().toString() : null;
                details[i] = auditDetails(e);
                for (int k = 0; k < e.lines().size(); k++) {
                    lines.add(new Object[] {h.id(), k + 1, e.lines().get(k)});
                }
            }
            int m = lines.size();
            Long[] lineEntries = new Long[m];
            Integer[] lineNos = new Integer[m];
            String[] accounts = new String[m];
            Long[] debits = new Long[m];
            Long[] credits = new Long[m];
            String[] lineCustomers = new String[m];
            String[] products = new String[m];
            for (int i = 0; i < m; i++) {
                JournalLine l = (JournalLine) lines.get(i)[2];
                lineEntries[i] = (Long) lines.get(i)[0];
                lineNos[i] = (Integer) lines.get(i)[1];
                accounts[i] = l.account();
                debits[i] = l.debit();
                credits[i] = l.credit();
                lineCustomers[i] = l.customerId();
                products[i] = l.product();
            }
            // what postNow writes for one entry, for all of them in one statement
            Integer written = jdbc.queryForObject("""
                    with entry as (
                        insert into journal_entry (id, entry_key, entry_date, currency, memo, posting_rule, customer_id,
                                                   corrects_entry_id, source_event_ids, original_date)
                        select c.id, c.key, c.date::date, c.currency, c.memo, c.rule, c.customer,
                               coalesce(c.corrects_id, (select j.id from journal_entry j where j.entry_key = c.corrects_key)),
                               case when c.source is null then '{}'::bigint[] else array[c.source] end, c.original::date
                        from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[],
                                    ?::text[], ?::bigint[], ?::text[])
                             as c(id, key, date, currency, memo, rule, customer, corrects_id, corrects_key, source, original)
                        order by c.id
                        on conflict (entry_key) do nothing returning id),
                    lines as (
                        insert into journal_line (entry_id, line_no, account_code, debit, credit, customer_id, product)
                        select l.* from unnest(?::bigint[], ?::int[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])
                                        as l(entry_id, line_no, account, debit, credit, customer, product)
                        where l.entry_id in (select id from entry)),
                    outbox as (
                        insert into erp_posting (erp, entry_id, external_key)
                        select erp, entry.id, 'lb-je-' || entry.id from entry, unnest(?::text[]) erp)
                    select count(*)::int from entry""", Integer.class,
                    ids, entryKeys, dates, currencies, memos, rules, customers, correctsIds, correctsKeys, sources, originals,
                    lineEntries, lineNos, accounts, debits, credits, lineCustomers, products,
                    erpTargets);
            held.clear();
            if (written == null || written != n) {
                throw new EntryPostedBefore((n - (written == null ? 0 : written))
                        + " entries of this batch were posted before under the same keys");
            }
            audit.recordAll("ledger", "posted", "journal_entry",
                    java.util.Arrays.stream(ids).map(String::valueOf).toList(), java.util.Arrays.asList(sources),
                    java.util.Arrays.asList(details));
        }
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
        flush();
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
