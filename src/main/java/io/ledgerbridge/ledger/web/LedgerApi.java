package io.ledgerbridge.ledger.web;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import io.ledgerbridge.canonical.Currencies;
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

    public LedgerApi(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * "12000.00" for 1200000 USD, "1200" for 1200 JPY: the ISO 4217 exponent, integer arithmetic only.
     * A code that is not an ISO 4217 currency has no known exponent and none is guessed: the amount is
     * shown in minor units, saying so.
     */
    public static String decimal(long minor, String currency) {
        if (!Currencies.known(currency)) {
            return minor + " (minor units; " + currency + " is not an ISO 4217 currency)";
        }
        int exponent = Currencies.exponent(currency);
        if (exponent == 0) {
            return Long.toString(minor);
        }
        String digits = Long.toString(Math.abs(minor));
        while (digits.length() <= exponent) {
            digits = "0" + digits;
        }
        return (minor < 0 ? "-" : "") + digits.substring(0, digits.length() - exponent) + "." + digits.substring(digits.length() - exponent);
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
                            "formatted", decimal(balance, (String) b.get("currency"))));
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
        return withLines(entries);
    }

    /** Entries (rows of journal_entry) with their lines, as the API shows them. */
    public List<Map<String, Object>> withLines(List<Map<String, Object>> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<Long> ids = entries.stream().map(e -> ((Number) e.get("id")).longValue()).toList();
        List<Map<String, Object>> lines = jdbc.queryForList("""
                select l.entry_id, l.line_no, l.account_code, a.name, l.debit, l.credit, l.customer_id, l.product
                from journal_line l join account a on a.code = l.account_code
                where l.entry_id in (:ids) order by l.entry_id, l.line_no""", Map.of("ids", ids));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> e : entries) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", e.get("id"));
            row.put("key", e.get("entry_key"));
            row.put("date", e.get("entry_date"));
            row.put("currency", e.get("currency"));
            row.put("memo", e.get("memo"));
            row.put("postingRule", e.get("posting_rule"));
            row.put("customer", e.get("customer_id"));
            row.put("corrects", e.get("corrects_entry_id"));
            row.put("sourceEvents", toList(e.get("source_event_ids")));
            List<Map<String, Object>> ls = new ArrayList<>();
            for (Map<String, Object> l : lines) {
                if (l.get("entry_id").equals(e.get("id"))) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("account", l.get("account_code"));
                    line.put("accountName", l.get("name"));
                    line.put("debit", l.get("debit"));
                    line.put("credit", l.get("credit"));
                    line.put("customer", l.get("customer_id"));
                    line.put("product", l.get("product"));
                    ls.add(line);
                }
            }
            row.put("lines", ls);
            out.add(row);
        }
        return out;
    }

    private static List<Object> toList(Object sqlArray) {
        try {
            return sqlArray instanceof java.sql.Array a ? List.of((Object[]) a.getArray()) : List.of();
        } catch (java.sql.SQLException e) {
            return List.of();
        }
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
            a.put("balanceFormatted", decimal(balance, cur));
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
                    "debitFormatted", decimal(t.getValue()[0], t.getKey()), "creditFormatted", decimal(t.getValue()[1], t.getKey()),
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
