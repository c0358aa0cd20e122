/*
 * Sends a stream of signed Stripe events (per customer: invoice.finalized then charge.succeeded with
 * its fee) and writes every acknowledged event id, one per line, to a file. Used by kill-nine.sh to
 * check that what was acknowledged is never lost. Only a JDK is needed:
 *
 *   java docs/faults/WebhookStorm.java <baseUrl> <secret> <customers> <threads> <ackFile>
 */
import java.io.FileWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class WebhookStorm {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        String secret = args[1];
        int customers = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        String run = Long.toString(System.nanoTime(), 36);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        try (PrintWriter out = new PrintWriter(new FileWriter(args[4], true), true)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            for (int c = 0; c < customers; c++) {
                final int n = c;
                pool.submit(() -> {
                    String cus = "cus_S" + run + n, inv = "in_S" + run + n, ch = "ch_S" + run + n;
                    long t = Instant.parse("2026-03-02T10:00:00Z").getEpochSecond();
                    long amount = 10_000 + n;
                    String invoice = """
                        {"id":"%s","object":"invoice","amount_due":%d,"amount_paid":0,"currency":"usd","customer":"%s",
                         "number":"S-%d","status":"open","status_transitions":{"finalized_at":%d},"subtotal":%d,"tax":null,
                         "total":%d,"total_discount_amounts":[],"created":%d,
                         "lines":{"object":"list","data":[{"id":"il_S%s%d","object":"line_item","amount":%d,"currency":"usd",
                           "description":"Monthly plan","discount_amounts":[],"period":{"start":%d,"end":%d},
                           "price":{"id":"price_monthly","object":"price","product":"prod_platform_annual"},
                           "proration":false,"quantity":1,"tax_amounts":[],"type":"subscription"}]}}"""
                        .formatted(inv, amount, cus, n, t, amount, amount, t, run, n, amount, t, t + 31 * 86400L);
                    String charge = """
                        {"id":"%s","object":"charge","amount":%d,"amount_refunded":0,"captured":true,"created":%d,
                         "currency":"usd","customer":"%s","invoice":"%s","paid":true,"payment_intent":"pi_S%s%d",
                         "status":"succeeded","balance_transaction":{"id":"txn_S%s%d","object":"balance_transaction",
                         "amount":%d,"currency":"usd","fee":%d,"net":%d,"type":"charge"}}"""
                        .formatted(ch, amount, t + 60, cus, inv, run, n, run, n, amount, 320, amount - 320);
                    send(http, base, secret, out, acked, failed, "evt_Si" + run + n, "invoice.finalized", invoice, t);
                    send(http, base, secret, out, acked, failed, "evt_Sc" + run + n, "charge.succeeded", charge, t + 60);
                });
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.HOURS);
        }
        System.out.println("acknowledged=" + acked.get() + " refused_or_unreachable=" + failed.get());
    }

    static void send(HttpClient http, String base, String secret, PrintWriter out, AtomicInteger acked,
                     AtomicInteger failed, String id, String type, String object, long created) {
        String body = """
            {"id":"%s","object":"event","api_version":"2024-06-20","created":%d,"data":{"object":%s},
             "livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"%s"}"""
            .formatted(id, created, object, type);
        try {
            long t = Instant.now().getEpochSecond();
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String v1 = HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/stripe"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .header("Stripe-Signature", "t=" + t + ",v1=" + v1)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                synchronized (out) {
                    out.println(id);
                }
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
        } catch (Exception e) {
            failed.incrementAndGet();
        }
    }
}
