package io.ledgerbridge.pipeline;

import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.sources.stripe.StripeEventMapper;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The batch stages on their own: canonical events published straight to the canonical topic, many in
 * one send so they meet in one poll, for inbox events made here. A batch with a poison event posts
 * all the others and dead-letters the poison once; an entry whose key was posted before by another
 * event makes the batch fall back to posting entry by entry, which finds it and posts nothing twice.
 */
@LedgerbridgeTest
class BatchStagesTest {

    private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
    private static final Instant END = Instant.parse("2027-03-01T00:00:00Z");

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    StripeEventMapper stripe;
    @Autowired
    ObjectMapper mapper;
    @Value("${ledgerbridge.kafka.topics.canonical}")
    String canonicalTopic;

    /** An inbox event as the relay leaves it once published, and the canonical form of its Stripe invoice. */
    private String invoiceFinalized(String eventId, String invoiceId, String customer) throws Exception {
        return canonical(eventId, "invoice.finalized",
                invoice(invoiceId, customer, "usd", 120_000, START, END, START, "prod_platform_annual"), customer, "published");
    }

    private String canonical(String eventId, String type, ObjectNode object, String customer, String status) throws Exception {
        String payload = event(eventId, type, object, START).toString();
        long inboxId = jdbc.queryForObject("""
                with r as (
                    insert into received_event (source, event_id, event_type, partition_key, payload, payload_sha256)
                    values ('stripe', ?, ?, ?, ?, 'test') returning id)
                insert into pipeline_state (id, status, published_at) select id, ?, now() from r returning id""",
                Long.class, eventId, type, customer, payload, status);
        CanonicalEvent mapped = stripe.map(inboxId, payload);
        return mapper.writeValueAsString(mapped);
    }

    private void publish(String key, List<String> values) {
        List<Message> messages = new ArrayList<>();
        for (String value : values) {
            Message m = new DefaultMessage(producer.getCamelContext());
            m.setBody(value);
            m.setHeader(KafkaConstants.KEY, key);
            messages.add(m);
        }
        producer.sendBody("kafka:" + canonicalTopic, messages);
    }

    private String status(String eventId) {
        return jdbc.queryForObject("select status || ':' || coalesce(status_reason, '') from inbox_event where event_id = ?",
                String.class, eventId);
    }

    private int entries(String invoiceId) {
        return jdbc.queryForObject("select count(*) from journal_entry where entry_key = ?", Integer.class,
                "stripe:invoice:" + invoiceId + ":finalized");
    }

    @Test
    void aPoisonEventIsDeadLetteredAloneOnceAndTheRestOfItsBatchPosts() throws Exception {
        String customer = "cus_" + uid();
        List<String> values = new ArrayList<>();
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String eventId = "evt_" + uid();
            String invoiceId = "in_" + uid();
            values.add(invoiceFinalized(eventId, invoiceId, customer));
            good.add(invoiceId);
        }
        // a currency the ledger cannot hold (char(3)): the database refuses this event's entry, not the others'
        String poisonEvent = "evt_" + uid();
        ObjectNode poison = (ObjectNode) mapper.readTree(invoiceFinalized(poisonEvent, "in_" + uid(), customer));
        ((ObjectNode) poison.get("invoice")).put("currency", "usdx");
        values.add(2, poison.toString());
        values.add(4, "this is not a canonical event");
        publish("stripe:" + customer, values);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (String invoiceId : good) {
                assertThat(entries(invoiceId)).as(invoiceId).isEqualTo(1);
            }
            assertThat(status(poisonEvent)).startsWith("dead_lettered:");
        });
        // and stays dead-lettered once: no second dead letter for it in the next second
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> jdbc.queryForObject(
                "select count(*) from dead_letter where payload like ?", Integer.class, "%" + poisonEvent + "%") == 1);
        assertThat(jdbc.queryForObject("select count(*) from dead_letter where payload = 'this is not a canonical event'",
                Integer.class)).isEqualTo(1);
        assertThat(jdbc.queryForObject("""
                select error_class from dead_letter where payload = 'this is not a canonical event'""", String.class))
                .contains("Json");
    }

    @Test
    void anEntryPostedBeforeByAnotherEventIsFoundAndNotPostedTwice() throws Exception {
        String customer = "cus_" + uid();
        String invoiceId = "in_" + uid();
        String first = "evt_" + uid();
        publish("stripe:" + customer, List.of(invoiceFinalized(first, invoiceId, customer)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(status(first)).startsWith("posted:"));

        // the same invoice again under another event id (a sender that re-issued it), with a fresh invoice beside it
        String again = "evt_" + uid();
        String otherEvent = "evt_" + uid();
        String otherInvoice = "in_" + uid();
        publish("stripe:" + customer, List.of(invoiceFinalized(again, invoiceId, customer),
                invoiceFinalized(otherEvent, otherInvoice, customer)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(status(again)).isEqualTo("posted:already posted");
            assertThat(status(otherEvent)).startsWith("posted:Stripe invoice");
        });
        assertThat(entries(invoiceId)).isEqualTo(1);
        assertThat(entries(otherInvoice)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from dead_letter where payload like ? or payload like ?",
                Integer.class, "%" + again + "%", "%" + otherEvent + "%")).isZero();
    }

    /**
     * A refund that began to wait while its payment's transaction was still open (another consumer): no
     * batch drains it, the release job applies it once the payment is there.
     */
    @Test
    void aRefundLeftWaitingAfterItsPaymentPostedIsReleased() throws Exception {
        String customer = "cus_" + uid();
        String invoiceId = "in_" + uid();
        String chargeId = "ch_" + uid();
        String paymentEvent = "evt_" + uid();
        publish("stripe:" + customer, List.of(invoiceFinalized("evt_" + uid(), invoiceId, customer),
                canonical(paymentEvent, "charge.succeeded",
                        io.ledgerbridge.support.StripeEvents.charge(chargeId, customer, invoiceId, "usd", 120_000, 3_000L, START),
                        customer, "published")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(status(paymentEvent)).startsWith("posted:"));

        String refundEvent = "evt_" + uid();
        String refundId = "re_" + uid();
        String form = canonical(refundEvent, "refund.created",
                io.ledgerbridge.support.StripeEvents.refund(refundId, chargeId, "usd", 20_000, START.plusSeconds(86_400)),
                customer, "published");
        // left as a consumer leaves it that looked for the payment before the payment's transaction committed
        jdbc.update("""
                update pipeline_state s set status = 'waiting', waiting_for = ?, canonical = ?::jsonb
                from received_event r where r.id = s.id and r.event_id = ?""",
                "payment:stripe:" + chargeId, form, refundEvent);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(status(refundEvent)).startsWith("posted:"));
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key = ?", Integer.class,
                "stripe:refund:" + refundId)).isEqualTo(1);
    }

    /**
     * A batch reads its payments' invoices once and keeps them as it changes them: two payments of one
     * invoice booked in the same batch (with a refund between them, which makes the batch read its
     * invoices again), the second delivered twice, and a payment of an invoice booked in an earlier batch.
     */
    @Test
    void paymentsOfABatchSeeTheirInvoicesAsTheBatchLeftThem() throws Exception {
        String customer = "cus_" + uid();
        String earlier = "in_" + uid();
        String earlierEvent = "evt_" + uid();
        publish("stripe:" + customer, List.of(invoiceFinalized(earlierEvent, earlier, customer)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(status(earlierEvent)).startsWith("posted:"));

        String invoiceId = "in_" + uid();
        String first = "ch_" + uid();
        String second = "ch_" + uid();
        String secondAgain = "evt_" + uid();
        String last = "evt_" + uid();
        publish("stripe:" + customer, List.of(
                invoiceFinalized("evt_" + uid(), invoiceId, customer),
                charge("evt_" + uid(), first, customer, invoiceId, 50_000),
                canonical("evt_" + uid(), "refund.created",
                        io.ledgerbridge.support.StripeEvents.refund("re_" + uid(), first, "usd", 10_000, START.plusSeconds(3_600)),
                        customer, "published"),
                charge("evt_" + uid(), second, customer, invoiceId, 70_000),
                charge(secondAgain, second, customer, invoiceId, 70_000),
                charge(last, "ch_" + uid(), customer, earlier, 120_000)));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(status(last)).startsWith("posted:");
            assertThat(status(secondAgain)).isEqualTo("posted:already posted");
        });
        assertThat(jdbc.queryForMap("select amount_paid, status from ar_invoice where invoice_id = ?", "stripe:" + invoiceId))
                .containsEntry("amount_paid", 120_000L).containsEntry("status", "paid");
        assertThat(jdbc.queryForMap("select amount_paid, status from ar_invoice where invoice_id = ?", "stripe:" + earlier))
                .containsEntry("amount_paid", 120_000L).containsEntry("status", "paid");
        assertThat(jdbc.queryForObject("select applied from ar_payment where payment_id = ?", Long.class, "stripe:" + second))
                .isEqualTo(70_000L);
        assertThat(jdbc.queryForObject("select invoice_id || ' ' || applied || ' ' || amount_refunded from ar_payment where payment_id = ?",
                String.class, "stripe:" + first)).isEqualTo("stripe:" + invoiceId + " 50000 10000");
        assertThat(jdbc.queryForObject("select count(*) from invoice_line where invoice_id = ?", Integer.class, "stripe:" + invoiceId))
                .isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key = ?", Integer.class,
                "stripe:payment:" + second)).isEqualTo(1);
        assertThat(jdbc.queryForObject("""
                select count(*) from journal_entry e where e.customer_id = (select customer_id from ar_invoice where invoice_id = ?)
                and (select sum(debit) - sum(credit) from journal_line l where l.entry_id = e.id) <> 0""",
                Integer.class, "stripe:" + invoiceId)).isZero();
    }

    private String charge(String eventId, String chargeId, String customer, String invoiceId, long amount) throws Exception {
        return canonical(eventId, "charge.succeeded",
                io.ledgerbridge.support.StripeEvents.charge(chargeId, customer, invoiceId, "usd", amount, 1_000L, START),
                customer, "published");
    }
}
