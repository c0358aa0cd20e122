/*
 * Ledgerbridge quickstart: sends a realistic, signed Stripe event sequence to a running product and
 * prints the trial balance. Needs only a JDK (run it as a single-file program):
 *
 *   java docs/quickstart/Quickstart.java [baseUrl] [webhookSecret] [adminUser] [adminPassword]
 *
 * Defaults match the local profile: http://localhost:8080, whsec_ledgerbridge_local_development_only,
 * admin / admin-local. The sequence is the worked example of accounting.md (annual subscription of
 * USD 12,000.00 for 2026-01-15..2027-01-15, paid 2026-01-20 with a 348.30 fee) followed by a partial
 * refund of USD 1,000.00 on 2026-02-10 and the payout of the net balance. Stripe also sends events
 * that carry no new financial fact (invoice.created, invoice.paid, payment_intent.succeeded): they are
 * sent too and recorded as ignored. Each run uses new Stripe ids, so running it twice doubles the totals.
 */
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class Quickstart {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String base;
    static String secret;
    static String auth;

    public static void main(String[] args) throws Exception {
        base = args.length > 0 ? args[0] : "http://localhost:8080";
        secret = args.length > 1 ? args[1] : "whsec_ledgerbridge_local_development_only";
        String user = args.length > 2 ? args[2] : "admin";
        String password = args.length > 3 ? args[3] : "admin-local";
        auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));

        String run = Long.toString(System.currentTimeMillis(), 36);
        String cus = "cus_QS" + run, inv = "in_QS" + run, ch = "ch_QS" + run, re = "re_QS" + run, po = "po_QS" + run;
        long periodStart = Instant.parse("2026-01-15T00:00:00Z").getEpochSecond();
        long periodEnd = Instant.parse("2027-01-15T00:00:00Z").getEpochSecond();
        long invoiced = Instant.parse("2026-01-15T09:00:00Z").getEpochSecond();
        long paid = Instant.parse("2026-01-20T10:30:00Z").getEpochSecond();
        long refunded = Instant.parse("2026-02-10T16:00:00Z").getEpochSecond();
        long payoutArrival = Instant.parse("2026-02-12T00:00:00Z").getEpochSecond();

        String customer = """
            {"id":"%s","object":"customer","address":null,"balance":0,"created":%d,"currency":"usd",
             "description":"Quickstart customer","email":"ap@acme-quickstart.example","invoice_prefix":"QS%s",
             "livemode":false,"metadata":{"crm_account":"0015g00000QSACME"},"name":"Acme Quickstart Inc.",
             "preferred_locales":[],"tax_exempt":"none"}""".formatted(cus, invoiced - 3600, run.toUpperCase());
        String invoice = """
            {"id":"%s","object":"invoice","account_country":"US","amount_due":1200000,"amount_paid":0,
             "amount_remaining":1200000,"attempt_count":0,"attempted":false,"auto_advance":true,
             "billing_reason":"subscription_create","charge":null,"collection_method":"charge_automatically",
             "created":%d,"currency":"usd","customer":"%s","customer_email":"ap@acme-quickstart.example",
             "customer_name":"Acme Quickstart Inc.","discount":null,"discounts":[],"due_date":null,
             "livemode":false,"number":"QS-%s-0001","paid":false,"period_end":%d,"period_start":%d,
             "status":"open","status_transitions":{"finalized_at":%d,"marked_uncollectible_at":null,"paid_at":null,"voided_at":null},
             "subscription":"sub_QS%s","subtotal":1200000,"subtotal_excluding_tax":1200000,"tax":null,
             "total":1200000,"total_discount_amounts":[],"total_excluding_tax":1200000,"total_tax_amounts":[],
             "lines":{"object":"list","has_more":false,"total_count":1,"url":"/v1/invoices/%s/lines","data":[
               {"id":"il_QS%s","object":"line_item","amount":1200000,"amount_excluding_tax":1200000,"currency":"usd",
                "description":"1 x Ledgerbridge Platform (Annual)","discount_amounts":[],"discountable":true,"discounts":[],
                "invoice":"%s","livemode":false,"metadata":{},"period":{"end":%d,"start":%d},
                "price":{"id":"price_QSannual","object":"price","active":true,"billing_scheme":"per_unit","currency":"usd",
                         "product":"prod_platform_annual","recurring":{"interval":"year","interval_count":1,"usage_type":"licensed"},
                         "type":"recurring","unit_amount":1200000},
                "proration":false,"quantity":1,"subscription":"sub_QS%s","tax_amounts":[],"type":"subscription"}]}}"""
            .formatted(inv, invoiced, cus, run.toUpperCase(), invoiced, invoiced, invoiced, run, inv, run, inv,
                periodEnd, periodStart, run);
        String charge = """
            {"id":"%s","object":"charge","amount":1200000,"amount_captured":1200000,"amount_refunded":0,
             "balance_transaction":{"id":"txn_QS%s","object":"balance_transaction","amount":1200000,"available_on":%d,
               "created":%d,"currency":"usd","description":"Payment for Invoice","fee":34830,
               "fee_details":[{"amount":34830,"application":null,"currency":"usd","description":"Stripe processing fees","type":"stripe_fee"}],
               "net":1165170,"reporting_category":"charge","source":"%s","status":"pending","type":"charge"},
             "captured":true,"created":%d,"currency":"usd","customer":"%s","description":"Payment for Invoice",
             "disputed":false,"invoice":"%s","livemode":false,"paid":true,"payment_intent":"pi_QS%s",
             "payment_method":"pm_QS%s","refunded":false,"status":"succeeded"}"""
            .formatted(ch, run, paid + 2 * 86400, paid, ch, paid, cus, inv, run, run);
        String paymentIntent = """
            {"id":"pi_QS%s","object":"payment_intent","amount":1200000,"amount_received":1200000,"currency":"usd",
             "customer":"%s","invoice":"%s","latest_charge":"%s","status":"succeeded","created":%d}"""
            .formatted(run, cus, inv, ch, paid);
        String invoicePaid = invoice.replace("\"status\":\"open\"", "\"status\":\"paid\"")
            .replace("\"amount_paid\":0", "\"amount_paid\":1200000").replace("\"paid\":false", "\"paid\":true");
        String refund = """
            {"id":"%s","object":"refund","amount":100000,"balance_transaction":"txn_QSre%s","charge":"%s",
             "created":%d,"currency":"usd","metadata":{},"payment_intent":"pi_QS%s","reason":"requested_by_customer",
             "receipt_number":null,"status":"succeeded"}""".formatted(re, run, ch, refunded, run);
        String payout = """
            {"id":"%s","object":"payout","amount":1065170,"arrival_date":%d,"automatic":true,
             "balance_transaction":"txn_QSpo%s","created":%d,"currency":"usd","description":"STRIPE PAYOUT",
             "destination":"ba_QSbank","livemode":false,"method":"standard","reconciliation_status":"completed",
             "source_type":"card","statement_descriptor":null,"status":"paid","type":"bank_account"}"""
            .formatted(po, payoutArrival, run, payoutArrival - 86400);

        List<String[]> events = List.of(
            new String[] {"customer.created", customer, Long.toString(invoiced - 3600)},
            new String[] {"invoice.created", invoice.replace("\"status\":\"open\"", "\"status\":\"draft\""), Long.toString(invoiced - 60)},
            new String[] {"invoice.finalized", invoice, Long.toString(invoiced)},
            new String[] {"payment_intent.succeeded", paymentIntent, Long.toString(paid)},
            new String[] {"charge.succeeded", charge, Long.toString(paid)},
            new String[] {"invoice.paid", invoicePaid, Long.toString(paid)},
            new String[] {"refund.created", refund, Long.toString(refunded)},
            new String[] {"payout.paid", payout, Long.toString(payoutArrival)});

        System.out.println("Sending " + events.size() + " signed Stripe events to " + base + "/webhooks/stripe");
        int n = 0;
        String firstEventBody = null;
        for (String[] e : events) {
            String body = """
                {"id":"evt_QS%s%02d","object":"event","api_version":"2024-06-20","created":%s,
                 "data":{"object":%s},"livemode":false,"pending_webhooks":1,
                 "request":{"id":null,"idempotency_key":null},"type":"%s"}"""
                .formatted(run, ++n, e[2], e[1], e[0]);
            if (firstEventBody == null && e[0].equals("invoice.finalized")) {
                firstEventBody = body;
            }
            HttpResponse<String> r = postSigned(body);
            System.out.printf("  %-26s -> %d %s%n", e[0], r.statusCode(), r.body());
        }
        HttpResponse<String> again = postSigned(firstEventBody);
        System.out.printf("  %-26s -> %d %s%n", "invoice.finalized (again)", again.statusCode(), again.body());

        System.out.println("\nWaiting for the ledger to post the events ...");
        String tb = null;
        for (int i = 0; i < 60; i++) {
            Thread.sleep(500);
            HttpResponse<String> r = get("/api/events?source=stripe&status=published&limit=1000");
            HttpResponse<String> r2 = get("/api/events?source=stripe&status=received&limit=1000");
            if (r.statusCode() == 200 && r2.statusCode() == 200 && r.body().replaceAll("\\s", "").matches("\\[]|\\{.*\"items\":\\[].*}")
                    && r2.body().replaceAll("\\s", "").matches("\\[]|\\{.*\"items\":\\[].*}")) {
                break;
            }
        }
        HttpResponse<String> r = get("/api/ledger/trial-balance?currency=USD");
        System.out.println("\nGET /api/ledger/trial-balance?currency=USD -> " + r.statusCode());
        printTrialBalance(r.body());
    }

    static HttpResponse<String> postSigned(String body) throws Exception {
        long t = Instant.now().getEpochSecond();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String v1 = HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/webhooks/stripe"))
            .header("Content-Type", "application/json").header("Stripe-Signature", "t=" + t + ",v1=" + v1)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth).GET().build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** Prints the trial balance as a table (a tiny JSON reader keeps this file dependency-free). */
    @SuppressWarnings("unchecked")
    static void printTrialBalance(String json) {
        Object doc;
        try {
            doc = new Json(json).value();
        } catch (RuntimeException e) {
            System.out.println(json);
            return;
        }
        if (!(doc instanceof Map<?, ?> tb) || !(tb.get("accounts") instanceof List<?> accounts)) {
            System.out.println(json);
            return;
        }
        System.out.printf("%-6s %-40s %-4s %15s %15s%n", "code", "account", "cur", "debit", "credit");
        for (Object o : accounts) {
            Map<String, Object> a = (Map<String, Object>) o;
            System.out.printf("%-6s %-40s %-4s %15s %15s%n", a.get("code"), a.get("name"), a.get("currency"),
                money(a.get("debit")), money(a.get("credit")));
        }
        if (tb.get("totals") instanceof List<?> totals) {
            for (Object o : totals) {
                Map<String, Object> t = (Map<String, Object>) o;
                System.out.printf("%-6s %-40s %-4s %15s %15s%n", "", "total", t.get("currency"), money(t.get("debit")),
                    money(t.get("credit")));
            }
        }
        System.out.println("balanced (debits = credits): " + tb.get("balanced"));
    }

    static String money(Object minor) {
        if (minor == null) {
            return "";
        }
        long v = ((Number) minor).longValue();
        return String.format("%,d.%02d", v / 100, Math.abs(v % 100));
    }

    /** Minimal JSON reader: objects, arrays, strings, numbers, booleans, null. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    ws();
                    String k = (String) value();
                    ws(); i++; // ':'
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch == '\\') {
                        char e = s.charAt(i++);
                        b.append(switch (e) { case 'n' -> '\n'; case 't' -> '\t'; case 'u' -> {
                            char u = (char) Integer.parseInt(s.substring(i, i + 4), 16); i += 4; yield u; }
                            default -> e; });
                    } else {
                        b.append(ch);
                    }
                }
                i++;
                return b.toString();
            }
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String num = s.substring(start, i);
            return num.contains(".") || num.contains("e") || num.contains("E") ? (Object) Double.valueOf(num) : (Object) Long.valueOf(num);
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
