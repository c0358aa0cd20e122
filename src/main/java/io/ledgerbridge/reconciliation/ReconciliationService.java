package io.ledgerbridge.reconciliation;

import io.ledgerbridge.sources.stripe.StripeSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.sources.stripe.StripeApi;
import io.ledgerbridge.erp.ErpConnector;
import io.ledgerbridge.erp.ErpConnectors;
import io.ledgerbridge.erp.ErpDocument;
import java.sql.Date;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The daily three-way reconciliation: what Stripe says happened on a day (read through its API),
 * what the internal ledger booked, and what each ERP holds (read back through its API), snapshotted
 * side by side and compared set-based in PostgreSQL. Every difference is a break with an explanation
 * and a recommended action: missing in the ledger, in an ERP or at the source, amount or date
 * mismatch, a late posting out of a closed period, a duplicate; payouts are also checked against
 * their balance transactions and the bank deposit. One run at a time, cluster-wide.
 */
@Service
public class ReconciliationService {

    private static final Logger log = LoggerFactory.getLogger(ReconciliationService.class);
    private static final long RUN_LOCK = 0x4c42_5245_434fL; // "LBRECO"
    private static final Pattern OUR_KEY = Pattern.compile("lb-je-(\\d+)");

    /** Refused: another run is going on. */
    public static class Busy extends RuntimeException {
        public Busy(String message) {
            super(message);
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StripeSource stripe;
    private final ErpConnectors erps;
    private final ObjectMapper mapper;
    private final ZoneId zone;
    private final io.ledgerbridge.platform.jobs.JobProgress jobs;

    static final List<String> CATEGORIES = List.of("missing_in_ledger", "missing_in_erp", "missing_in_source", "amount_mismatch",
            "date_mismatch", "duplicate", "late_posting", "payout_composition", "payout_not_in_bank");

    public ReconciliationService(JdbcTemplate jdbc, TransactionTemplate tx, StripeApi stripeApi, ErpConnectors erps, ObjectMapper mapper,
                                 @Value("${ledgerbridge.timezone:UTC}") String timezone, io.micrometer.core.instrument.MeterRegistry registry,
                                 io.ledgerbridge.platform.jobs.JobProgress jobs) {
        this.jdbc = jdbc;
        this.jobs = jobs;
        this.tx = tx;
        this.erps = erps;
        this.mapper = mapper;
        this.zone = ZoneId.of(timezone);
        this.stripe = new StripeSource(stripeApi, zone);
        for (String category : CATEGORIES) {
            io.micrometer.core.instrument.Gauge.builder("ledgerbridge.reconciliation.breaks", jdbc, j -> latest(j, category))
                    .tag("category", category).description("breaks of the latest reconciliation run").register(registry);
        }
    }

    private static double latest(JdbcTemplate jdbc, String category) {
        Long n = jdbc.queryForObject("""
                select count(*) from recon_break where category = ?
                  and run_id = (select max(id) from recon_run where status = 'done')""", Long.class, category);
        return n == null ? 0 : n;
    }

    public ZoneId zone() {
        return zone;
    }

    /**
     * Runs the reconciliation of a day; returns the run id. Its progress is a job run (kind reconciliation): one step
     * for the source, one per ERP, one for the comparison; a failed run ends it failed with the message.
     */
    public long run(LocalDate day, String requestedBy) {
        long job = jobs.start("reconciliation", day.toString(), (long) erps.byName().size() + 2, requestedBy);
        try {
            long id = run(day, requestedBy, job);
            jobs.advance(job, erps.byName().size() + 2L, null, Map.of("run", id));
            jobs.finish(job, "succeeded", "run " + id);
            return id;
        } catch (RuntimeException e) {
            jobs.finish(job, "failed", String.valueOf(e.getMessage()));
            throw e;
        }
    }

    private long run(LocalDate day, String requestedBy, long job) {
        long started = System.nanoTime();
        // the source and ERP sides are read outside the database transaction (API calls), the rest inside it
        List<StripeSource.Txn> source = stripe.configured() ? stripe.day(day) : null;
        Map<String, List<ErpDocument>> erpDocs = new LinkedHashMap<>();
        jobs.advance(job, 1, null, Map.of("sourceTransactions", source == null ? 0 : source.size()));
        for (ErpConnector c : erps.byName().values()) {
            List<ErpDocument> docs = new ArrayList<>();
            try {
                docs.addAll(c.list(day));
            } catch (RuntimeException e) {
                log.warn("{}: the day's journals could not be listed ({}); each journal is read back by its key instead", c.name(),
                        e.getMessage());
            }
            java.util.Set<String> listed = new java.util.HashSet<>();
            docs.forEach(d -> listed.add(d.externalKey()));
            // every journal the ledger sent for the day and the list did not show (booked on another day because the
            // ERP period was closed, or an ERP whose list the product cannot read) is read back by its key
            for (String key : jdbc.queryForList("""
                    select p.external_key from erp_posting p join journal_entry e on e.id = p.entry_id
                    where p.erp = ? and (e.entry_date = ? or e.original_date = ?)""",
                    String.class, c.name(), Date.valueOf(day), Date.valueOf(day))) {
                if (!listed.contains(key)) {
                    docs.addAll(c.findAll(key));
                }
            }
            erpDocs.put(c.name(), docs);
            jobs.advance(job, 1L + erpDocs.size(), null, Map.of("sourceTransactions", source == null ? 0 : source.size(),
                    "erpDocuments", erpDocs.values().stream().mapToInt(List::size).sum()));
        }
        return compare(day, requestedBy, source, erpDocs, started);
    }

    /**
     * The comparison of what was read: the ledger side is snapshotted here, in the same transaction
     * as the matching. {@code source} is null when Stripe is not configured.
     */
    public long compare(LocalDate day, String requestedBy, List<StripeSource.Txn> source, Map<String, List<ErpDocument>> erpDocs,
                        long started) {
        Long id = tx.execute(status -> {
            if (!Boolean.TRUE.equals(jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, RUN_LOCK))) {
                throw new Busy("a reconciliation run is going on; try again when it is done");
            }
            long run = jdbc.queryForObject("insert into recon_run (run_date, requested_by) values (?, ?) returning id", Long.class,
                    Date.valueOf(day), requestedBy);
            // the three sides, side by side, for this transaction only: no index to maintain, nothing left behind
            jdbc.execute("""
                    create temp table recon_item (run_id bigint, side text, txn_key text, kind text, amount bigint, currency text,
                                                  txn_date date, original_date date, ref text) on commit drop""");
            snapshotLedger(run, day);
            if (source != null) {
                snapshotSource(run, source);
            }
            erpDocs.forEach((erp, docs) -> snapshotErp(run, erp, docs));
            jdbc.execute("analyze recon_item");
            // a journal of ours the ERP booked on this day for an entry of another day (its ERP period was closed)
            // belongs to that day's reconciliation, where it is read back by its key
            jdbc.update("""
                    delete from recon_item e where e.side like 'erp:%' and e.txn_key not like 'erp:%'
                      and not exists (select 1 from recon_item l where l.side = 'ledger' and l.txn_key = e.txn_key)""");
            match(run, day, source != null, erpDocs.keySet());
            if (source != null && stripe.configured()) {
                payouts(run, day, source);
            }
            summarize(run, day, source != null, erpDocs.keySet(), (System.nanoTime() - started) / 1_000_000);
            return run;
        });
        log.info("Reconciliation of {} (run {}) by {} done in {} ms", day, id, requestedBy, (System.nanoTime() - started) / 1_000_000);
        return id;
    }

    /** A source transaction as the comparison takes it (for callers that read the source themselves). */
    public static StripeSource.Txn sourceTxn(String key, String kind, long amount, String currency, LocalDate date, String ref) {
        return new StripeSource.Txn(key, kind, amount, currency, date, ref);
    }

    void snapshotLedger(long run, LocalDate day) {
        jdbc.update("""
                insert into recon_item (run_id, side, txn_key, kind, amount, currency, txn_date, original_date, ref)
                select ?, 'ledger', e.entry_key, e.posting_rule, sum(l.debit), e.currency, e.entry_date, e.original_date, e.id::text
                from journal_entry e join journal_line l on l.entry_id = e.id
                where e.entry_date = ? or e.original_date = ?
                group by e.id""", run, Date.valueOf(day), Date.valueOf(day));
    }

    void snapshotSource(long run, List<StripeSource.Txn> source) {
        int n = source.size();
        String[] keys = new String[n];
        String[] kinds = new String[n];
        Long[] amounts = new Long[n];
        String[] currencies = new String[n];
        Date[] dates = new Date[n];
        String[] refs = new String[n];
        for (int i = 0; i < n; i++) {
            StripeSource.Txn t = source.get(i);
            keys[i] = t.key();
            kinds[i] = t.kind();
            amounts[i] = t.amount();
            currencies[i] = t.currency();
            dates[i] = Date.valueOf(t.date());
            refs[i] = t.ref();
        }
        jdbc.update("""
                insert into recon_item (run_id, side, txn_key, kind, amount, currency, txn_date, ref)
                select ?, 'source', k, kd, a, c, d, r from unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::date[], ?::text[])
                    as u(k, kd, a, c, d, r)""", run, keys, kinds, amounts, currencies, dates, refs);
    }

    void snapshotErp(long run, String erp, List<ErpDocument> docs) {
        Map<Long, String> entryKeys = new HashMap<>();
        List<Long> ids = new ArrayList<>();
        for (ErpDocument d : docs) {
            Long id = entryId(d.externalKey());
            if (id != null) {
                ids.add(id);
            }
        }
        jdbc.query("select id, entry_key from journal_entry where id = any(?)", rs -> {
            entryKeys.put(rs.getLong(1), rs.getString(2));
        }, (Object) ids.toArray(Long[]::new));
        int n = docs.size();
        String[] keys = new String[n];
        Long[] amounts = new Long[n];
        String[] currencies = new String[n];
        Date[] dates = new Date[n];
        String[] refs = new String[n];
        for (int i = 0; i < n; i++) {
            ErpDocument d = docs.get(i);
            Long id = entryId(d.externalKey());
            String key = id == null ? null : entryKeys.get(id);
            keys[i] = key != null ? key : "erp:" + erp + ":" + d.erpId();
            amounts[i] = d.total();
            currencies[i] = d.currency() == null || d.currency().length() != 3 ? "XXX" : d.currency();
            dates[i] = Date.valueOf(d.date());
            refs[i] = d.erpId();
        }
        jdbc.update("""
                insert into recon_item (run_id, side, txn_key, kind, amount, currency, txn_date, ref)
                select ?, ?, k, 'journal', a, c, d, r from unnest(?::text[], ?::bigint[], ?::text[], ?::date[], ?::text[]) as u(k, a, c, d, r)""",
                run, "erp:" + erp, keys, amounts, currencies, dates, refs);
    }

    private static Long entryId(String externalKey) {
        if (externalKey == null) {
            return null;
        }
        Matcher m = OUR_KEY.matcher(externalKey);
        return m.matches() ? Long.parseLong(m.group(1)) : null;
    }

    /** The comparison, all in SQL: source against ledger, then the ledger against each ERP. */
    void match(long run, LocalDate day, boolean withSource, Iterable<String> erpNames) {
        if (withSource) {
            jdbc.update("""
                    insert into recon_break (run_id, txn_key, kind, category, currency, source_amount, ledger_amount, source_date, ledger_date,
                                             explanation, action, first_seen, revenue_at_risk)
                    with s as (select txn_key, min(kind) kind, count(*) n, min(amount) amount, min(currency) currency, min(txn_date) d, min(ref) ref
                               from recon_item where run_id = :run and side = 'source' group by txn_key),
                         l as (select txn_key, min(kind) kind, min(amount) amount, min(currency) currency, min(txn_date) d, min(original_date) od
                               from recon_item where run_id = :run and side = 'ledger'
                                 and txn_key ~ '^stripe:(invoice:.*:finalized|payment:|refund:|credit_note:|payout:)' group by txn_key),
                         j as (select coalesce(s.txn_key, l.txn_key) txn_key, coalesce(s.kind, l.kind) kind, coalesce(s.currency, l.currency) currency,
                                      s.amount sa, l.amount la, s.d sd, l.d ld, l.od, s.n sn, s.ref,
                                      case when l.txn_key is null then 'missing_in_ledger'
                                           when s.txn_key is null then 'missing_in_source'
                                           when s.n > 1 then 'duplicate'
                                           when s.amount <> l.amount then 'amount_mismatch'
                                           when l.od is not null and l.od = s.d and l.d <> s.d then 'late_posting'
                                           when s.d <> l.d then 'date_mismatch' end category
                               from s full join l on s.txn_key = l.txn_key)
                    select :run, txn_key, kind, category, currency, sa, la, sd, ld,
                           case category
                             when 'missing_in_ledger' then 'Stripe has ' || kind || ' ' || ref || ' (' || sa || ' ' || currency || ' minor units, '
                                  || sd || ') and the ledger has no entry for it: its webhook never arrived or never posted'
                             when 'missing_in_source' then 'The ledger has ' || txn_key || ' on ' || ld || ' but Stripe lists no such object for the day'
                             when 'duplicate' then 'Stripe lists ' || kind || ' ' || ref || ' ' || sn || ' times'
                             when 'amount_mismatch' then 'Stripe says ' || sa || ', the ledger booked ' || la || ' ' || currency || ' minor units'
                             when 'late_posting' then 'Booked on ' || ld || ' instead of ' || sd || ': its period was closed when it arrived'
                             else 'Stripe dates it ' || sd || ', the ledger ' || ld end,
                           case category
                             when 'missing_in_ledger' then 'Look the event up (GET /api/events?source=stripe); replay its dead letter, or resend the event from the Stripe dashboard'
                             when 'missing_in_source' then 'Check the object in Stripe (deleted, test mode?); if it does not exist, reverse the ledger entry'
                             when 'duplicate' then 'Check Stripe for duplicated objects; the ledger booked the key once'
                             when 'amount_mismatch' then 'Compare the event the ledger posted with the object in Stripe; post a correcting entry'
                             when 'late_posting' then 'None: the closed-period policy booked it in the first open period; it is listed for the auditor'
                             else 'Check the company time zone (LEDGER_TIMEZONE) and the event''s date' end,
                           coalesce((select min(b.first_seen) from recon_break b where b.txn_key = j.txn_key and b.category = j.category), :day),
                           case when kind = 'invoice' and category in ('missing_in_ledger', 'amount_mismatch') then abs(coalesce(sa, 0) - coalesce(la, 0))
                                else 0 end
                    from j where category is not null""".replace(":run", Long.toString(run)).replace(":day", "date '" + day + "'"));
        }
        for (String erp : erpNames) {
            jdbc.update("""
                    insert into recon_break (run_id, txn_key, kind, category, erp, currency, ledger_amount, erp_amount, ledger_date, erp_date,
                                             explanation, action, first_seen, revenue_at_risk)
                    with l as (select i.txn_key, min(i.kind) kind, min(i.amount) amount, min(i.currency) currency, min(i.txn_date) d,
                                      min(p.status) pstatus, min(p.last_error) perr, min(p.attempts) attempts
                               from recon_item i join erp_posting p on p.entry_id = i.ref::bigint and p.erp = :erp
                               where i.run_id = :run and i.side = 'ledger' group by i.txn_key),
                         e as (select txn_key, count(*) n, min(amount) amount, max(amount) maxamount, min(txn_date) d, string_agg(ref, ', ') refs
                               from recon_item where run_id = :run and side = 'erp:' || :erp group by txn_key),
                         j as (select coalesce(l.txn_key, e.txn_key) txn_key, coalesce(l.kind, 'journal') kind, l.currency, l.amount la, e.amount ea,
                                      l.d ld, e.d ed, e.n, e.refs, l.pstatus, l.perr, l.attempts,
                                      case when e.txn_key is null then 'missing_in_erp'
                                           when l.txn_key is null then 'missing_in_ledger'
                                           when e.n > 1 then 'duplicate'
                                           when e.amount <> l.amount or e.maxamount <> l.amount then 'amount_mismatch'
                                           when e.d <> l.d and l.perr like '%closed%' then 'late_posting'
                                           when e.d <> l.d then 'date_mismatch' end category
                               from l full join e on l.txn_key = e.txn_key)
                    select :run, txn_key, kind, category, :erp, currency, la, ea, ld, ed,
                           case category
                             when 'missing_in_erp' then 'The ledger entry ' || txn_key || ' (' || la || ' ' || currency || ' minor units) is not in '
                                  || :erp || case when pstatus in ('pending', 'sending') then ': still queued after ' || attempts || ' attempts'
                                  || coalesce(' (' || perr || ')', '') when pstatus = 'failed' then ': ' || :erp || ' refused it: ' || coalesce(perr, '')
                                  else ': it was posted and is gone from ' || :erp end
                             when 'missing_in_ledger' then :erp || ' has journal ' || refs || ' that the ledger did not post (entered by hand in the ERP?)'
                             when 'duplicate' then :erp || ' holds ' || n || ' journals for ' || txn_key || ': ' || refs
                             when 'amount_mismatch' then :erp || ' shows ' || ea || ', the ledger ' || la || ' ' || currency || ' minor units: the journal was changed in the ERP'
                             when 'late_posting' then :erp || ' booked it on ' || ed || ' instead of ' || ld || ': the ERP period was closed'
                             else :erp || ' dates it ' || ed || ', the ledger ' || ld end,
                           case category
                             when 'missing_in_erp' then case when pstatus = 'failed' then 'Fix the cause in ' || :erp || ' or mappings/erp, then replay the dead letter'
                                  when pstatus in ('pending', 'sending') then 'None if it clears on its own; otherwise check ' || :erp || ' availability'
                                  else 'Find out who deleted it in ' || :erp || '; re-queue the posting' end
                             when 'missing_in_ledger' then 'Reverse it in ' || :erp || ', or book it in the ledger if it is real'
                             when 'duplicate' then 'Void the extra journal(s) in ' || :erp || ' and keep the one the ledger knows'
                             when 'amount_mismatch' then 'Restore the journal in ' || :erp || ' to the ledger amount, or post a correction in the ledger'
                             when 'late_posting' then 'None: listed for the auditor'
                             else 'Correct the date in ' || :erp end,
                           coalesce((select min(b.first_seen) from recon_break b where b.txn_key = j.txn_key and b.category = j.category
                                     and b.erp = :erp), :day),
                           case when kind = 'invoice_finalized' and category in ('missing_in_erp', 'amount_mismatch') then abs(coalesce(la, 0) - coalesce(ea, 0))
                                else 0 end
                    from j where category is not null"""
                    .replace(":run", Long.toString(run)).replace(":day", "date '" + day + "'").replace(":erp", "'" + erp.replace("'", "") + "'"));
        }
    }

    /** Each payout of the day: its balance transactions add up to it, and the bank received it. */
    void payouts(long run, LocalDate day, List<StripeSource.Txn> source) {
        boolean bankFeed = Boolean.TRUE.equals(jdbc.queryForObject("select exists (select 1 from bank_deposit)", Boolean.class));
        for (StripeSource.Txn t : source) {
            if (!t.kind().equals("payout")) {
                continue;
            }
            StripeSource.PayoutComposition c = stripe.composition(t.ref(), t.amount());
            if (c.composed() != t.amount()) {
                breakRow(run, day, t, "payout_composition", "Payout " + t.ref() + " of " + t.amount() + " " + t.currency()
                                + " minor units does not equal its " + c.transactions() + " balance transactions (charges - refunds - fees = "
                                + c.composed() + ")",
                        "Open the payout's reconciliation report in Stripe; look for adjustments or transfers not booked in the ledger");
            }
            if (bankFeed) {
                Boolean deposited = jdbc.queryForObject("""
                        select exists (select 1 from bank_deposit where amount = ? and currency = ? and deposit_date between ? and ?)""",
                        Boolean.class, t.amount(), t.currency(), Date.valueOf(t.date().minusDays(1)), Date.valueOf(t.date().plusDays(3)));
                if (!Boolean.TRUE.equals(deposited)) {
                    breakRow(run, day, t, "payout_not_in_bank", "No bank deposit of " + t.amount() + " " + t.currency()
                                    + " minor units between " + t.date().minusDays(1) + " and " + t.date().plusDays(3) + " for payout " + t.ref(),
                            "Check the bank statement import (POST /api/reconciliation/bank-deposits) and the payout status in Stripe");
                }
            }
        }
    }

    private void breakRow(long run, LocalDate day, StripeSource.Txn t, String category, String explanation, String action) {
        jdbc.update("""
                insert into recon_break (run_id, txn_key, kind, category, currency, source_amount, source_date, explanation, action, first_seen)
                values (?, ?, 'payout', ?, ?, ?, ?, ?, ?, coalesce((select min(first_seen) from recon_break where txn_key = ? and category = ?), ?))""",
                run, t.key(), category, t.currency(), t.amount(), Date.valueOf(t.date()), explanation, action, t.key(), category,
                Date.valueOf(day));
    }

    private void summarize(long run, LocalDate day, boolean withSource, Iterable<String> erpNames, long millis) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("date", day.toString());
        summary.put("sources", withSource ? "stripe" : "none (no STRIPE_API_KEY: the source side was not read)");
        summary.put("erps", erpNames);
        summary.put("items", jdbc.queryForList("select side, count(*) as count from recon_item where run_id = ? group by side order by side", run));
        summary.put("matchedWithSource", withSource ? jdbc.queryForObject("""
                select count(*) from recon_item s where s.run_id = ? and s.side = 'source'
                  and exists (select 1 from recon_item l where l.run_id = s.run_id and l.side = 'ledger' and l.txn_key = s.txn_key)
                  and not exists (select 1 from recon_break b where b.run_id = s.run_id and b.txn_key = s.txn_key and b.erp is null)""",
                Long.class, run) : null);
        summary.put("breaks", jdbc.queryForList("""
                select category, erp, count(*) as count from recon_break where run_id = ? group by category, erp order by category, erp""", run));
        summary.put("revenueAtRisk", jdbc.queryForList("""
                select currency, sum(revenue_at_risk) as amount from recon_break where run_id = ? and revenue_at_risk > 0
                group by currency order by currency""", run));
        summary.put("aging", jdbc.queryForList("""
                select case when age <= 1 then '0-1 days' when age <= 7 then '2-7 days' when age <= 30 then '8-30 days' else 'over 30 days' end as bucket,
                       count(*) as count
                from (select (run_date - first_seen) as age from recon_break b join recon_run r on r.id = b.run_id where b.run_id = ?) a
                group by 1 order by min(age)""", run));
        summary.put("millis", millis);
        try {
            jdbc.update("update recon_run set status = 'done', finished_at = now(), summary = ?::jsonb where id = ?",
                    mapper.writeValueAsString(summary), run);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
