package io.ledgerbridge.erp.quickbooks;

import io.ledgerbridge.erp.ErpConnector;
import io.ledgerbridge.erp.ErpDocument;
import io.ledgerbridge.erp.ErpHttp;
import io.ledgerbridge.erp.ErpJournal;
import io.ledgerbridge.erp.netsuite.NetSuiteConnector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Optional;

/**
 * QuickBooks Online accounting API (JournalEntry), OAuth 2.0 with rotating refresh tokens: every
 * create carries {@code requestid} = our key (QuickBooks answers a repeated request id with the
 * first result) and {@code DocNumber} = our key, by which the journal is read back with a query.
 */
public final class QuickBooksConnector implements ErpConnector {

    private static final String MINOR_VERSION = "75";
    private final String base;
    private final String realm;
    private final ErpHttp http;

    public QuickBooksConnector(String base, String realm, ErpHttp http) {
        this.base = base;
        this.realm = realm;
        this.http = http;
    }

    @Override
    public String name() {
        return "quickbooks";
    }

    @Override
    public String post(ErpJournal j) {
        ObjectNode body = http.mapper().createObjectNode();
        body.put("DocNumber", j.externalKey());
        body.put("TxnDate", j.date().toString());
        body.putObject("CurrencyRef").put("value", j.erpCurrency());
        body.put("PrivateNote", j.memo());
        ArrayNode lines = body.putArray("Line");
        int n = 0;
        for (ErpJournal.Line l : j.lines()) {
            ObjectNode line = lines.addObject();
            line.put("Id", Integer.toString(n++));
            line.put("Description", j.externalKey() + (l.customerId() == null ? "" : " " + l.customerId()));
            line.put("Amount", NetSuiteConnector.major(l.debit() > 0 ? l.debit() : l.credit(), j.currency()));
            line.put("DetailType", "JournalEntryLineDetail");
            ObjectNode detail = line.putObject("JournalEntryLineDetail");
            detail.put("PostingType", l.debit() > 0 ? "Debit" : "Credit");
            detail.putObject("AccountRef").put("value", l.erpAccount());
            String department = l.dimensions().get("department");
            if (department != null) {
                detail.putObject("DepartmentRef").put("value", department);
            }
            String klass = l.dimensions().get("class");
            if (klass != null) {
                detail.putObject("ClassRef").put("value", klass);
            }
        }
        HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/v3/company/" + realm
                        + "/journalentry?requestid=" + enc(j.externalKey()) + "&minorversion=" + MINOR_VERSION))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())),
                QuickBooksConnector::refusal);
        return http.json(r).path("JournalEntry").path("Id").asText();
    }

    @Override
    public java.util.List<ErpDocument> findAll(String externalKey) {
        String query = "select * from JournalEntry where DocNumber = '" + externalKey.replace("'", "\\'") + "'";
        HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/v3/company/" + realm + "/query?query="
                + enc(query) + "&minorversion=" + MINOR_VERSION)).GET(), QuickBooksConnector::refusal);
        java.util.List<ErpDocument> out = new java.util.ArrayList<>();
        if (r.statusCode() != 404) {
            for (JsonNode doc : http.json(r).path("QueryResponse").path("JournalEntry")) {
                out.add(document(doc));
            }
        }
        return out;
    }

    @Override
    public Optional<ErpDocument> find(String externalKey) {
        return findAll(externalKey).stream().findFirst();
    }

    @Override
    public java.util.List<ErpDocument> list(LocalDate day) {
        java.util.List<ErpDocument> out = new java.util.ArrayList<>();
        for (int start = 1; ; start += 1000) {
            String query = "select * from JournalEntry where TxnDate = '" + day + "' STARTPOSITION " + start + " MAXRESULTS 1000";
            HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/v3/company/" + realm + "/query?query="
                    + enc(query) + "&minorversion=" + MINOR_VERSION)).GET(), QuickBooksConnector::refusal);
            JsonNode found = http.json(r).path("QueryResponse").path("JournalEntry");
            for (JsonNode doc : found) {
                out.add(document(doc));
            }
            if (!found.isArray() || found.size() < 1000) {
                return out;
            }
        }
    }

    private ErpDocument document(JsonNode doc) {
        String currency = doc.path("CurrencyRef").path("value").asText("USD");
        long total = 0;
        for (JsonNode line : doc.path("Line")) {
            if ("Debit".equals(line.path("JournalEntryLineDetail").path("PostingType").asText())) {
                total += NetSuiteConnector.minor(line.path("Amount").decimalValue(), currency);
            }
        }
        return new ErpDocument(name(), doc.path("DocNumber").asText(null), doc.path("Id").asText(),
                LocalDate.parse(doc.path("TxnDate").asText()), currency, total, "posted");
    }

    static String refusal(JsonNode error) {
        JsonNode errors = error.path("Fault").path("Error");
        if (errors.isArray() && !errors.isEmpty()) {
            JsonNode e = errors.get(0);
            return e.path("Message").asText() + ": " + e.path("Detail").asText() + " (code " + e.path("code").asText() + ")";
        }
        return null;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
