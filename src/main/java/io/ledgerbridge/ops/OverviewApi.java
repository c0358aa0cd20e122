package io.ledgerbridge.ops;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.AccountRoles;
import io.ledgerbridge.platform.web.ApiErrors;

import io.swagger.v3.oas.annotations.Operation;
import java.sql.Date;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The figures behind the console's overview charts, each computed in SQL from the ledger tables, amounts
 * in integer minor units per currency: AR aging, cash in by day, open exceptions and dead letters by age.
 * (The deferred revenue waterfall is {@code GET /api/revenue/waterfall}.)
 */
@RestController
@RequestMapping("/api/overview")
public class OverviewApi {

    /** AR aging buckets, by days past due (past the invoice date when the invoice has no due date). */
    static final List<String> AGING = List.of("0-30", "31-60", "61-90", "90+");
    /** Age buckets of the work waiting for a person. */
    static final List<String> AGES = List.of("under 1 day", "1-7 days", "8-30 days", "over 30 days");

    private final JdbcTemplate jdbc;
    private final ZoneId zone;
    private final String cash;

    public OverviewApi(JdbcTemplate jdbc, @Value("${ledgerbridge.timezone:UTC}") String timezone,
                       AccountRoles roles) {
        this.jdbc = jdbc;
        this.zone = ZoneId.of(timezone);
        this.cash = roles.code(AccountRole.CASH);
    }

    @GetMapping("/ar-aging")
    @Operation(summary = "Open receivables per currency in aging buckets 0-30, 31-60, 61-90, 90+ days past due (or past the "
            + "invoice date when there is no due date), as of a day")
    public Map<String, Object> arAging(@RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate asOf,
                                       @RequestParam(required = false) String currency) {
        LocalDate day = asOf == null ? LocalDate.now(zone) : asOf;
        String cur = currency(currency);
        // the due date is the invoice's canonical dueAt (Stripe's due_date), read from the event that posted it
        List<Map<String, Object>> rows = jdbc.queryForList("""
                with open_invoice as (
                    select a.invoice_id, a.currency, a.total - a.amount_paid - a.amount_credited - a.amount_written_off as open_amount,
                           coalesce((select (i.canonical #>> '{invoice,dueAt}')::timestamptz at time zone ?
                                     from journal_entry e join inbox_event i on i.id = any(e.source_event_ids)
                                     where e.id = a.entry_id and i.canonical #>> '{invoice,dueAt}' is not null limit 1)::date,
                                    a.invoice_date) as due
                    from ar_invoice a
                    where a.status = 'open' and a.invoice_date <= ?::date and (?::text is null or a.currency = ?))
                select currency,
                       case when ?::date - due <= 30 then '0-30' when ?::date - due <= 60 then '31-60' when ?::date - due <= 90 then '61-90' else '90+' end
                           as bucket,
                       sum(open_amount) as amount, count(*) as invoices
                from open_invoice where open_amount > 0 group by 1, 2""",
                zone.getId(), Date.valueOf(day), cur, cur, Date.valueOf(day), Date.valueOf(day), Date.valueOf(day));
        return Map.of("asOf", day.toString(), "buckets", AGING, "currencies", pivot(rows, AGING, "amount", "invoices"));
    }

    @GetMapping("/cash-in")
    @Operation(summary = "Cash in per day and currency: payments received (gross) and payouts to the bank (net of reversals)")
    public Map<String, Object> cashIn(@RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate from,
                                      @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate to,
                                      @RequestParam(required = false) String currency) {
        LocalDate last = to == null ? LocalDate.now(zone) : to;
        LocalDate first = from == null ? last.minusDays(29) : from;
        if (last.isBefore(first)) {
            throw ApiErrors.ApiException.badRequest("to", "to is not before from");
        }
        if (first.plusDays(366).isBefore(last)) {
            throw ApiErrors.ApiException.badRequest("to", "at most 366 days at once");
        }
        String cur = currency(currency);
        List<Map<String, Object>> days = jdbc.queryForList("""
                with moves as (
                    select e.entry_date as day, e.currency, p.amount as payments, 0 as payouts
                    from ar_payment p join journal_entry e on e.id = p.entry_id
                    union all
                    select e.entry_date, e.currency, 0, l.debit - l.credit
                    from journal_line l join journal_entry e on e.id = l.entry_id where l.account_code = ?)
                select day::text as day, currency, sum(payments) as payments, sum(payouts) as payouts
                from moves where day between ?::date and ?::date and (?::text is null or currency = ?)
                group by day, currency order by day, currency""",
                cash, Date.valueOf(first), Date.valueOf(last), cur, cur);
        return Map.of("from", first.toString(), "to", last.toString(), "days", days);
    }

    @GetMapping("/backlog-age")
    @Operation(summary = "Open exceptions and open dead letters by how long they have waited")
    public Map<String, Object> backlogAge() {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                with waiting as (
                    select 'exceptions' as what, now() - created_at as age from exception_item where status = 'open'
                    union all
                    select 'deadLetters', now() - failed_at from dead_letter where status = 'open')
                select what, case when age < interval '1 day' then 'under 1 day' when age < interval '8 days' then '1-7 days'
                                  when age < interval '31 days' then '8-30 days' else 'over 30 days' end as bucket,
                       count(*) as n
                from waiting group by 1, 2""");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("buckets", AGES);
        for (String what : List.of("exceptions", "deadLetters")) {
            out.put(what, AGES.stream().map(b -> rows.stream()
                    .filter(r -> what.equals(r.get("what")) && b.equals(r.get("bucket")))
                    .mapToLong(r -> ((Number) r.get("n")).longValue()).sum()).toList());
        }
        return out;
    }

    /** Rows (currency, bucket, value, count) as one entry per currency with a value and a count per bucket, in bucket order. */
    private static List<Map<String, Object>> pivot(List<Map<String, Object>> rows, List<String> buckets, String value, String count) {
        Map<String, long[][]> byCurrency = new java.util.TreeMap<>();
        for (Map<String, Object> r : rows) {
            long[][] v = byCurrency.computeIfAbsent((String) r.get("currency"), k -> new long[2][buckets.size()]);
            int b = buckets.indexOf((String) r.get("bucket"));
            v[0][b] += ((Number) r.get(value)).longValue();
            v[1][b] += ((Number) r.get(count)).longValue();
        }
        return byCurrency.entrySet().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("currency", e.getKey());
            m.put(value, java.util.Arrays.stream(e.getValue()[0]).boxed().toList());
            m.put(count, java.util.Arrays.stream(e.getValue()[1]).boxed().toList());
            m.put("total", java.util.Arrays.stream(e.getValue()[0]).sum());
            return m;
        }).toList();
    }

    /** An optional ISO 4217 code, upper-cased; 400 naming {@code currency} otherwise. */
    static String currency(String currency) {
        if (currency == null || currency.isBlank()) {
            return null;
        }
        String c = currency.trim().toUpperCase(java.util.Locale.ROOT);
        if (!c.matches("[A-Z]{3}")) {
            throw ApiErrors.ApiException.badRequest("currency", "currency is a three-letter ISO 4217 code, got '" + currency + "'");
        }
        return c;
    }
}
