package io.ledgerbridge.reconciliation.web;

import io.ledgerbridge.canonical.Amounts;
import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.reconciliation.ReconciliationService;
import io.swagger.v3.oas.annotations.Operation;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.Principal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** Three-way reconciliation runs and their delta report (JSON, CSV, HTML), and the bank deposits payouts are matched to. */
@RestController
@RequestMapping("/api/reconciliation")
public class ReconciliationApi {

    private final ReconciliationService service;
    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public ReconciliationApi(ReconciliationService service, JdbcTemplate jdbc, ObjectMapper mapper) {
        this.service = service;
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    @PostMapping("/runs")
    @Operation(summary = "Run the reconciliation of a day ({\"date\":\"yyyy-MM-dd\"}; admin); answers the report")
    public Map<String, Object> run(@RequestBody(required = false) Map<String, String> body, Principal user) {
        String date = body == null ? null : body.get("date");
        if (date == null) {
            throw ApiErrors.ApiException.badRequest("date", "the day to reconcile is required: {\"date\":\"yyyy-MM-dd\"}");
        }
        LocalDate day;
        try {
            day = LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            throw ApiErrors.ApiException.badRequest("date", "date is yyyy-MM-dd, got '" + date + "'");
        }
        try {
            return report(service.run(day, user.getName()));
        } catch (ReconciliationService.Busy e) {
            throw ApiErrors.ApiException.conflict(e.getMessage());
        }
    }

    @GetMapping("/runs")
    @Operation(summary = "Reconciliation runs, newest first")
    public List<Map<String, Object>> runs(@RequestParam(defaultValue = "50") int limit, @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        return jdbc.queryForList("""
                select id, run_date::text as "date", requested_by as "requestedBy", status, started_at as "startedAt",
                       finished_at as "finishedAt", (select count(*) from recon_break b where b.run_id = r.id) as breaks
                from recon_run r order by id desc limit ? offset ?""", limit, offset);
    }

    @GetMapping(value = "/runs/{id}", produces = {MediaType.APPLICATION_JSON_VALUE, "text/csv", MediaType.TEXT_HTML_VALUE})
    @Operation(summary = "A run's delta report: JSON, CSV (format=csv or Accept: text/csv) or a readable page (format=html or Accept: text/html)")
    public ResponseEntity<?> get(@PathVariable long id, @RequestParam(required = false) String format,
                                 @RequestHeader(value = "Accept", required = false) String accept) throws IOException {
        Map<String, Object> report = report(id);
        String f = format != null ? format : accept != null && accept.startsWith("text/csv") ? "csv"
                : accept != null && accept.startsWith("text/html") ? "html" : "json";
        return switch (f) {
            case "csv" -> ResponseEntity.ok().contentType(MediaType.parseMediaType("text/csv"))
                    .header("Content-Disposition", "attachment; filename=\"reconciliation-" + report.get("date") + "-run-" + id + ".csv\"")
                    .body(csv(report));
            case "html" -> ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body(html(report));
            case "json" -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(report);
            default -> throw ApiErrors.ApiException.badRequest("format", "format is json, csv or html");
        };
    }

    @PostMapping(value = "/bank-deposits", consumes = {"text/csv", MediaType.APPLICATION_JSON_VALUE})
    @Operation(summary = "Import bank deposits (CSV with date,amount,currency,reference or a JSON array; amounts in minor units; admin)")
    public Map<String, Object> deposits(@RequestBody String body, @RequestHeader("Content-Type") String contentType) throws IOException {
        List<Object[]> rows = new java.util.ArrayList<>();
        if (contentType.startsWith("text/csv")) {
            int line = 1;
            for (CSVRecord r : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get()
                    .parse(new StringReader(body))) {
                line++;
                rows.add(deposit(r.get("date"), r.get("amount"), r.get("currency"), r.isMapped("reference") ? r.get("reference") : null, line));
            }
        } else {
            JsonNode array = mapper.readTree(body);
            int i = 0;
            for (JsonNode d : array) {
                rows.add(deposit(d.path("date").asText(), d.path("amount").asText(), d.path("currency").asText(),
                        d.path("reference").asText(null), ++i));
            }
        }
        int[] done = jdbc.batchUpdate("""
                insert into bank_deposit (deposit_date, amount, currency, reference) values (?, ?, ?, ?)
                on conflict do nothing""", rows);
        return Map.of("received", rows.size(), "imported", java.util.Arrays.stream(done).filter(n -> n != 0).count());
    }

    private static Object[] deposit(String date, String amount, String currency, String reference, int row) {
        try {
            return new Object[] {java.sql.Date.valueOf(LocalDate.parse(date)), Long.parseLong(amount), currency.toUpperCase(), reference};
        } catch (RuntimeException e) {
            throw ApiErrors.ApiException.badRequest("row " + row, "row " + row + ": date yyyy-MM-dd, amount in minor units, currency ISO 4217");
        }
    }

    private Map<String, Object> report(long id) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, run_date::text as date, requested_by, status, started_at, finished_at, summary::text as summary, error
                from recon_run where id = ?""", id);
        if (rows.isEmpty()) {
            throw ApiErrors.ApiException.notFound("reconciliation run " + id);
        }
        Map<String, Object> r = rows.get(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("date", r.get("date"));
        out.put("requestedBy", r.get("requested_by"));
        out.put("status", r.get("status"));
        out.put("startedAt", r.get("started_at"));
        out.put("finishedAt", r.get("finished_at"));
        try {
            out.put("summary", r.get("summary") == null ? null : mapper.readTree((String) r.get("summary")));
        } catch (IOException e) {
            out.put("summary", r.get("summary"));
        }
        out.put("breaks", jdbc.queryForList("""
                select b.id, b.txn_key as "key", b.kind, b.category, b.erp, b.currency, b.source_amount as "sourceAmount",
                       b.ledger_amount as "ledgerAmount", b.erp_amount as "erpAmount", b.source_date::text as "sourceDate",
                       b.ledger_date::text as "ledgerDate", b.erp_date::text as "erpDate", b.explanation, b.action,
                       b.first_seen::text as "firstSeen", (r.run_date - b.first_seen) as "ageDays", b.revenue_at_risk as "revenueAtRisk"
                from recon_break b join recon_run r on r.id = b.run_id where b.run_id = ? order by b.category, b.erp nulls first, b.txn_key""",
                id));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String csv(Map<String, Object> report) throws IOException {
        StringWriter out = new StringWriter();
        String[] columns = {"category", "erp", "key", "kind", "currency", "sourceAmount", "ledgerAmount", "erpAmount", "sourceDate",
                "ledgerDate", "erpDate", "ageDays", "revenueAtRisk", "explanation", "action"};
        try (CSVPrinter p = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setHeader(columns).get())) {
            for (Map<String, Object> b : (List<Map<String, Object>>) report.get("breaks")) {
                for (String c : columns) {
                    p.print(b.get(c));
                }
                p.println();
            }
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static String html(Map<String, Object> report) {
        StringBuilder h = new StringBuilder("""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reconciliation %s</title>
                <style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%%}
                th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
                th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}h2{margin-top:2rem}</style></head><body>
                """.formatted(esc(report.get("date"))));
        h.append("<h1>Three-way reconciliation of ").append(esc(report.get("date"))).append("</h1>");
        h.append("<p>Run ").append(report.get("id")).append(" by ").append(esc(report.get("requestedBy"))).append(", ")
                .append(esc(report.get("status"))).append(". <a href=\"?format=csv\">CSV</a> · <a href=\"?format=json\">JSON</a></p>");
        JsonNode summary = (JsonNode) report.get("summary");
        if (summary != null) {
            h.append("<h2>Summary</h2><table><tr><th>category</th><th>ERP</th><th class=num>breaks</th></tr>");
            for (JsonNode b : summary.path("breaks")) {
                h.append("<tr><td>").append(esc(b.path("category").asText())).append("</td><td>").append(esc(b.path("erp").asText("")))
                        .append("</td><td class=num>").append(b.path("count").asLong()).append("</td></tr>");
            }
            h.append("</table><p>Revenue at risk: ");
            for (JsonNode r : summary.path("revenueAtRisk")) {
                h.append(esc(r.path("currency").asText())).append(' ').append(Amounts.format(r.path("amount").asLong(), r.path("currency").asText()))
                        .append("; ");
            }
            h.append(summary.path("revenueAtRisk").isEmpty() ? "none" : "").append("</p><p>Aging of open breaks: ");
            for (JsonNode a : summary.path("aging")) {
                h.append(esc(a.path("bucket").asText())).append(": ").append(a.path("count").asLong()).append("; ");
            }
            h.append("</p>");
        }
        List<Map<String, Object>> breaks = (List<Map<String, Object>>) report.get("breaks");
        h.append("<h2>Breaks (").append(breaks.size()).append(")</h2><table><tr><th>category</th><th>ERP</th><th>transaction</th>"
                + "<th class=num>source</th><th class=num>ledger</th><th class=num>ERP</th><th>age</th><th>explanation</th><th>recommended action</th></tr>");
        for (Map<String, Object> b : breaks) {
            h.append("<tr><td>").append(esc(b.get("category"))).append("</td><td>").append(esc(b.get("erp"))).append("</td><td>")
                    .append(esc(b.get("key"))).append("</td><td class=num>").append(esc(b.get("sourceAmount"))).append("</td><td class=num>")
                    .append(esc(b.get("ledgerAmount"))).append("</td><td class=num>").append(esc(b.get("erpAmount"))).append("</td><td>")
                    .append(esc(b.get("ageDays"))).append(" d</td><td>").append(esc(b.get("explanation"))).append("</td><td>")
                    .append(esc(b.get("action"))).append("</td></tr>");
        }
        return h.append("</table><p>Amounts in minor units of their currency.</p></body></html>").toString();
    }

    private static String esc(Object o) {
        return o == null ? "" : HtmlUtils.htmlEscape(o.toString());
    }
}
