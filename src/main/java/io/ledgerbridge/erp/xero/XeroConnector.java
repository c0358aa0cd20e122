package io.ledgerbridge.erp.xero;

import io.ledgerbridge.erp.ErpConnector;
import io.ledgerbridge.erp.ErpDocument;
import io.ledgerbridge.erp.ErpException;
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
 * Xero accounting API (ManualJournals), OAuth 2.0 with rotating refresh tokens and the
 * {@code xero-tenant-id} of the organisation: every create carries {@code Idempotency-Key} = our
 * key, and the narration starts with it, by which the journal is read back. Xero manual journals are
 * in the organisation's base currency: an entry in another currency is refused for a person.
 */
public final class XeroConnector implements ErpConnector {

    private final String base;
    private final String tenant;
    private final String baseCurrency;
    private final ErpHttp http;

    public XeroConnector(String base, String tenant, String baseCurrency, ErpHttp http) {
        this.base = base;
        this.tenant = tenant;
        this.baseCurrency = baseCurrency;
        this.http = http;
    }

    @Override
    public String name() {
        return "xero";
    }

    private static String narration(String key) {
        return key + " |";
    }

    @Override
    public String post(ErpJournal j) {
        if (!baseCurrency.equals(j.currency())) {
            throw new ErpException.Refused("xero: manual journals are in the organisation's base currency " + baseCurrency
                    + "; journal " + j.externalKey() + " is in " + j.currency());
        }
        ObjectNode journal = http.mapper().createObjectNode();
        journal.put("Narration", narration(j.externalKey()) + " " + j.memo());
        journal.put("Date", j.date().toString());
        journal.put("Status", "POSTED");
        journal.put("LineAmountTypes", "NoTax");
        ArrayNode lines = journal.putArray("JournalLines");
        for (ErpJournal.Line l : j.lines()) {
            ObjectNode line = lines.addObject();
            line.put("LineAmount", NetSuiteConnector.major(l.debit() > 0 ? l.debit() : -l.credit(), j.currency()));
            line.put("AccountCode", l.erpAccount());
            line.put("Description", j.externalKey() + (l.customerId() == null ? "" : " " + l.customerId()));
            if (!l.dimensions().isEmpty()) {
                ArrayNode tracking = line.putArray("Tracking");
                l.dimensions().forEach((name, option) -> tracking.addObject().put("Name", name).put("Option", option));
            }
        }
        ObjectNode body = http.mapper().createObjectNode();
        body.putArray("ManualJournals").add(journal);
        HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/api.xro/2.0/ManualJournals"))
                .header("Content-Type", "application/json").header("xero-tenant-id", tenant).header("Idempotency-Key", j.externalKey())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), XeroConnector::refusal);
        return http.json(r).path("ManualJournals").path(0).path("ManualJournalID").asText();
    }

    @Override
    public java.util.List<ErpDocument> findAll(String externalKey) {
        String where = "Narration.StartsWith(\"" + narration(externalKey) + "\")";
        HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/api.xro/2.0/ManualJournals?where="
                + URLEncoder.encode(where, StandardCharsets.UTF_8))).header("xero-tenant-id", tenant).GET(), XeroConnector::refusal);
        java.util.List<ErpDocument> out = new java.util.ArrayList<>();
        if (r.statusCode() != 404) {
            for (JsonNode doc : http.json(r).path("ManualJournals")) {
                out.add(document(doc, externalKey));
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
        String where = "Date==DateTime(" + day.getYear() + "," + day.getMonthValue() + "," + day.getDayOfMonth() + ")";
        for (int page = 1; ; page++) {
            int p = page;
            HttpResponse<String> r = http.send(() -> HttpRequest.newBuilder(ErpHttp.uri(base, "/api.xro/2.0/ManualJournals?where="
                    + URLEncoder.encode(where, StandardCharsets.UTF_8) + "&page=" + p)).header("xero-tenant-id", tenant).GET(),
                    XeroConnector::refusal);
            JsonNode found = http.json(r).path("ManualJournals");
            for (JsonNode doc : found) {
                out.add(document(doc, null));
            }
            if (!found.isArray() || found.size() < 100) {
                return out;
            }
        }
    }

    private ErpDocument document(JsonNode doc, String externalKey) {
        long total = 0;
        for (JsonNode line : doc.path("JournalLines")) {
            java.math.BigDecimal amount = line.path("LineAmount").decimalValue();
            if (amount.signum() > 0) {
                total += NetSuiteConnector.minor(amount, baseCurrency);
            }
        }
        String narration = doc.path("Narration").asText("");
        String key = externalKey != null ? externalKey : narration.contains(" |") ? narration.substring(0, narration.indexOf(" |")) : null;
        return new ErpDocument(name(), key, doc.path("ManualJournalID").asText(), date(doc.path("Date").asText()), baseCurrency, total,
                doc.path("Status").asText());
    }

    /** Xero writes dates as {@code /Date(1768435200000+0000)/} (or ISO in newer answers). */
    static LocalDate date(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("/Date\\((-?\\d+)([+-]\\d{4})?\\)/").matcher(text);
        if (m.find()) {
            return java.time.Instant.ofEpochMilli(Long.parseLong(m.group(1))).atZone(java.time.ZoneOffset.UTC).toLocalDate();
        }
        return LocalDate.parse(text.substring(0, 10));
    }

    static String refusal(JsonNode error) {
        StringBuilder m = new StringBuilder(error.path("Message").asText(""));
        for (JsonNode element : error.path("Elements")) {
            for (JsonNode v : element.path("ValidationErrors")) {
                m.append(m.length() > 0 ? ": " : "").append(v.path("Message").asText());
            }
        }
        return m.toString();
    }
}
