package io.ledgerbridge.bench;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;

import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.StripeSigner;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand: {@code ./mvnw -B verify -Pbench -Dtest=WebhookIngestBenchmark -Dbench.events=10000 -Dbench.no-erp=true}):
 * signed Stripe webhooks with durable acknowledgement (signature check, envelope, inbox insert, 200)
 * against an echo route on the same HTTP stack in the same run (the ceiling), both at 64 concurrent
 * connections; then end to end, webhook to journal entry: events per second and the lag, and the
 * heap used.
 */
@Tag("bench")
@LedgerbridgeTest
class WebhookIngestBenchmark {

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;
    @Autowired
    JdbcTemplate jdbc;

    private record Result(int requests, double seconds, long[] latenciesMicros, int failures) {
        double perSecond() {
            return requests / seconds;
        }

        double p(double q) {
            return latenciesMicros[Math.min(latenciesMicros.length - 1, (int) Math.ceil(q * latenciesMicros.length) - 1)] / 1000.0;
        }
    }

    private Result drive(List<HttpRequest> requests, int connections) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long[] latencies = new long[requests.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < connections; w++) {
            workers.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests.size()) {
                    long t = System.nanoTime();
                    try {
                        HttpResponse<Void> r = client.send(requests.get(i), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 200) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                    latencies[i] = (System.nanoTime() - t) / 1000;
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        Arrays.sort(latencies);
        return new Result(requests.size(), seconds, latencies, failures.get());
    }

    @Test
    void signedWebhooksAgainstAnEchoRouteAndEndToEnd() throws Exception {
        int events = Integer.getInteger("bench.events", 20_000);
        int connections = 64;
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // behind the same filters as the webhooks (method, content type, size, rate limit), nothing stored
                from("platform-http:/webhooks/bench-echo?httpMethodRestrict=POST").routeId("bench-echo")
                        .setBody(constant("{\"status\":\"accepted\"}"));
            }
        });
        String run = Long.toString(System.nanoTime(), 36);
        Instant start = Instant.parse("2021-01-01T00:00:00Z");
        Instant end = Instant.parse("2022-01-01T00:00:00Z");
        List<String> bodies = new ArrayList<>(events);
        for (int i = 0; bodies.size() < events; i++) {
            String cus = "cus_b" + run + i;
            String inv = "in_b" + run + i;
            bodies.add(event("evt_b" + run + "i" + i, "invoice.finalized", invoice(inv, cus, "usd", 100_000, start, end, start, "prod_platform_annual"),
                    start).toString());
            bodies.add(event("evt_b" + run + "p" + i, "charge.succeeded", charge("ch_b" + run + i, cus, inv, "usd", 100_000, 3_000L, start),
                    start).toString());
        }
        List<HttpRequest> echo = new ArrayList<>();
        List<HttpRequest> webhooks = new ArrayList<>();
        for (String body : bodies) {
            echo.add(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/webhooks/bench-echo")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            webhooks.add(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/webhooks/stripe"))
                    .header("Content-Type", "application/json").header("Stripe-Signature", StripeSigner.signNow(body))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        }
        drive(echo.subList(0, Math.min(2_000, echo.size())), connections); // warm-up
        Result ceiling = drive(echo, connections);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long t0 = System.nanoTime();
        Result ingest = drive(webhooks, connections);
        long posted;
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        do {
            Thread.sleep(200);
            posted = jdbc.queryForObject("select count(*) from inbox_event where event_id like ? and status = 'posted'", Long.class,
                    "evt_b" + run + "%");
        } while (posted < events && System.nanoTime() < deadline);
        double endToEnd = (System.nanoTime() - t0) / 1e9;
        Double lagP99 = jdbc.queryForObject("""
                select percentile_cont(0.99) within group (order by extract(epoch from processed_at - received_at))
                from inbox_event where event_id like ?""", Double.class, "evt_b" + run + "%");
        long heapPeak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("%nBENCH webhooks: %d events at %d connections%n", events, connections);
        System.out.printf("BENCH echo route:        %.0f req/s, p50 %.1f ms, p99 %.1f ms, %d failures%n",
                ceiling.perSecond(), ceiling.p(0.5), ceiling.p(0.99), ceiling.failures());
        System.out.printf("BENCH signed + durable:  %.0f req/s, p50 %.1f ms, p99 %.1f ms, %d failures = %.0f%% of the echo route%n",
                ingest.perSecond(), ingest.p(0.5), ingest.p(0.99), ingest.failures(), 100 * ingest.perSecond() / ceiling.perSecond());
        System.out.printf("BENCH end to end:        %d of %d posted in %.1f s = %.0f events/s; lag received->posted p99 %.2f s;"
                + " heap peak %d MiB (max %d MiB)%n%n", posted, events, endToEnd, posted / endToEnd, lagP99 == null ? -1 : lagP99,
                heapPeak / 1048576, Runtime.getRuntime().maxMemory() / 1048576);
    }
}
