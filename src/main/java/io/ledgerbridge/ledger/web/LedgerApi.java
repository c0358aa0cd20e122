package io.ledgerbridge.ledger.web;

import io.ledgerbridge.canonical.Amounts;
import io.ledgerbridge.ledger.JournalEntries;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import io.swagger.v3.oas.annotations.Operation;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The internal ledger, read: chart of accounts with balances, journal entries, trial balance. */
@RestController
@RequestMapping("/api/ledger")
public class LedgerApi {

    private final NamedParameterJdbcTemplate jdbc;
    private final JournalEntries journalEntries;

    public LedgerApi(NamedParameterJdbcTemplate jdbc, JournalEntries journalEntries) {
        this.journalEntries = journalEntries;
        this.jdbc = jdbc;
    }

    @GetMapping("/accounts")
    @Operation(summary = "Chart of accounts with the balance of each account per currency")
    public List<Map<String, Object>> accounts() {
        List<Map<String, Object>> accounts = jdbc.queryForList(
                "select code, name, type, normal_balance from account order by code", Map.of());
        List<Map<String, Object>> balances = jdbc.queryForList("""
                select l.account_code, e.currency, sum(l.debit) d, sum(l.credit) c from journal_line l
                join journal_entry e on e.id = l.entry_id group by l.account_code, e.currency order by 1, 2""", Map.of());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> a : accounts) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("code", a.get("code"));
            row.put("name", a.get("name"));
            row.put("type", a.get("type"));
            row.put("normalBalance", a.get("normal_balance"));
            List<Map<String, Object>> perCurrency = new ArrayList<>();
            for (Map<String, Object> b : balances) {
                if (b.get("account_code").equals(a.get("code"))) {
                    long balance = signed(((Number) b.get("d")).longValue(), ((Number) b.get("c")).longValue(),
                            (String) a.get("normal_balance"));
                    perCurrency.add(Map.of("currency", b.get("currency"), "balance", balance,
                            "formatted", Amounts.format(balance, (String) b.get("currency"))));
                }
            }
            row.put("balances", perCurrency);
            out.add(row);
        }
        return out;
    }

    private static long signed(long debit, long credit, String normal) {
        return "debit".equals(normal) ? debit - credit : credit - debit;
    }

    @GetMapping("/entries")
    @Operation(summary = "Journal entries with their lines and source events, by date range, account and customer")
    public List<Map<String, Object>> entries(
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate to,
            @RequestParam(required = false) String account,
            @RequestParam(required = false) String customer,
            @RequestParam(defaultValue = "100") int limit,
            @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        MapSqlParameterSource p = new MapSqlParameterSource().addValue("limit", limit).addValue("offset", offset);
        StringBuilder where = new StringBuilder(" where true");
        if (from != null) {
            where.append(" and e.entry_date >= :from");
            p.addValue("from", from);
        }
        if (to != null) {
            where.append(" and e.entry_date <= :to");
            p.addValue("to", to);
        }
        if (account != null) {
            where.append(" and exists (select 1 from journal_line x where x.entry_id = e.id and x.account_code = :account)");
            p.addValue("account", account);
        }
        if (customer != null) {
            where.append(" and e.customer_id = :customer");
            p.addValue("customer", customer);
        }
        List<Map<String, Object>> entries = jdbc.queryForList("""
                select e.id, e.entry_key, e.entry_date::text as entry_date, e.currency, e.memo, e.posting_rule, e.customer_id,
                       e.corrects_entry_id, e.source_event_ids, e.created_at from journal_entry e""" + where
                + " order by e.entry_date, e.id limit :limit offset :offset", p);
        return journalEntries.withLines(entries);
    }

    @GetMapping("/trial-balance")
    @Operation(summary = "Balance per account and currency as of a date; debits equal credits")
    public Map<String, Object> trialBalance(
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate asOf,
            @RequestParam(required = false) String currency) {
        MapSqlParameterSource p = new MapSqlParameterSource();
        StringBuilder where = new StringBuilder(" where true");
        if (asOf != null) {
            where.append(" and e.entry_date <= :asOf");
            p.addValue("asOf", asOf);
        }
        if (currency != null) {
            if (!currency.matches("[A-Za-z]{3}")) {
                throw ApiErrors.ApiException.badRequest("currency", "currency is an ISO 4217 code like USD");
            }
            where.append(" and e.currency = :currency");
            p.addValue("currency", currency.toUpperCase());
        }
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select l.account_code, a.name, a.type, a.normal_balance, e.currency, sum(l.debit) d, sum(l.credit) c
                from journal_line l join journal_entry e on e.id = l.entry_id join account a on a.code = l.account_code"""
                + where + " group by l.account_code, a.name, a.type, a.normal_balance, e.currency order by e.currency, l.account_code", p);
        List<Map<String, Object>> accounts = new ArrayList<>();
        Map<String, long[]> totals = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            long d = ((Number) r.get("d")).longValue();
            long c = ((Number) r.get("c")).longValue();
            String cur = (String) r.get("currency");
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("code", r.get("account_code"));
            a.put("name", r.get("name"));
            a.put("type", r.get("type"));
            a.put("currency", cur);
            a.put("debit", d);
            a.put("credit", c);
            long balance = signed(d, c, (String) r.get("normal_balance"));
            a.put("balance", balance);
            a.put("balanceFormatted", Amounts.format(balance, cur));
            accounts.add(a);
            long[] t = totals.computeIfAbsent(cur, k -> new long[2]);
            t[0] += d;
            t[1] += c;
        }
        List<Map<String, Object>> totalList = new ArrayList<>();
        boolean balanced = true;
        for (Map.Entry<String, long[]> t : totals.entrySet()) {
            boolean ok = t.getValue()[0] == t.getValue()[1];
            balanced &= ok;
            totalList.add(Map.of("currency", t.getKey(), "debit", t.getValue()[0], "credit", t.getValue()[1],
                    "debitFormatted", Amounts.format(t.getValue()[0], t.getKey()), "creditFormatted", Amounts.format(t.getValue()[1], t.getKey()),
                    "balanced", ok));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("asOf", asOf == null ? LocalDate.now().toString() : asOf.toString());
        out.put("accounts", accounts);
        out.put("totals", totalList);
        out.put("balanced", balanced);
        return out;
    }
}
