package io.ledgerbridge.sources.stripe.imports;

import io.ledgerbridge.sources.stripe.imports.StripeImports;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.platform.faults.Faults;
import io.ledgerbridge.support.FakeStripeApi;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An import interrupted again and again between storing a page and moving its cursor (the worst moment of a
 * kill -9: the page is in the inbox, the cursor does not say so), resumed each time as a restarted instance
 * resumes it, under Stripe's rate limit: every object's events are stored exactly once and posted once.
 * (In-JVM: the run stops dead at the crash point {@code import.page-stored} and leaves its row running and
 * its lock released, as a killed instance does; the by-hand kill -9 of a real process is in docs/benchmarks.md.)
 */
@LedgerbridgeTest
class StripeImportResumeTest extends ImportTestSupport {


    @Autowired
    StripeImports imports;


    @AfterEach
    void disarm() {
        Faults.flaky("", 0);
    }

    @Test
    void killedBetweenPagesAndResumedNothingLostNothingTwice() throws Exception {
        int n = 230;
        String tag = uid();
        Instant base = Instant.parse("2026-04-02T00:00:00Z");
        Set<String> expectedEvents = new HashSet<>();
        List<String> customers = new ArrayList<>();
        long charged = 0;
        long fees = 0;
        for (int i = 0; i < n; i++) {
            String cus = "cus_" + tag + i;
            String inv = "in_" + tag + "x" + i;
            String ch = "ch_" + tag + "x" + i;
            Instant at = base.plusSeconds(600L * i);
            long amount = 10_000 + i;
            FakeStripeApi.add(invoice(inv, cus, "usd", amount, at, at.plus(Duration.ofDays(30)), at, "prod_platform_annual"));
            FakeStripeApi.add(charge(ch, cus, inv, "usd", amount, 320L, at.plusSeconds(60)));
            expectedEvents.add("import:" + inv + ":finalized");
            expectedEvents.add("import:" + ch + ":succeeded");
            customers.add(cus);
            charged += amount;
            fees += 320;
        }
        FakeStripeApi.rateLimit(1); // Stripe refuses the import's bursts: 429s, waited out
        Faults.flaky("import.page-stored", 40);

        HttpResponse<String> r = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"2026-04-01\",\"to\":\"2026-05-01\",\"openingBalances\":false}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        long id = JSON.readTree(r.body()).path("id").asLong();
        // a second import while this one runs: 409
        HttpResponse<String> second = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"2026-04-01\",\"to\":\"2026-05-01\"}");
        assertThat(second.statusCode()).isEqualTo(409);

        int interruptions = 0;
        while (true) {
            await().atMost(Duration.ofSeconds(90)).until(() -> !imports.runningHere(id));
            String status = jdbc.queryForObject("select status from stripe_import where id = ?", String.class, id);
            if (!status.equals("running")) {
                break;
            }
            interruptions++;
            if (interruptions == 3) {
                Faults.flaky("", 0); // the last restart runs through
            }
            assertThat(imports.resumeUnowned()).isEqualTo(1);
        }
        JsonNode done = JSON.readTree(http.get("/api/stripe/imports/" + id, "viewer", "viewer-test").body());
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(interruptions).isPositive();
        assertThat(FakeStripeApi.rateLimited()).as("429s answered and waited out").isPositive();

        // set equality: the inbox holds exactly the expected events of these objects, each once
        List<String> stored = jdbc.queryForList("""
                select event_id from inbox_event where source = 'stripe' and event_id like ?""", String.class,
                "import:%" + tag + "%");
        assertThat(stored).hasSize(expectedEvents.size());
        assertThat(new HashSet<>(stored)).isEqualTo(expectedEvents);
        assertThat(done.path("progress").path("read").asLong()).isEqualTo(2L * n);
        assertThat(done.path("progress").path("stored").asLong()).isEqualTo(expectedEvents.size());
        assertThat(done.path("progress").path("posted").asLong()).isEqualTo(expectedEvents.size());

        // posted once: an invoice entry, a payment and a fee per customer; AR back to zero
        Integer entries = jdbc.queryForObject("""
                select count(*) from journal_entry e join customer_xref x on x.customer_id = e.customer_id and x.system = 'stripe'
                where x.external_id = any(?)""", Integer.class, (Object) customers.toArray(String[]::new));
        assertThat(entries).isEqualTo(3 * n);
        assertThat(balance(customers, "1100", "9999-12-31")).isZero();
        assertThat(balance(customers, "1010", "9999-12-31")).isEqualTo(charged - fees);
        assertThat(balance(customers, "6000", "9999-12-31")).isEqualTo(fees);

        // cancelled: asked to stop between pages
        HttpResponse<String> cancelFinished = http.postAs("/api/stripe/imports/" + id + "/cancel", "admin", "admin-test", "");
        assertThat(cancelFinished.statusCode()).isEqualTo(409);
    }

    @Test
    void aCancelledImportStopsBetweenPages() throws Exception {
        String tag = uid();
        Instant base = Instant.parse("2026-08-02T00:00:00Z");
        for (int i = 0; i < 1500; i++) {
            Instant at = base.plusSeconds(30L * i);
            FakeStripeApi.add(invoice("in_" + tag + "c" + i, "cus_" + tag, "usd", 1_000, at, at.plus(Duration.ofDays(30)), at,
                    "prod_platform_annual"));
        }
        FakeStripeApi.rateLimit(1); // one page a second
        HttpResponse<String> r = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"2026-08-01\",\"to\":\"2026-09-01\",\"openingBalances\":false}");
        JsonNode started = JSON.readTree(r.body());
        long id = started.path("id").asLong();
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select pages from stripe_import_cursor where import_id = ? and family = 'invoices'", Long.class, id) >= 1);
        HttpResponse<String> cancel = http.postAs("/api/jobs/" + started.path("jobId").asLong() + "/cancel", "admin", "admin-test", "");
        assertThat(cancel.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> !imports.runningHere(id));
        JsonNode done = JSON.readTree(http.get("/api/stripe/imports/" + id, "viewer", "viewer-test").body());
        assertThat(done.path("status").asText()).isEqualTo("cancelled");
        assertThat(done.path("progress").path("read").asLong()).isBetween(100L, 1499L);
        JsonNode job = JSON.readTree(http.get("/api/jobs/" + started.path("jobId").asLong(), "viewer", "viewer-test").body());
        assertThat(job.path("status").asText()).isEqualTo("cancelled");
    }

}
