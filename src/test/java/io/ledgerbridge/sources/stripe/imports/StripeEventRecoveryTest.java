package io.ledgerbridge.sources.stripe.imports;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.FakeStripeApi;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/**
 * Missed-event recovery: Stripe's event list holds an invoice the webhooks never delivered (the endpoint's
 * secret was wrong for longer than Stripe retries) beside a payment that did arrive. A run stores the missing
 * event with its real id through the inbox, the ledger posts it, a late webhook of it is a duplicate, and the
 * gap is counted: the run's job, GET /api/stripe/recovery and the Micrometer counter.
 */
@LedgerbridgeTest
class StripeEventRecoveryTest extends ImportTestSupport {




    @Test
    void aMissedEventIsRecoveredOnceAndCounted() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        Instant invoiced = now.minus(Duration.ofDays(4));
        ObjectNode invoiceEvent = event("evt_" + uid(), "invoice.finalized",
                invoice(inv, cus, "usd", 90_000, invoiced, invoiced.plus(Duration.ofDays(30)), invoiced, "prod_platform_annual"),
                invoiced);
        ObjectNode chargeEvent = event("evt_" + uid(), "charge.succeeded",
                charge("ch_" + uid(), cus, inv, "usd", 90_000, 2_640L, now.minus(Duration.ofDays(1))), now.minus(Duration.ofDays(1)));
        FakeStripeApi.add(invoiceEvent, chargeEvent);
        // the payment's webhook came; the invoice's never did (it waits for its invoice)
        assertThat(http.stripe(chargeEvent.toString()).statusCode()).isEqualTo(200);
        double counterBefore = recoveredCounter();

        HttpResponse<String> r = http.postAs("/api/stripe/recovery/runs", "admin", "admin-test", "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode run = JSON.readTree(r.body());
        assertThat(run.path("listed").asInt()).isEqualTo(2);
        assertThat(run.path("recovered").asInt()).isEqualTo(1);

        String invoiceId = invoiceEvent.path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> "posted".equals(jdbc.queryForObject(
                "select status from inbox_event where source = 'stripe' and event_id = ?", String.class, invoiceId)));
        await().atMost(Duration.ofSeconds(30)).until(() -> "posted".equals(jdbc.queryForObject(
                "select status from inbox_event where source = 'stripe' and event_id = ?", String.class,
                chargeEvent.path("id").asText())));
        assertThat(balance(cus, "1100")).isZero();

        // Stripe delivers the webhook after all: a duplicate, nothing posted twice
        HttpResponse<String> late = http.stripe(invoiceEvent.toString());
        assertThat(JSON.readTree(late.body()).path("status").asText()).isEqualTo("duplicate");

        // counted and shown
        assertThat(recoveredCounter() - counterBefore).isEqualTo(1.0);
        JsonNode summary = JSON.readTree(http.get("/api/stripe/recovery", "viewer", "viewer-test").body());
        assertThat(summary.path("lastRun").path("recovered").asInt()).isEqualTo(1);
        assertThat(summary.path("lastRun").path("listed").asInt()).isEqualTo(2);
        assertThat(summary.path("recovered").asLong()).isGreaterThanOrEqualTo(1);
        long jobId = summary.path("lastRun").path("jobId").asLong();
        JsonNode job = JSON.readTree(http.get("/api/jobs/" + jobId, "viewer", "viewer-test").body());
        assertThat(job.path("kind").asText()).isEqualTo("stripe_event_recovery");
        assertThat(job.path("detail").path("listed").asInt()).isEqualTo(2);
        assertThat(job.path("detail").path("recovered").asInt()).isEqualTo(1);

        // the next run starts from the newest event seen and finds nothing missing
        JsonNode next = JSON.readTree(http.postAs("/api/stripe/recovery/runs", "admin", "admin-test", "").body());
        assertThat(next.path("since").asLong()).isGreaterThan(now.minus(Duration.ofDays(2)).getEpochSecond());
        assertThat(next.path("recovered").asInt()).isZero();
    }

    private double recoveredCounter() {
        String metrics = http.get("/actuator/prometheus", null, null).body();
        return metrics.lines().filter(l -> l.startsWith("ledgerbridge_stripe_recovered_events_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
