package io.ledgerbridge.revenue.web;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import io.ledgerbridge.ledger.InvoiceLineRows;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.AccountRoles;
import io.ledgerbridge.ledger.domain.RecognitionSchedule;
import io.ledgerbridge.ledger.domain.RevenueLine;
import io.ledgerbridge.revenue.RecognitionService;
import io.swagger.v3.oas.annotations.Operation;
import java.security.Principal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Revenue recognition: run it, and read the schedules of deferred invoice lines. */
@RestController
@RequestMapping("/api/revenue")
public class RevenueApi {

    private final RecognitionService recognition;
    private final JdbcTemplate jdbc;
    private final String deferredRevenue;

    public RevenueApi(RecognitionService recognition, JdbcTemplate jdbc, AccountRoles roles) {
        this.recognition = recognition;
        this.jdbc = jdbc;
        this.deferredRevenue = roles.code(AccountRole.DEFERRED_REVENUE);
    }

    @PostMapping("/recognize")
    @Operation(summary = "Recognise revenue through a date (admin); idempotent, one run at a time cluster-wide")
    public RecognitionService.RunResult recognize(
            @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate through, Principal user) {
        return recognition.recognize(through, user.getName());
    }

    @GetMapping("/schedules")
    @Operation(summary = "Recognition schedules of deferred invoice lines, month by month, with what is posted "
            + "(JSON, or CSV with format=csv or Accept: text/csv: one row per line and month)")
    public org.springframework.http.ResponseEntity<?> schedules(@RequestParam(required = false) String customer,
                                               @RequestParam(defaultValue = "100") int limit,
                                               @RequestParam(defaultValue = "0") int offset,
                                               @RequestParam(required = false) String format,
                                               @org.springframework.web.bind.annotation.RequestHeader(value = "Accept", required = false) String accept) {
        List<Map<String, Object>> out = scheduleRows(customer, limit, offset);
        if (!wantsCsv(format, accept)) {
            return org.springframework.http.ResponseEntity.ok(out);
        }
        StringBuilder csv = new StringBuilder("invoice,line,customer,currency,product,account,method,amount,reduced,month,through,month_amount,cumulative,posted\n");
        for (Map<String, Object> s : out) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> months = (List<Map<String, Object>>) s.get("months");
            for (Map<String, Object> m : months) {
                csv.append(String.join(",", String.valueOf(s.get("invoice")), String.valueOf(s.get("line")),
                        String.valueOf(s.get("customer")), String.valueOf(s.get("currency")), String.valueOf(s.get("product")),
                        String.valueOf(s.get("account")), String.valueOf(s.get("method")), String.valueOf(s.get("amount")),
                        String.valueOf(s.get("reduced")), String.valueOf(m.get("month")), String.valueOf(m.get("through")),
                        String.valueOf(m.get("amount")), String.valueOf(m.get("cumulative")), String.valueOf(m.get("posted"))))
                        .append('\n');
            }
        }
        return csv(csv.toString(), "revenue-schedules.csv");
    }

    private static boolean wantsCsv(String format, String accept) {
        return "csv".equalsIgnoreCase(format) || (accept != null && accept.contains("text/csv"));
    }

    private static org.springframework.http.ResponseEntity<String> csv(String body, String filename) {
        return org.springframework.http.ResponseEntity.ok()
                .contentType(org.springframework.http.MediaType.parseMediaType("text/csv"))
                .header("Content-Disposition", "attachment; filename=\"" + filename + "\"")
                .body(body);
    }

    private List<Map<String, Object>> scheduleRows(String customer, int limit, int offset) {
        Paging.check(limit, offset);
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select l.invoice_id, l.line_id, l.product, l.account_code, l.method, l.amount, l.period_start, l.period_end,
                       l.deferred, l.recognised, l.reduced, l.recognised_through, a.customer_id, a.currency
                from invoice_line l join ar_invoice a on a.invoice_id = l.invoice_id
                where l.deferred and (?::text is null or a.customer_id = ?)
                order by a.invoice_date, l.invoice_id, l.line_id limit ? offset ?""", customer, customer, limit, offset);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            RevenueLine line = InvoiceLineRows.revenueLine(r);
            long reduced = ((Number) r.get("reduced")).longValue();
            LocalDate through = r.get("recognised_through") == null ? null : ((Date) r.get("recognised_through")).toLocalDate();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("invoice", r.get("invoice_id"));
            s.put("line", line.lineId());
            s.put("customer", r.get("customer_id"));
            s.put("currency", r.get("currency"));
            s.put("product", line.product());
            s.put("account", line.account());
            s.put("method", line.method());
            s.put("periodStart", line.periodStart().toString());
            s.put("periodEnd", line.periodEnd().toString());
            s.put("amount", line.amount());
            s.put("reduced", reduced);
            s.put("recognised", r.get("recognised"));
            s.put("deferred", line.amount() - reduced - ((Number) r.get("recognised")).longValue());
            s.put("recognisedThrough", through == null ? null : through.toString());
            List<Map<String, Object>> months = new ArrayList<>();
            for (RecognitionSchedule.Month m : RecognitionSchedule.months(line, reduced)) {
                months.add(Map.of("month", m.month().toString(), "through", m.through().toString(), "amount", m.amount(),
                        "cumulative", m.cumulative(), "posted", through != null && !m.through().isAfter(through)));
            }
            s.put("months", months);
            out.add(s);
        }
        return out;
    }

    @GetMapping("/waterfall")
    @Operation(summary = "Deferred revenue waterfall per month and currency: opening, billed, recognised, reduced, closing "
            + "(JSON, or CSV with format=csv or Accept: text/csv)")
    public org.springframework.http.ResponseEntity<?> waterfall(
            @RequestParam String from, @RequestParam String to,
            @RequestParam(required = false) String format,
            @org.springframework.web.bind.annotation.RequestHeader(value = "Accept", required = false) String accept) {
        java.time.YearMonth first = month("from", from);
        java.time.YearMonth last = month("to", to);
        if (last.isBefore(first)) {
            throw ApiErrors.ApiException.badRequest("to", "to is not before from");
        }
        if (first.plusMonths(240).isBefore(last)) {
            throw ApiErrors.ApiException.badRequest("to", "at most 240 months at once");
        }
        List<Map<String, Object>> moves = jdbc.queryForList("""
                select e.currency, to_char(e.entry_date, 'YYYY-MM') as month, e.posting_rule as rule,
                       sum(l.credit - l.debit) as net
                from journal_line l join journal_entry e on e.id = l.entry_id
                where l.account_code = ? and e.entry_date < ?
                group by 1, 2, 3""", deferredRevenue, Date.valueOf(last.plusMonths(1).atDay(1)));
        Map<String, List<Map<String, Object>>> byCurrency = new java.util.TreeMap<>();
        for (Map<String, Object> m : moves) {
            byCurrency.computeIfAbsent((String) m.get("currency"), k -> new ArrayList<>()).add(m);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, Object>>> c : byCurrency.entrySet()) {
            long opening = 0;
            for (Map<String, Object> m : c.getValue()) {
                if (((String) m.get("month")).compareTo(first.toString()) < 0) {
                    opening += ((Number) m.get("net")).longValue();
                }
            }
            for (java.time.YearMonth ym = first; !ym.isAfter(last); ym = ym.plusMonths(1)) {
                long billed = 0;
                long recognised = 0;
                long reduced = 0;
                for (Map<String, Object> m : c.getValue()) {
                    if (!ym.toString().equals(m.get("month"))) {
                        continue;
                    }
                    long net = ((Number) m.get("net")).longValue();
                    switch ((String) m.get("rule")) {
                        case "invoice_finalized" -> billed += net;
                        case "revenue_recognised" -> recognised -= net;
                        default -> reduced -= net;
                    }
                }
                long closing = opening + billed - recognised - reduced;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("month", ym.toString());
                row.put("currency", c.getKey());
                row.put("opening", opening);
                row.put("billed", billed);
                row.put("recognised", recognised);
                row.put("reduced", reduced);
                row.put("closing", closing);
                rows.add(row);
                opening = closing;
            }
        }
        if (!wantsCsv(format, accept)) {
            return org.springframework.http.ResponseEntity.ok(rows);
        }
        StringBuilder out = new StringBuilder("month,currency,opening,billed,recognised,reduced,closing\n");
        for (Map<String, Object> r : rows) {
            out.append(r.get("month")).append(',').append(r.get("currency")).append(',').append(r.get("opening")).append(',')
                    .append(r.get("billed")).append(',').append(r.get("recognised")).append(',').append(r.get("reduced"))
                    .append(',').append(r.get("closing")).append('\n');
        }
        return csv(out.toString(), "deferred-revenue-" + first + "-" + last + ".csv");
    }

    private static java.time.YearMonth month(String name, String value) {
        try {
            return java.time.YearMonth.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiErrors.ApiException.badRequest(name, name + " is yyyy-MM, got '" + value + "'");
        }
    }
}
