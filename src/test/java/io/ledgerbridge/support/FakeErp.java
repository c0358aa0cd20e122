package io.ledgerbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NetSuite, QuickBooks Online and Xero as a WireMock extension that keeps what was posted, answering
 * in each API's documented shapes (NetSuite REST record API and SuiteQL, QuickBooks JournalEntry and
 * query, Xero ManualJournals; OAuth token endpoints for each), with faults a test switches on:
 * 429 / 500 storms, a timeout after the document was committed, expired tokens, closed periods,
 * refusals, and documents dropped, duplicated or altered behind the product's back.
 */
public class FakeErp implements ResponseDefinitionTransformerV2 {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One journal as the fake ERP keeps it. */
    public record Doc(String id, String key, LocalDate date, String currency, long total, JsonNode body) {
    }

    static final class State {
        final List<Doc> docs = new CopyOnWriteArrayList<>();
        final Map<String, AtomicInteger> creates = new ConcurrentHashMap<>();
        final Map<String, String> idempotency = new ConcurrentHashMap<>();
        final AtomicInteger failures = new AtomicInteger();
        volatile int failStatus = 429;
        volatile Integer retryAfter;
        final AtomicInteger timeoutsAfterCommit = new AtomicInteger();
        volatile String validToken;
        final AtomicInteger tokenIssues = new AtomicInteger();
        volatile LocalDate closedBefore;
        volatile String refusedAccount;
        volatile boolean listsUnavailable;
        final AtomicInteger ids = new AtomicInteger(1000);
    }

    private static final Map<String, State> STATES = new ConcurrentHashMap<>();

    static State state(String erp) {
        return STATES.computeIfAbsent(erp, k -> new State());
    }

    // ---- what tests switch on and look at ---------------------------------------------------------

    public static void failNext(String erp, int count, int status, Integer retryAfterSeconds) {
        State s = state(erp);
        s.failStatus = status;
        s.retryAfter = retryAfterSeconds;
        s.failures.set(count);
    }

    public static void commitThenTimeout(String erp, int count) {
        state(erp).timeoutsAfterCommit.set(count);
    }

    public static void expireTokens(String erp) {
        state(erp).validToken = "expired";
    }

    public static int tokensIssued(String erp) {
        return state(erp).tokenIssues.get();
    }

    public static void closePeriodsBefore(String erp, LocalDate date) {
        state(erp).closedBefore = date;
    }

    /** The ERP's day listing (SuiteQL, query by date, where by date) answers 500: only look-ups by key work. */
    public static void listsUnavailable(String erp, boolean unavailable) {
        state(erp).listsUnavailable = unavailable;
    }

    public static void refuseAccount(String erp, String account) {
        state(erp).refusedAccount = account;
    }

    public static List<Doc> docs(String erp, String key) {
        return state(erp).docs.stream().filter(d -> key.equals(d.key())).toList();
    }

    public static int creates(String erp, String key) {
        AtomicInteger n = state(erp).creates.get(key);
        return n == null ? 0 : n.get();
    }

    /** A NetSuite journal as if the product had posted it and stopped before it heard the answer. */
    public static void seedNetSuite(String key, LocalDate date, long total) {
        State s = state("netsuite");
        ObjectNode body = JSON.createObjectNode().put("externalId", key).put("tranDate", date.toString()).put("memo", "seeded");
        body.putObject("currency").put("id", "1");
        ArrayNode items = body.putObject("line").putArray("items");
        items.addObject().put("debit", BigDecimal.valueOf(total).movePointLeft(2));
        items.addObject().put("credit", BigDecimal.valueOf(total).movePointLeft(2));
        s.docs.add(new Doc(Integer.toString(s.ids.incrementAndGet()), key, date, "1", total, body));
    }

    public static void drop(String erp, String key) {
        state(erp).docs.removeIf(d -> key.equals(d.key()));
    }

    public static void duplicate(String erp, String key) {
        State s = state(erp);
        Doc d = docs(erp, key).get(0);
        s.docs.add(new Doc(Integer.toString(s.ids.incrementAndGet()), d.key(), d.date(), d.currency(), d.total(), d.body()));
    }

    public static void alter(String erp, String key, long total) {
        State s = state(erp);
        Doc d = docs(erp, key).get(0);
        s.docs.replaceAll(x -> x == d ? new Doc(d.id(), d.key(), d.date(), d.currency(), total, d.body()) : x);
    }

    // ---- the fake ----------------------------------------------------------------------------------

    @Override
    public String getName() {
        return "fake-erp";
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request r = event.getRequest();
        String url = r.getUrl();
        String erp = url.startsWith("/netsuite/") ? "netsuite" : url.startsWith("/qbo/") ? "quickbooks" : "xero";
        State s = state(erp);
        try {
            if (url.contains("/token")) {
                s.tokenIssues.incrementAndGet();
                s.validToken = erp + "-token-" + UUID.randomUUID();
                ObjectNode t = JSON.createObjectNode().put("access_token", s.validToken).put("token_type", "bearer").put("expires_in", 3600);
                if (!erp.equals("netsuite")) {
                    t.put("refresh_token", erp + "-refresh-" + UUID.randomUUID()).put("x_refresh_token_expires_in", 8726400);
                }
                return json(200, t);
            }
            String auth = r.getHeader("Authorization");
            if (auth == null || !auth.equals("Bearer " + s.validToken)) {
                return json(401, erp.equals("xero") ? JSON.createObjectNode().put("Title", "Unauthorized").put("Detail", "TokenExpired")
                        : JSON.createObjectNode().put("error", "invalid_token"));
            }
            boolean create = r.getMethod().getName().equals("POST") && !url.contains("/query") && !url.contains("suiteql");
            boolean dayList = url.contains("suiteql") || url.contains("TxnDate") || url.contains("DateTime");
            if (s.listsUnavailable && dayList) {
                return json(500, JSON.createObjectNode().put("message", "listing unavailable"));
            }
            if (s.failures.get() > 0 && s.failures.decrementAndGet() >= 0) {
                ResponseDefinitionBuilder b = ResponseDefinitionBuilder.responseDefinition().withStatus(s.failStatus)
                        .withHeader("Content-Type", "application/json").withBody("{\"message\":\"slow down\"}");
                if (s.retryAfter != null) {
                    b.withHeader("Retry-After", Integer.toString(s.retryAfter));
                }
                return b.build();
            }
            return switch (erp) {
                case "netsuite" -> netsuite(s, r, url, create);
                case "quickbooks" -> quickbooks(s, r, url, create);
                default -> xero(s, r, url, create);
            };
        } catch (Exception e) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(500).withBody(e.toString()).build();
        }
    }

    private ResponseDefinition created(State s, Doc doc, ResponseDefinition answer) {
        s.docs.add(doc);
        s.creates.computeIfAbsent(doc.key(), k -> new AtomicInteger()).incrementAndGet();
        if (s.timeoutsAfterCommit.get() > 0 && s.timeoutsAfterCommit.decrementAndGet() >= 0) {
            // committed, but the answer comes after the client gave up
            return ResponseDefinitionBuilder.like(answer).withFixedDelay(4_000).build();
        }
        return answer;
    }

    private static ResponseDefinition refusedForPeriodOrAccount(State s, String erp, LocalDate date, List<String> accounts) {
        if (s.closedBefore != null && date.isBefore(s.closedBefore)) {
            return switch (erp) {
                case "netsuite" -> json(400, netsuiteError("The accounting period for " + date + " is closed.", "INVALID_PERIOD"));
                case "quickbooks" -> json(400, qboError("The transaction date is prior to the closing date", "6200"));
                default -> json(400, xeroError("The document date cannot be before the end of year lock date"));
            };
        }
        if (s.refusedAccount != null && accounts.contains(s.refusedAccount)) {
            return switch (erp) {
                case "netsuite" -> json(400, netsuiteError("Invalid account reference key " + s.refusedAccount + ".", "INVALID_KEY_OR_REF"));
                case "quickbooks" -> json(400, qboError("Invalid Reference Id: Accounts element id " + s.refusedAccount + " not found", "2500"));
                default -> json(400, xeroError("Account code '" + s.refusedAccount + "' is not a valid code for this document."));
            };
        }
        return null;
    }

    private ResponseDefinition netsuite(State s, Request r, String url, boolean create) throws Exception {
        if (create && url.contains("/journalEntry")) {
            JsonNode body = JSON.readTree(r.getBodyAsString());
            String key = body.path("externalId").asText();
            LocalDate date = LocalDate.parse(body.path("tranDate").asText());
            List<String> accounts = new ArrayList<>();
            long total = 0;
            for (JsonNode item : body.path("line").path("items")) {
                accounts.add(item.path("account").path("id").asText());
                if (item.has("debit")) {
                    total += item.get("debit").decimalValue().movePointRight(2).longValueExact();
                }
            }
            ResponseDefinition refused = refusedForPeriodOrAccount(s, "netsuite", date, accounts);
            if (refused != null) {
                return refused;
            }
            if (!docs("netsuite", key).isEmpty()) {
                return json(400, netsuiteError("A record with external ID " + key + " already exists.", "DUP_RCRD"));
            }
            String id = Integer.toString(s.ids.incrementAndGet());
            return created(s, new Doc(id, key, date, body.path("currency").path("id").asText(), total, body),
                    ResponseDefinitionBuilder.responseDefinition().withStatus(204)
                            .withHeader("Location", "https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1/journalEntry/" + id).build());
        }
        if (url.contains("/journalEntry/eid:")) {
            String key = URLDecoder.decode(url.substring(url.indexOf("eid:") + 4).replaceAll("\\?.*", ""), StandardCharsets.UTF_8);
            List<Doc> found = docs("netsuite", key);
            if (found.isEmpty()) {
                return json(404, netsuiteError("The record instance does not exist.", "NONEXISTENT_ID"));
            }
            Doc d = found.get(0);
            ObjectNode out = ((ObjectNode) d.body()).deepCopy();
            out.put("id", d.id()).put("tranDate", d.date().toString()).put("approved", true);
            scale(out.path("line").path("items"), "debit", d);
            return json(200, out);
        }
        if (url.contains("/suiteql")) {
            String q = JSON.readTree(r.getBodyAsString()).path("q").asText();
            Matcher m = Pattern.compile("TO_DATE\\('(\\d{4}-\\d{2}-\\d{2})'").matcher(q);
            LocalDate day = m.find() ? LocalDate.parse(m.group(1)) : LocalDate.MIN;
            int offset = Integer.parseInt(r.queryParameter("offset").isPresent() ? r.queryParameter("offset").firstValue() : "0");
            List<Doc> ofDay = s.docs.stream().filter(d -> d.date().equals(day)).toList();
            ObjectNode page = JSON.createObjectNode();
            ArrayNode items = page.putArray("items");
            for (Doc d : ofDay.subList(Math.min(offset, ofDay.size()), Math.min(offset + 1000, ofDay.size()))) {
                items.addObject().put("id", d.id()).put("externalid", d.key()).put("trandate", d.date().toString())
                        .put("currency", d.currency()).put("total", BigDecimal.valueOf(d.total()).movePointLeft(2).toPlainString());
            }
            page.put("hasMore", offset + 1000 < ofDay.size()).put("count", items.size()).put("offset", offset);
            return json(200, page);
        }
        return json(404, netsuiteError("unknown", "NOT_FOUND"));
    }

    private ResponseDefinition quickbooks(State s, Request r, String url, boolean create) throws Exception {
        if (create && url.contains("/journalentry")) {
            String requestId = r.queryParameter("requestid").firstValue();
            String earlier = s.idempotency.get(requestId);
            if (earlier != null) {
                return json(200, JSON.readTree(earlier));
            }
            JsonNode body = JSON.readTree(r.getBodyAsString());
            String key = body.path("DocNumber").asText();
            LocalDate date = LocalDate.parse(body.path("TxnDate").asText());
            List<String> accounts = new ArrayList<>();
            long total = 0;
            for (JsonNode line : body.path("Line")) {
                accounts.add(line.path("JournalEntryLineDetail").path("AccountRef").path("value").asText());
                if ("Debit".equals(line.path("JournalEntryLineDetail").path("PostingType").asText())) {
                    total += line.path("Amount").decimalValue().movePointRight(2).longValueExact();
                }
            }
            ResponseDefinition refused = refusedForPeriodOrAccount(s, "quickbooks", date, accounts);
            if (refused != null) {
                return refused;
            }
            String id = Integer.toString(s.ids.incrementAndGet());
            ObjectNode doc = ((ObjectNode) body).deepCopy().put("Id", id).put("SyncToken", "0");
            ObjectNode answer = JSON.createObjectNode();
            answer.set("JournalEntry", doc);
            answer.put("time", Instant.now().toString());
            s.idempotency.put(requestId, answer.toString());
            return created(s, new Doc(id, key, date, body.path("CurrencyRef").path("value").asText(), total, doc), json(200, answer));
        }
        if (url.contains("/query")) {
            String query = r.queryParameter("query").firstValue();
            ObjectNode answer = JSON.createObjectNode();
            ObjectNode qr = answer.putObject("QueryResponse");
            Matcher byKey = Pattern.compile("DocNumber = '([^']+)'").matcher(query);
            Matcher byDay = Pattern.compile("TxnDate = '([^']+)'.*STARTPOSITION (\\d+) MAXRESULTS (\\d+)").matcher(query);
            List<Doc> found;
            if (byKey.find()) {
                found = docs("quickbooks", byKey.group(1));
            } else if (byDay.find()) {
                LocalDate day = LocalDate.parse(byDay.group(1));
                List<Doc> all = s.docs.stream().filter(d -> d.date().equals(day)).toList();
                int start = Integer.parseInt(byDay.group(2)) - 1;
                found = all.subList(Math.min(start, all.size()), Math.min(start + Integer.parseInt(byDay.group(3)), all.size()));
            } else {
                found = List.of();
            }
            if (!found.isEmpty()) {
                ArrayNode list = qr.putArray("JournalEntry");
                for (Doc d : found) {
                    ObjectNode doc = ((ObjectNode) d.body()).deepCopy().put("Id", d.id()).put("TxnDate", d.date().toString());
                    scaleQbo(doc, d);
                    list.add(doc);
                }
                qr.put("startPosition", 1).put("maxResults", found.size());
            }
            answer.put("time", Instant.now().toString());
            return json(200, answer);
        }
        return json(404, qboError("unknown", "0"));
    }

    private ResponseDefinition xero(State s, Request r, String url, boolean create) throws Exception {
        if (create && url.contains("/ManualJournals")) {
            String key = r.getHeader("Idempotency-Key");
            String earlier = key == null ? null : s.idempotency.get(key);
            if (earlier != null) {
                return json(200, JSON.readTree(earlier));
            }
            JsonNode journal = JSON.readTree(r.getBodyAsString()).path("ManualJournals").get(0);
            String narration = journal.path("Narration").asText();
            String ourKey = narration.substring(0, narration.indexOf(" |"));
            LocalDate date = LocalDate.parse(journal.path("Date").asText());
            List<String> accounts = new ArrayList<>();
            long total = 0;
            for (JsonNode line : journal.path("JournalLines")) {
                accounts.add(line.path("AccountCode").asText());
                BigDecimal a = line.path("LineAmount").decimalValue();
                if (a.signum() > 0) {
                    total += a.movePointRight(2).longValueExact();
                }
            }
            ResponseDefinition refused = refusedForPeriodOrAccount(s, "xero", date, accounts);
            if (refused != null) {
                return refused;
            }
            String id = UUID.randomUUID().toString();
            ObjectNode doc = ((ObjectNode) journal).deepCopy().put("ManualJournalID", id)
                    .put("Date", "/Date(" + date.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() + "+0000)/");
            ObjectNode answer = JSON.createObjectNode().put("Id", UUID.randomUUID().toString()).put("Status", "OK")
                    .put("ProviderName", "Ledgerbridge");
            answer.putArray("ManualJournals").add(doc);
            if (key != null) {
                s.idempotency.put(key, answer.toString());
            }
            return created(s, new Doc(id, ourKey, date, "USD", total, doc), json(200, answer));
        }
        if (url.contains("/ManualJournals")) {
            String where = r.queryParameter("where").isPresent() ? r.queryParameter("where").firstValue() : "";
            Matcher byKey = Pattern.compile("Narration\\.StartsWith\\(\"(.+) \\|\"\\)").matcher(where);
            Matcher byDay = Pattern.compile("Date==DateTime\\((\\d+),(\\d+),(\\d+)\\)").matcher(where);
            List<Doc> found;
            if (byKey.find()) {
                found = docs("xero", byKey.group(1));
            } else if (byDay.find()) {
                LocalDate day = LocalDate.of(Integer.parseInt(byDay.group(1)), Integer.parseInt(byDay.group(2)), Integer.parseInt(byDay.group(3)));
                int page = Integer.parseInt(r.queryParameter("page").isPresent() ? r.queryParameter("page").firstValue() : "1");
                List<Doc> all = s.docs.stream().filter(d -> d.date().equals(day)).toList();
                found = all.subList(Math.min((page - 1) * 100, all.size()), Math.min(page * 100, all.size()));
            } else {
                found = List.of();
            }
            ObjectNode answer = JSON.createObjectNode().put("Status", "OK");
            ArrayNode list = answer.putArray("ManualJournals");
            for (Doc d : found) {
                ObjectNode doc = ((ObjectNode) d.body()).deepCopy().put("ManualJournalID", d.id())
                        .put("Date", "/Date(" + d.date().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() + "+0000)/");
                scaleXero(doc, d);
                list.add(doc);
            }
            return json(200, answer);
        }
        return json(404, xeroError("unknown"));
    }

    /** An altered document: its first debit line carries the altered total, the other debits nothing. */
    private static void scale(JsonNode items, String field, Doc d) {
        long posted = 0;
        for (JsonNode i : items) {
            if (i.has(field)) {
                posted += i.get(field).decimalValue().movePointRight(2).longValueExact();
            }
        }
        if (posted == d.total()) {
            return;
        }
        boolean first = true;
        for (JsonNode i : items) {
            if (i.has(field)) {
                ((ObjectNode) i).put(field, first ? BigDecimal.valueOf(d.total()).movePointLeft(2) : BigDecimal.ZERO);
                first = false;
            }
        }
    }

    private static void scaleQbo(ObjectNode doc, Doc d) {
        boolean first = true;
        long posted = 0;
        for (JsonNode l : doc.path("Line")) {
            if ("Debit".equals(l.path("JournalEntryLineDetail").path("PostingType").asText())) {
                posted += l.path("Amount").decimalValue().movePointRight(2).longValueExact();
            }
        }
        if (posted == d.total()) {
            return;
        }
        for (JsonNode l : doc.path("Line")) {
            if ("Debit".equals(l.path("JournalEntryLineDetail").path("PostingType").asText())) {
                ((ObjectNode) l).put("Amount", first ? BigDecimal.valueOf(d.total()).movePointLeft(2) : BigDecimal.ZERO);
                first = false;
            }
        }
    }

    private static void scaleXero(ObjectNode doc, Doc d) {
        boolean first = true;
        long posted = 0;
        for (JsonNode l : doc.path("JournalLines")) {
            BigDecimal a = l.path("LineAmount").decimalValue();
            if (a.signum() > 0) {
                posted += a.movePointRight(2).longValueExact();
            }
        }
        if (posted == d.total()) {
            return;
        }
        for (JsonNode l : doc.path("JournalLines")) {
            if (l.path("LineAmount").decimalValue().signum() > 0) {
                ((ObjectNode) l).put("LineAmount", first ? BigDecimal.valueOf(d.total()).movePointLeft(2) : BigDecimal.ZERO);
                first = false;
            }
        }
    }

    private static ObjectNode netsuiteError(String detail, String code) {
        ObjectNode e = JSON.createObjectNode().put("type", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1")
                .put("title", "Bad Request").put("status", 400);
        e.putArray("o:errorDetails").addObject().put("detail", detail).put("o:errorCode", code);
        return e;
    }

    private static ObjectNode qboError(String message, String code) {
        ObjectNode e = JSON.createObjectNode();
        ObjectNode fault = e.putObject("Fault");
        fault.putArray("Error").addObject().put("Message", message).put("Detail", message).put("code", code).put("element", "");
        fault.put("type", "ValidationFault");
        e.put("time", Instant.now().toString());
        return e;
    }

    private static ObjectNode xeroError(String message) {
        ObjectNode e = JSON.createObjectNode().put("ErrorNumber", 10).put("Type", "ValidationException")
                .put("Message", "A validation exception occurred");
        e.putArray("Elements").addObject().putArray("ValidationErrors").addObject().put("Message", message);
        return e;
    }

    private static ResponseDefinition json(int status, JsonNode body) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody(body.toString()).build();
    }
}
