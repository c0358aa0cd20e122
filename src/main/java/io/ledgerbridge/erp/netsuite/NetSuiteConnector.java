package io.ledgerbridge.erp.netsuite;

import io.ledgerbridge.erp.ErpConnector;
import io.ledgerbridge.erp.ErpDocument;
import io.ledgerbridge.erp.ErpHttp;
import io.ledgerbridge.erp.ErpJournal;
import io.ledgerbridge.erp.ErpMaps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.util.Optional;

/**
 * NetSuite REST record API (journalEntry), OAuth 2.0 machine-to-machine: our key is the record's
 * {@code externalId}, so the journal is read back with {@code journalEntry/eid:<key>} and a retry
 * finds what a timed-out call created. Amounts in the currency's major units.
 */
public final class NetSuiteConnector implements ErpConnector {

    private final String base;
    private final ErpHttp http;
    private final ErpMaps maps;

    public NetSuiteConnector(String base, ErpHttp http, ErpMaps maps) {
        this.base = base;
        this.http = http;
        this.maps = maps;
    }

    @Override
    public String name() {
        return "netsuite";
    }

    @Override
    public String post(ErpJournal j) {
        ObjectNode body = http.mapper().createObjectNode();
        body.put("externalId", j.externalKey());
        body.put("tranDate", j.date().toString());
        body.putObject("currency").put("id", j.erpCurrency());
        body.put("memo", j.memo());
        ArrayNode items = body.putObject("line").putArray("items");
        String subsidiary = null;
        for (ErpJournal.Line l : j.lines()) {
            ObjectNode item = items.addObject();
            item.putObject("account").put("id", l.erpAccount());
            if (l.debit() > 0) {
                item.put("debit", major(l.debit(), j.currency()));
            } else {
                item.put("credit", major(l.credit(), j.currency()));
            }
            item.put("memo", j.externalKey() + (l.customerId() == null ? "" : " " + l.customerId()));
            for (var d : l.dimensions().entrySet()) {
                if (d.getKey().equals("subsidiary")) {
                    subsidiary = d.getValue();
                } else {
                    item.putObject(d.getKey()).put("id", d.getValue());
                }
            }
        }
        if (subsidiary != null) {
            body.putObject("subsidiary").put("id", subsidiary);
        }
        HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/services/rest/record/v1/journalEntry"))
                .header("Content-Type", "application/json").header("Prefer", "transient")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), NetSuiteConnector::refusal);
        String location = r.headers().firstValue("Location").orElse("");
        return location.isEmpty() ? find(j.externalKey()).map(ErpDocument::erpId).orElse(null)
                : location.substring(location.lastIndexOf('/') + 1);
    }

    @Override
    public Optional<ErpDocument> find(String externalKey) {
        HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base,
                "/services/rest/record/v1/journalEntry/eid:" + externalKey + "?expandSubResources=true")).GET(), NetSuiteConnector::refusal);
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        JsonNode doc = http.json(r);
        String currency = maps.iso(doc.path("currency").path("id").asText());
        long total = 0;
        for (JsonNode item : doc.path("line").path("items")) {
            if (item.hasNonNull("debit")) {
                total += minor(item.get("debit").decimalValue(), currency);
            }
        }
        return Optional.of(new ErpDocument(name(), externalKey, doc.path("id").asText(), LocalDate.parse(doc.path("tranDate").asText()),
                currency, total, doc.path("approved").asBoolean(true) ? "approved" : "pending approval"));
    }

    /** SuiteQL over the day's journals, a page of 1,000 at a time. */
    @Override
    public java.util.List<ErpDocument> list(LocalDate day) {
        java.util.List<ErpDocument> out = new java.util.ArrayList<>();
        String q = "SELECT t.id, t.externalid, t.trandate, t.currency, SUM(l.debit) AS total FROM transaction t"
                + " JOIN transactionline l ON l.transaction = t.id WHERE t.type = 'Journal' AND t.trandate = TO_DATE('" + day
                + "', 'YYYY-MM-DD') GROUP BY t.id, t.externalid, t.trandate, t.currency ORDER BY t.id";
        int offset = 0;
        while (true) {
            int at = offset;
            HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base,
                            "/services/rest/query/v1/suiteql?limit=1000&offset=" + at)).header("Prefer", "transient")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(http.mapper().createObjectNode().put("q", q).toString())),
                    NetSuiteConnector::refusal);
            JsonNode page = http.json(r);
            for (JsonNode row : page.path("items")) {
                String currency = maps.iso(row.path("currency").asText());
                out.add(new ErpDocument(name(), row.path("externalid").asText(null), row.path("id").asText(), day, currency,
                        minor(new BigDecimal(row.path("total").asText("0")), currency), "posted"));
            }
            if (!page.path("hasMore").asBoolean(false)) {
                return out;
            }
            offset += 1000;
        }
    }

    static String refusal(JsonNode error) {
        JsonNode details = error.path("o:errorDetails");
        if (details.isArray() && !details.isEmpty()) {
            return details.get(0).path("detail").asText() + " (" + details.get(0).path("o:errorCode").asText() + ")";
        }
        return error.path("title").asText(null);
    }

    public static BigDecimal major(long minor, String currency) {
        return BigDecimal.valueOf(minor).movePointLeft(io.ledgerbridge.canonical.Amounts.exponent(currency));
    }

    public static long minor(BigDecimal major, String currency) {
        return major.movePointRight(io.ledgerbridge.canonical.Amounts.exponent(currency)).longValueExact();
    }
}
