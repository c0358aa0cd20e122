package io.ledgerbridge.sources.stripe.imports;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.refund;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The Stripe history import end to end: the fake Stripe API's lists -> events -> the webhooks' inbox
 * -> Kafka -> canonical -> ledger, against a ledger built from the same history's webhooks alone.
 */
@LedgerbridgeTest
class StripeImportTest extends ImportTestSupport {

    static final Instant PERIOD_START = Instant.parse("2026-01-15T00:00:00Z");
    static final Instant PERIOD_END = Instant.parse("2027-01-15T00:00:00Z");
    static final Instant INVOICED = Instant.parse("2026-01-15T09:00:00Z");
    static final Instant PAID = Instant.parse("2026-01-20T10:30:00Z");
    static final Instant REFUNDED = Instant.parse("2026-02-10T12:00:00Z");
    static final Instant SECOND_INVOICE = Instant.parse("2026-02-01T08:00:00Z");
    static final Instant PAYOUT = Instant.parse("2026-01-23T00:00:00Z");



    /** One company's Stripe history: its objects as Stripe lists them now, and the webhooks it sent on the way. */
    record History(String customer, String payout, List<ObjectNode> objects, List<String> webhooks) {
    }

    static History history() {
        String cus = "cus_" + uid();
        String in1 = "in_" + uid();
        String in2 = "in_" + uid();
        String ch = "ch_" + uid();
        String po = "po_" + uid();
        ObjectNode invoiceOpen = invoice(in1, cus, "usd", 1_200_000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual");
        ObjectNode invoicePaid = invoiceOpen.deepCopy();
        invoicePaid.put("status", "paid");
        invoicePaid.put("amount_paid", 1_200_000);
        invoicePaid.put("amount_remaining", 0);
        invoicePaid.put("paid", true);
        invoicePaid.put("charge", ch);
        ((ObjectNode) invoicePaid.get("status_transitions")).put("paid_at", PAID.getEpochSecond());
        ObjectNode second = invoice(in2, cus, "usd", 50_000, SECOND_INVOICE, SECOND_INVOICE.plus(Duration.ofDays(28)),
                SECOND_INVOICE, "prod_platform_annual");
        ObjectNode payment = charge(ch, cus, in1, "usd", 1_200_000, 34_830L, PAID);
        ObjectNode chargeNow = payment.deepCopy();
        chargeNow.put("amount_refunded", 100_000);
        ObjectNode ref = refund("re_" + uid(), ch, "usd", 100_000, REFUNDED);
        ObjectNode pay = payout(po, "usd", 1_165_170, PAYOUT);
        List<String> webhooks = new ArrayList<>();
        webhooks.add(event("evt_" + uid(), "invoice.finalized", invoiceOpen, INVOICED).toString());
        webhooks.add(event("evt_" + uid(), "charge.succeeded", payment, PAID).toString());
        webhooks.add(event("evt_" + uid(), "invoice.paid", invoicePaid, PAID).toString());
        webhooks.add(event("evt_" + uid(), "payout.paid", pay, PAYOUT).toString());
        webhooks.add(event("evt_" + uid(), "invoice.finalized", second, SECOND_INVOICE).toString());
        webhooks.add(event("evt_" + uid(), "refund.created", ref, REFUNDED).toString());
        return new History(cus, po, List.of(invoicePaid, second, chargeNow, ref, pay), webhooks);
    }

    private void deliver(List<String> webhooks) {
        for (String w : webhooks) {
            HttpResponse<String> r = http.stripe(w);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    /** Waits until no Stripe event of the inbox is still on its way through the pipeline. */
    void awaitPipelineIdle() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> jdbc.queryForObject(
                "select count(*) from inbox_event where source = 'stripe' and status in ('received', 'published')",
                Integer.class) == 0);
    }

    /** Per account and currency, the signed balance of a history's entries (its customer's, and its payout's). */
    Map<String, Long> ledgerOf(History h) {
        Map<String, Long> balances = new TreeMap<>();
        jdbc.query("""
                select l.account_code, e.currency, sum(l.debit - l.credit) from journal_line l
                join journal_entry e on e.id = l.entry_id
                where e.customer_id = (select customer_id from customer_xref where system = 'stripe' and external_id = ?)
                   or e.entry_key like ?
                group by 1, 2 order by 1, 2""", rs -> {
                    balances.put(rs.getString(1) + " " + rs.getString(2), rs.getLong(3));
                }, h.customer(), "%" + h.payout() + "%");
        return balances;
    }

    int entriesOf(History h) {
        return jdbc.queryForObject("""
                select count(*) from journal_entry e
                where e.customer_id = (select customer_id from customer_xref where system = 'stripe' and external_id = ?)
                   or e.entry_key like ?""", Integer.class, h.customer(), "%" + h.payout() + "%");
    }

    JsonNode startImport(String from, String to) throws Exception {
        HttpResponse<String> r = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body());
    }

    JsonNode awaitFinished(long id) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> r = http.get("/api/stripe/imports/" + id, "viewer", "viewer-test");
            last[0] = JSON.readTree(r.body());
            return !last[0].path("status").asText().equals("running");
        });
        return last[0];
    }

    @Test
    void importOverlappingWebhooksThenTheWebhooksAgainEqualsTheLedgerOfWebhooksAlone() throws Exception {
        // A: the history by webhooks alone
        History a = history();
        deliver(a.webhooks());
        awaitPipelineIdle();
        Map<String, Long> webhooksAlone = ledgerOf(a);
        assertThat(webhooksAlone).containsEntry("1100 USD", 50_000L).containsEntry("6000 USD", 34_830L);

        // B: the same history; the first webhooks came, then the endpoint went dark; the import brings the rest
        History b = history();
        deliver(b.webhooks().subList(0, 2));
        awaitPipelineIdle();
        FakeStripeApi.add(b.objects().toArray(ObjectNode[]::new));
        JsonNode started = startImport("2026-01-01", "2026-03-01");
        assertThat(started.path("jobId").asLong()).isPositive();
        JsonNode done = awaitFinished(started.path("id").asLong());
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("progress").path("read").asLong()).isEqualTo(5);
        // invoice paid: finalized + paid; second invoice; charge; refund; payout
        assertThat(done.path("progress").path("stored").asLong()).isEqualTo(6);
        assertThat(done.path("progress").path("posted").asLong()).isEqualTo(6);
        awaitPipelineIdle();
        assertThat(ledgerOf(b)).isEqualTo(webhooksAlone);

        // the webhooks arrive after all (Stripe's retries, a late endpoint): every one, again
        deliver(b.webhooks());
        awaitPipelineIdle();
        assertThat(ledgerOf(b)).isEqualTo(webhooksAlone);
        assertThat(entriesOf(b)).isEqualTo(entriesOf(a));

        // importing the range again stores nothing twice
        JsonNode again = awaitFinished(startImport("2026-01-01", "2026-03-01").path("id").asLong());
        assertThat(again.path("status").asText()).isEqualTo("succeeded");
        assertThat(again.path("progress").path("stored").asLong()).isZero();
        assertThat(again.path("progress").path("read").asLong()).isEqualTo(5);
        awaitPipelineIdle();
        assertThat(ledgerOf(b)).isEqualTo(webhooksAlone);

        // the job row the console shows
        JsonNode job = JSON.readTree(http.get("/api/jobs/" + started.path("jobId").asLong(), "viewer", "viewer-test").body());
        assertThat(job.path("kind").asText()).isEqualTo("stripe_import");
        assertThat(job.path("status").asText()).isEqualTo("succeeded");
        assertThat(job.path("detail").path("read").asLong()).isEqualTo(5);
        assertThat(job.path("detail").has("ratePerSecond")).isTrue();
    }

    @Test
    void badRequestsAreRefusedNamingTheField() throws Exception {
        HttpResponse<String> r = http.postAs("/api/stripe/imports", "admin", "admin-test", "{\"from\":\"2026-13-01\",\"to\":\"2026-02-01\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("field").asText()).isEqualTo("from");
        r = http.postAs("/api/stripe/imports", "admin", "admin-test", "{\"from\":\"2026-02-01\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("field").asText()).isEqualTo("to");
        r = http.postAs("/api/stripe/imports", "admin", "admin-test", "{\"from\":\"2026-02-01\",\"to\":\"2026-01-01\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("field").asText()).isEqualTo("to");
        r = http.postAs("/api/stripe/imports", "viewer", "viewer-test", "{\"from\":\"2026-01-01\",\"to\":\"2026-02-01\"}");
        assertThat(r.statusCode()).isEqualTo(403);
        r = http.get("/api/stripe/imports/999999", "viewer", "viewer-test");
        assertThat(r.statusCode()).isEqualTo(404);
    }
}
