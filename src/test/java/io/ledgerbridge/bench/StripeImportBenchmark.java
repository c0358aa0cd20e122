package io.ledgerbridge.bench;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.FakeStripeApi;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark (by hand, docs/benchmarks.md):
 * {@code ./mvnw -B verify -Pbench -Dtest=StripeImportBenchmark -Dbench.import.objects=1000000 -Dbench.heap=512m -Dbench.no-erp=true}.
 * The fake Stripe API serves {@code bench.import.objects} objects (half invoices, half the charges that pay
 * them, generated from their index) and answers 429 over {@code bench.import.limit} (100) requests a second;
 * the import is configured for the same rate. Prints the listing rate as a share of what the limit can
 * serve (100 objects a page), the 429s, the time until every event is posted, and the peak heap of the
 * JVM that runs the product, its embedded Kafka broker and the fake.
 */
@Tag("bench")
@LedgerbridgeTest
class StripeImportBenchmark {

    static {
        // read by the import's client when the context starts: the limit the fake enforces
        System.setProperty("ledgerbridge.stripe.import.requests-per-second", System.getProperty("bench.import.limit", "100"));
        // the fake's request journal would keep every page it served (out of memory near 100,000 objects at 512 MiB)
        System.setProperty("fakesaas.journal-entries", System.getProperty("fakesaas.journal-entries", "1000"));
    }

    static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void importObjectsUnderTheRateLimit() throws Exception {
        int objects = Integer.getInteger("bench.import.objects", 100_000);
        int limit = Integer.getInteger("bench.import.limit", 100);
        int invoices = objects / 2;
        Instant base = Instant.parse("2026-03-01T00:00:00Z");
        FakeStripeApi.reset();
        FakeStripeApi.generate("/v1/invoices", "in_bench", invoices, i -> {
            Instant at = base.plusSeconds(i);
            return invoice("in_bench_g" + i, "cus_bench" + (i % 5000), "usd", 10_000 + i % 1000, at, at.plus(Duration.ofDays(30)),
                    at, "prod_platform_annual");
        });
        FakeStripeApi.generate("/v1/charges", "ch_bench", objects - invoices, i -> charge("ch_bench_g" + i,
                "cus_bench" + (i % 5000), "in_bench_g" + i, "usd", 10_000 + i % 1000, 320L, base.plusSeconds(i + 60)));
        FakeStripeApi.rateLimit(limit);
        Http http = new Http(port);

        long t0 = System.nanoTime();
        HttpResponse<String> r = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"2026-03-01\",\"to\":\"2026-06-01\",\"openingBalances\":false}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        long id = JSON.readTree(r.body()).path("id").asLong();
        // the import's status every half second until it has ended; the moment the listing was over noted on the way
        double[] listedAt = {0};
        int[] requestsWhenListed = {0};
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(Duration.ofHours(6)).pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode s = JSON.readTree(http.get("/api/stripe/imports/" + id, "viewer", "viewer-test").body());
            last.set(s);
            if (listedAt[0] == 0 && !s.path("phase").asText().equals("listing") && !s.path("phase").asText().equals("opening")) {
                listedAt[0] = (System.nanoTime() - t0) / 1e9;
                requestsWhenListed[0] = FakeStripeApi.requests();
            }
            return !s.path("status").asText().equals("running");
        });
        JsonNode status = last.get();
        double listed = listedAt[0];
        int requestsListing = requestsWhenListed[0];
        double total = (System.nanoTime() - t0) / 1e9;
        if (listed == 0) {
            listed = total;
            requestsListing = FakeStripeApi.requests();
        }
        assertThat(status.path("status").asText()).as(status.toString()).isEqualTo("succeeded");
        long read = status.path("progress").path("read").asLong();
        long posted = status.path("progress").path("posted").asLong();
        int served = requestsListing - FakeStripeApi.rateLimited();
        double ceiling = limit * 100.0; // objects a second the limit can serve, 100 a page
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("%nBENCH stripe import: %,d objects (%,d invoices, %,d charges), limit %d requests/s, max heap %d MiB%n",
                objects, invoices, objects - invoices, limit, Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("BENCH listing: %,d objects read in %.1f s = %,.0f objects/s = %.1f%% of the %,.0f the limit serves;"
                + " %,d requests (%.1f/s), %,d answered 429%n", read, listed, read / listed, 100 * read / listed / ceiling, ceiling,
                requestsListing, served / listed, FakeStripeApi.rateLimited());
        System.out.printf("BENCH posted: %,d events in %.1f s from the start (%,.0f events/s end to end); peak heap used %d MiB%n%n",
                posted, total, posted / total, peakHeap >> 20);
        assertThat(read).isEqualTo(objects);
        assertThat(posted).isEqualTo(objects);
    }
}
