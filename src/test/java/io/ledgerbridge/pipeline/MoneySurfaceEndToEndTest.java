package io.ledgerbridge.pipeline;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.refund;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.ledger.WaitingEvents;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * "The rest of the money surface" of accounting.md over HTTP: each row of its table, in at least two orders of
 * arrival, every event delivered twice, for the API shapes before basil (2024-06-20: a charge names its invoice)
 * and from basil on (a charge does not; an invoice payment links it). Balances are read per scenario (every id of a
 * scenario carries its own suffix, and so do the entry keys).
 */
@LedgerbridgeTest
class MoneySurfaceEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String BASIL = "2025-03-31.basil";
    static final Instant FINALIZED = Instant.parse("2026-02-02T09:00:00Z");
    static final Instant PAID = Instant.parse("2026-02-03T10:00:00Z");
    static final Instant LATER = Instant.parse("2026-02-20T10:00:00Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    WaitingEvents waitingEvents;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    // ---- the scenario harness -----------------------------------------------------------------

    /** An event to deliver: type, object and API version. */
    record Delivery(String type, ObjectNode object, String apiVersion) {
    }

    static Delivery d(String type, ObjectNode object) {
        return new Delivery(type, object, "2024-06-20");
    }

    static Delivery basil(String type, ObjectNode object) {
        return new Delivery(type, object, BASIL);
    }

    static final List<String> VERSIONS = List.of("2024-06-20", BASIL);

    static Delivery at(String version, String type, ObjectNode object) {
        return new Delivery(type, object, version);
    }

    /**
     * A payment of invoice in_s, as each API version sends it: before basil one charge that names its invoice; from
     * basil on a charge that does not, and the invoice payment that links them.
     */
    static List<Delivery> invoicePaidBy(String version, String s, ObjectNode charge) {
        if (!version.equals(BASIL)) {
            return List.of(at(version, "charge.succeeded", charge));
        }
        ObjectNode basilCharge = charge.deepCopy();
        basilCharge.remove("invoice");
        basilCharge.put("payment_intent", "pi_" + s);
        ObjectNode link = invoicePayment(s, charge.path("amount_captured").asLong());
        link.put("currency", charge.path("currency").asText());
        return List.of(at(version, "charge.succeeded", basilCharge), at(version, "invoice_payment.paid", link));
    }

    /** Delivers each event twice (Stripe redelivers), in the order given; waits until each is settled. */
    List<Long> deliver(List<Delivery> deliveries) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            ObjectNode e = event("evt_" + uid(), delivery.type(), delivery.object(), LATER);
            e.put("api_version", delivery.apiVersion());
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = http.stripe(e.toString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                if (i == 0) {
                    ids.add(JSON.readTree(r.body()).path("id").asLong());
                }
            }
        }
        return ids;
    }

    /** Waits until no event of the list is still on its way (received, published) and returns their statuses. */
    List<String> settled(List<Long> ids) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(jdbc.queryForList("select status from inbox_event where id = any(?)", String.class,
                        (Object) ids.toArray(Long[]::new))).hasSize(ids.size()).doesNotContain("received", "published"));
        return jdbc.queryForList("select status from inbox_event where id = any(?) order by id", String.class,
                (Object) ids.toArray(Long[]::new));
    }

    /** Waits until every event of the list is posted (none waiting) and the ledger stopped moving for the scenario. */
    void allPosted(List<Long> ids) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(150)).untilAsserted(() ->
                assertThat(jdbc.queryForList("select status || ': ' || coalesce(status_reason, '') from inbox_event where id = any(?)",
                        String.class, (Object) ids.toArray(Long[]::new))).allMatch(s -> s.startsWith("posted")));
    }

    /** Balance (debit - credit) of an account over the entries of one scenario, in one currency. */
    long balance(String scenario, String account, String currency) {
        Long v = jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                where e.entry_key like ? and l.account_code = ? and e.currency = ?""", Long.class,
                "%" + scenario + "%", account, currency);
        return v == null ? 0 : v;
    }

    long balance(String scenario, String account) {
        return balance(scenario, account, "USD");
    }

    void assertBalanced() {
        assertThat(jdbc.queryForList("select entry_id from journal_line group by entry_id having sum(debit) <> sum(credit)")).isEmpty();
    }

    static <T> List<List<T>> permutations(List<T> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T first = rest.remove(i);
            for (List<T> p : permutations(rest)) {
                List<T> l = new ArrayList<>();
                l.add(first);
                l.addAll(p);
                out.add(l);
            }
        }
        return out;
    }

    // ---- Stripe objects in the shapes the tests need (built on StripeEvents' 2024 shapes) -------

    static ObjectNode invoiceOf(String s, long amount) {
        return invoice("in_" + s, "cus_" + s, "usd", amount, FINALIZED, FINALIZED, FINALIZED, "prod_setup_fee");
    }

    /** A charge from basil on: it no longer names an invoice. */
    static ObjectNode basilCharge(String s, long amount, Long fee) {
        ObjectNode ch = charge("ch_" + s, "cus_" + s, null, "usd", amount, fee, PAID);
        ch.remove("invoice");
        ch.put("payment_intent", "pi_" + s);
        if (fee != null) {
            ((ObjectNode) ch.get("balance_transaction")).put("id", "txn_" + s);
        } else {
            ch.put("balance_transaction", "txn_" + s);
        }
        return ch;
    }

    static ObjectNode invoicePayment(String s, long amount) {
        ObjectNode ip = JSON.createObjectNode();
        ip.put("id", "inpay_" + s);
        ip.put("object", "invoice_payment");
        ip.put("amount_paid", amount);
        ip.put("amount_requested", amount);
        ip.put("created", PAID.getEpochSecond());
        ip.put("currency", "usd");
        ip.put("invoice", "in_" + s);
        ip.put("is_default", true);
        ip.put("livemode", false);
        ObjectNode payment = ip.putObject("payment");
        payment.put("payment_intent", "pi_" + s);
        payment.put("type", "payment_intent");
        ip.put("status", "paid");
        ObjectNode t = ip.putObject("status_transitions");
        t.putNull("canceled_at");
        t.put("paid_at", PAID.getEpochSecond());
        return ip;
    }

    static ObjectNode paidInvoice(String s, long amount) {
        ObjectNode inv = invoiceOf(s, amount);
        inv.put("status", "paid");
        inv.put("paid", true);
        inv.put("amount_paid", amount);
        inv.put("amount_remaining", 0);
        ((ObjectNode) inv.get("status_transitions")).put("paid_at", PAID.getEpochSecond());
        return inv;
    }

    static ObjectNode dispute(String s, long amount, String status, ObjectNode... balanceTransactions) {
        ObjectNode dp = JSON.createObjectNode();
        dp.put("id", "dp_" + s);
        dp.put("object", "dispute");
        dp.put("amount", amount);
        ArrayNode bts = dp.putArray("balance_transactions");
        for (ObjectNode bt : balanceTransactions) {
            bts.add(bt);
        }
        dp.put("charge", "ch_" + s);
        dp.put("created", LATER.getEpochSecond());
        dp.put("currency", "usd");
        dp.put("is_charge_refundable", false);
        dp.put("livemode", false);
        dp.putObject("metadata");
        dp.put("payment_intent", "pi_" + s);
        dp.put("reason", "fraudulent");
        dp.put("status", status);
        return dp;
    }

    static ObjectNode disputeFunds(String id, long amount, long fee, String category) {
        ObjectNode bt = JSON.createObjectNode();
        bt.put("id", id);
        bt.put("object", "balance_transaction");
        bt.put("amount", amount);
        bt.put("available_on", LATER.getEpochSecond());
        bt.put("created", LATER.getEpochSecond());
        bt.put("currency", "usd");
        bt.put("description", "Chargeback");
        bt.put("fee", fee);
        bt.put("net", amount - fee);
        bt.put("reporting_category", category);
        bt.put("status", "available");
        bt.put("type", "adjustment");
        return bt;
    }

    // ---- payments linked to invoices ------------------------------------------------------------

    @Test
    void workedCheckBasilHoldsInEveryOrder() throws Exception {
        for (List<String> order : permutations(List.of("invoice.finalized", "invoice_payment.paid", "charge.succeeded"))) {
            String s = uid();
            Map<String, Delivery> events = Map.of(
                    "invoice.finalized", basil("invoice.finalized", invoiceOf(s, 25_000)),
                    "invoice_payment.paid", basil("invoice_payment.paid", invoicePayment(s, 25_000)),
                    "charge.succeeded", basil("charge.succeeded", basilCharge(s, 25_000, 755L)));
            List<Long> ids = deliver(order.stream().map(events::get).toList());
            allPosted(ids);
            assertThat(balance(s, "1100")).as(order.toString()).isZero();
            assertThat(balance(s, "1010")).as(order.toString()).isEqualTo(24_245);
            assertThat(balance(s, "2100")).as(order.toString()).isZero();
            assertThat(balance(s, "6000")).as(order.toString()).isEqualTo(755);
        }
        assertBalanced();
    }

    @Test
    void aPaymentIsPostedOnceWhicheverOfItsEventsComesFirstBeforeBasil() throws Exception {
        for (boolean intentFirst : new boolean[] {true, false}) {
            String s = uid();
            ObjectNode intent = JSON.createObjectNode();
            intent.put("id", "pi_" + s);
            intent.put("object", "payment_intent");
            intent.put("amount", 25_000);
            intent.put("amount_received", 25_000);
            intent.put("created", PAID.getEpochSecond());
            intent.put("currency", "usd");
            intent.put("customer", "cus_" + s);
            intent.put("invoice", "in_" + s);
            intent.put("latest_charge", "ch_" + s);
            intent.put("status", "succeeded");
            ObjectNode ch = charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 25_000, 755L, PAID);
            ch.put("payment_intent", "pi_" + s);
            ((ObjectNode) ch.get("balance_transaction")).put("id", "txn_" + s);
            ObjectNode paid = paidInvoice(s, 25_000);
            paid.put("charge", "ch_" + s);
            paid.put("payment_intent", "pi_" + s);
            List<Delivery> order = new ArrayList<>(List.of(d("invoice.paid", paid), d("payment_intent.succeeded", intent),
                    d("charge.succeeded", ch), d("invoice.payment_succeeded", paid)));
            if (!intentFirst) {
                Collections.reverse(order);
            }
            order.add(intentFirst ? 0 : order.size(), d("invoice.finalized", invoiceOf(s, 25_000)));
            List<Long> ids = deliver(order);
            allPosted(ids);
            assertThat(balance(s, "1100")).isZero();
            assertThat(balance(s, "1010")).isEqualTo(24_245);
            assertThat(balance(s, "2100")).isZero();
            assertThat(balance(s, "6000")).isEqualTo(755);
            assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key = ?", Integer.class,
                    "stripe:payment:ch_" + s)).isEqualTo(1);
        }
        assertBalanced();
    }

    @Test
    void aOneOffPaymentIsUnappliedCashUntilAnInvoicePaymentLinksIt() throws Exception {
        String s = uid();
        List<Long> first = deliver(List.of(basil("charge.succeeded", basilCharge(s, 10_000, 320L))));
        allPosted(first);
        assertThat(balance(s, "2100")).isEqualTo(-10_000);
        assertThat(balance(s, "1010")).isEqualTo(9_680);
        List<Long> then = deliver(List.of(basil("invoice.finalized", invoiceOf(s, 10_000)),
                basil("invoice.updated", invoiceOf(s, 10_000)), basil("invoice_payment.paid", invoicePayment(s, 10_000)),
                basil("invoice.paid", paidInvoice(s, 10_000)), basil("invoice.updated", paidInvoice(s, 10_000))));
        allPosted(then);
        assertThat(jdbc.queryForObject("select status_reason from inbox_event where id = ?", String.class, then.get(1)))
                .contains("updated while open");
        assertThat(balance(s, "2100")).isZero();
        assertThat(balance(s, "1100")).isZero();
        assertThat(jdbc.queryForObject("select status from ar_invoice where invoice_id = ?", String.class, "stripe:in_" + s))
                .isEqualTo("paid");
        assertBalanced();
    }

    @Test
    void aBasilInvoicePaidWithNoLinkedPaymentWaitsThenOpensAnException() throws Exception {
        String s = uid();
        List<Long> ids = deliver(List.of(basil("invoice.finalized", invoiceOf(s, 7_000)), basil("invoice.paid", paidInvoice(s, 7_000))));
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select status from inbox_event where id = ?", String.class, ids.get(1))).isEqualTo("waiting"));
        jdbc.update("update received_event set received_at = now() - interval '2 days' where id = ?", ids.get(1));
        waitingEvents.flagOverdue();
        assertThat(jdbc.queryForObject("select summary from exception_item where inbox_event_id = ? and kind = 'dependency_missing'",
                String.class, ids.get(1))).contains("settled:stripe:in_" + s);
        // the payment comes after all: AR closes and the waiting invoice.paid is posted
        allPosted(deliver(List.of(basil("charge.succeeded", basilCharge(s, 7_000, 233L)),
                basil("invoice_payment.paid", invoicePayment(s, 7_000)))));
        allPosted(ids);
        assertThat(balance(s, "1100")).isZero();
    }

    // ---- out of band, credit balance ------------------------------------------------------------

    @Test
    void anInvoicePaidOutOfBandIsSettledThroughOtherReceiptsInEitherOrder() throws Exception {
        for (boolean paidFirst : new boolean[] {false, true}) {
            String s = uid();
            ObjectNode paid = paidInvoice(s, 48_000);
            paid.put("paid_out_of_band", true);
            List<Delivery> order = new ArrayList<>(List.of(d("invoice.finalized", invoiceOf(s, 48_000)), d("invoice.paid", paid)));
            if (paidFirst) {
                Collections.reverse(order);
            }
            allPosted(deliver(order));
            assertThat(balance(s, "1100")).isZero();
            assertThat(balance(s, "1020")).isEqualTo(48_000);
            assertThat(balance(s, "1010")).isZero();
        }
        // basil and later: a payment recorded outside Stripe is an invoice payment of a payment record
        String s = uid();
        ObjectNode ip = invoicePayment(s, 12_000);
        ((ObjectNode) ip.get("payment")).removeAll().put("payment_record", "pr_" + s).put("type", "payment_record");
        allPosted(deliver(List.of(basil("invoice_payment.paid", ip), basil("invoice.finalized", invoiceOf(s, 12_000)))));
        assertThat(balance(s, "1100")).isZero();
        assertThat(balance(s, "1020")).isEqualTo(12_000);
        assertBalanced();
    }

    @Test
    void theCustomerCreditBalancePaysAnInvoiceOnceWhicheverEventReportsIt() throws Exception {
        for (String version : VERSIONS) {
        for (boolean balanceEventFirst : new boolean[] {false, true}) {
            String s = uid();
            ObjectNode credit = JSON.createObjectNode();
            credit.put("id", "cbtxn_" + s + "c");
            credit.put("object", "customer_balance_transaction");
            credit.put("amount", -5_000);
            credit.put("created", FINALIZED.getEpochSecond() - 86_400);
            credit.put("currency", "usd");
            credit.put("customer", "cus_" + s);
            credit.put("description", "Goodwill credit");
            credit.put("ending_balance", -5_000);
            credit.put("type", "adjustment");
            ObjectNode applied = credit.deepCopy();
            applied.put("id", "cbtxn_" + s + "a");
            applied.put("amount", 5_000);
            applied.put("ending_balance", 0);
            applied.put("invoice", "in_" + s);
            applied.put("type", "applied_to_invoice");
            applied.put("created", FINALIZED.getEpochSecond());
            ObjectNode inv = invoiceOf(s, 25_000);
            inv.put("starting_balance", -5_000);
            inv.put("ending_balance", 0);
            inv.put("amount_due", 20_000);
            List<Delivery> order = new ArrayList<>(List.of(at(version, "customer.balance_transaction.created", credit),
                    at(version, "invoice.finalized", inv), at(version, "customer.balance_transaction.created", applied)));
            if (balanceEventFirst) {
                Collections.swap(order, 1, 2);
            }
            order.addAll(invoicePaidBy(version, s, charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 20_000, 610L, PAID)));
            allPosted(deliver(order));
            assertThat(balance(s, "1100")).isZero();
            assertThat(balance(s, "2100")).isZero();
            assertThat(balance(s, "4900")).isEqualTo(5_000);
            assertThat(balance(s, "1010")).isEqualTo(20_000 - 610);
            assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key = ?", Integer.class,
                    "stripe:credit_applied:in_" + s)).isEqualTo(1);
        }
        }
        assertBalanced();
    }

    // ---- authorise then capture, fees that come late ------------------------------------------

    @Test
    void anAuthorisedChargeIsPostedWhenCapturedAndItsRefundFollowsInEitherOrder() throws Exception {
        for (String version : VERSIONS) {
        for (boolean captureFirst : new boolean[] {false, true}) {
            String s = uid();
            ObjectNode authorised = charge("ch_" + s, "cus_" + s, null, "usd", 20_000, null, PAID);
            authorised.put("captured", false);
            authorised.put("amount_captured", 0);
            authorised.putNull("balance_transaction");
            ObjectNode captured = charge("ch_" + s, "cus_" + s, null, "usd", 20_000, 465L, PAID);
            captured.put("amount_captured", 15_000);
            ((ObjectNode) captured.get("balance_transaction")).put("id", "txn_" + s).put("amount", 15_000);
            List<Delivery> order = new ArrayList<>(List.of(at(version, "charge.succeeded", authorised),
                    at(version, "charge.captured", captured), at(version, "refund.created", refund("re_" + s, "ch_" + s, "usd", 5_000, LATER))));
            if (captureFirst) {
                Collections.swap(order, 0, 1);
            }
            List<Long> ids = deliver(order);
            allPosted(ids);
            assertThat(balance(s, "1010")).isEqualTo(15_000 - 465 - 5_000);
            assertThat(balance(s, "2100")).isEqualTo(-10_000);
            assertThat(jdbc.queryForObject("select status_reason from inbox_event where id = ?", String.class, ids.get(captureFirst ? 1 : 0)))
                    .contains("authorised, not captured");
        }
        }
        assertBalanced();
    }

    @Test
    void aFeeMissingFromTheWebhookIsPostedOnceFromChargeUpdatedTheApiOrThePayout() throws Exception {
        // from charge.updated (capture_method automatic_async: no balance transaction at first)
        String s = uid();
        ObjectNode pending = charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 30_000, null, PAID);
        pending.putNull("balance_transaction");
        ObjectNode updated = charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 30_000, 900L, PAID);
        ((ObjectNode) updated.get("balance_transaction")).put("id", "txn_" + s);
        allPosted(deliver(List.of(d("invoice.finalized", invoiceOf(s, 30_000)), d("charge.succeeded", pending))));
        assertThat(jdbc.queryForObject("select fee_status from ar_payment where payment_id = ?", String.class, "stripe:ch_" + s))
                .isEqualTo("unknown");
        allPosted(deliver(List.of(d("charge.updated", updated), d("charge.updated", updated))));
        assertThat(balance(s, "6000")).isEqualTo(900);
        assertThat(balance(s, "1010")).isEqualTo(29_100);

        // from the Stripe API, read by charge id (expand[]=balance_transaction) when the webhook has none
        String a = uid();
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/charges/ch_" + a)).willReturn(okJson(
                charge("ch_" + a, "cus_" + a, null, "usd", 8_000, 262L, PAID).toString())));
        ObjectNode noTxn = charge("ch_" + a, "cus_" + a, null, "usd", 8_000, null, PAID);
        noTxn.putNull("balance_transaction");
        allPosted(deliver(List.of(d("charge.succeeded", noTxn))));
        assertThat(balance(a, "6000")).isEqualTo(262);

        // at the latest from the payout's balance transactions
        String p = uid();
        ObjectNode late = charge("ch_" + p, "cus_" + p, null, "usd", 12_000, null, PAID);
        late.putNull("balance_transaction");
        allPosted(deliver(List.of(d("charge.succeeded", late))));
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/balance_transactions"))
                .withQueryParam("payout", com.github.tomakehurst.wiremock.client.WireMock.equalTo("po_" + p))
                .willReturn(okJson("""
                        {"object": "list", "url": "/v1/balance_transactions", "has_more": false, "data": [
                          {"id": "txn_%1$s", "object": "balance_transaction", "amount": 12000, "currency": "usd", "fee": 378,
                           "net": 11622, "source": "ch_%1$s", "type": "charge", "reporting_category": "charge",
                           "status": "available", "created": 1770112800, "available_on": 1770285600}]}""".formatted(p))));
        allPosted(deliver(List.of(d("payout.paid", payout("po_" + p, "usd", 11_622, LATER)))));
        assertThat(balance(p, "6000")).isEqualTo(378);
        assertThat(balance(p, "1010")).isEqualTo(12_000 - 378 - 11_622);
        assertThat(balance(p, "1000")).isEqualTo(11_622);
        assertBalanced();
    }

    @Test
    void aFeeStillUnknownADayAfterItsChargeOpensOneException() throws Exception {
        String s = uid();
        ObjectNode noTxn = charge("ch_" + s, "cus_" + s, null, "usd", 4_000, null, PAID);
        noTxn.putNull("balance_transaction");
        allPosted(deliver(List.of(d("charge.succeeded", noTxn))));
        waitingEvents.flagUnknownFees();
        waitingEvents.flagUnknownFees();
        assertThat(jdbc.queryForList("select summary from exception_item where kind = 'fee_unknown' and details->>'payment' = ?",
                String.class, "stripe:ch_" + s)).singleElement().asString().contains("ch_" + s).contains("still unknown");
    }

    // ---- disputes -------------------------------------------------------------------------------

    @Test
    void aDisputeLostTakesTheAmountOutOfRevenueInEitherOrder() throws Exception {
        for (String version : VERSIONS) {
        for (boolean closedFirst : new boolean[] {false, true}) {
            String s = uid();
            ObjectNode withdrawal = disputeFunds("txn_" + s + "w", -10_000, 1_500, "dispute");
            List<Delivery> order = new ArrayList<>(List.of(
                    at(version, "charge.dispute.created", dispute(s, 10_000, "needs_response", withdrawal)),
                    at(version, "charge.dispute.funds_withdrawn", dispute(s, 10_000, "needs_response", withdrawal)),
                    at(version, "charge.dispute.closed", dispute(s, 10_000, "lost", withdrawal))));
            if (closedFirst) {
                Collections.reverse(order);
            }
            order.add(0, at(version, "invoice.finalized", invoiceOf(s, 10_000)));
            // in the second order the payment comes last: the loss waits for it, the funds do not
            order.addAll(closedFirst ? order.size() : 1,
                    invoicePaidBy(version, s, charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 10_000, 320L, PAID)));
            allPosted(deliver(order));
            assertThat(balance(s, "1060")).isZero();
            assertThat(balance(s, "6200")).isEqualTo(1_500);
            assertThat(balance(s, "4900")).isEqualTo(10_000);
            assertThat(balance(s, "1010")).isEqualTo(10_000 - 320 - 10_000 - 1_500);
            assertThat(balance(s, "1100")).isZero();
            assertThat(balance(s, "2100")).isZero();
        }
        }
        assertBalanced();
    }

    @Test
    void aDisputeWonReinstatesTheFundsAndAnInquiryMovesNothing() throws Exception {
        for (String version : VERSIONS) {
        String s = uid();
        ObjectNode withdrawal = disputeFunds("txn_" + s + "w", -10_000, 1_500, "dispute");
        ObjectNode reinstated = disputeFunds("txn_" + s + "r", 10_000, -1_500, "dispute_reversal");
        allPosted(deliver(List.of(at(version, "charge.succeeded", charge("ch_" + s, "cus_" + s, null, "usd", 10_000, 320L, PAID)),
                at(version, "charge.dispute.closed", dispute(s, 10_000, "won", withdrawal, reinstated)),
                at(version, "charge.dispute.funds_withdrawn", dispute(s, 10_000, "under_review", withdrawal)),
                at(version, "charge.dispute.funds_reinstated", dispute(s, 10_000, "won", withdrawal, reinstated)))));
        assertThat(balance(s, "1060")).isZero();
        assertThat(balance(s, "6200")).isZero();
        assertThat(balance(s, "1010")).isEqualTo(10_000 - 320);
        }

        String q = uid();
        List<Long> inquiry = deliver(List.of(d("charge.dispute.created", dispute(q, 2_000, "warning_needs_response"))));
        allPosted(inquiry);
        assertThat(jdbc.queryForObject("select status_reason from inbox_event where id = ?", String.class, inquiry.get(0)))
                .contains("no funds moved");
        assertThat(balance(q, "1060")).isZero();
    }

    // ---- payouts, settlement in another currency ------------------------------------------------

    @Test
    void aPayoutThatFailsAfterItWasPaidIsReversedInEitherOrder() throws Exception {
        for (String version : VERSIONS) {
        for (boolean failedFirst : new boolean[] {false, true}) {
            String s = uid();
            ObjectNode failed = payout("po_" + s, "usd", 50_000, LATER);
            failed.put("status", "failed");
            failed.put("failure_code", "account_closed");
            List<Delivery> order = new ArrayList<>(List.of(at(version, "payout.paid", payout("po_" + s, "usd", 50_000, LATER)),
                    at(version, "payout.failed", failed)));
            if (failedFirst) {
                Collections.reverse(order);
            }
            allPosted(deliver(order));
            assertThat(balance(s, "1000")).isZero();
            assertThat(balance(s, "1010")).isZero();
            assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key like ?", Integer.class,
                    "stripe:payout:po_" + s + "%")).isEqualTo(2);
        }
        }
        String s = uid();
        ObjectNode inTransit = payout("po_" + s, "usd", 9_000, LATER);
        inTransit.put("status", "in_transit");
        List<Long> ids = deliver(List.of(d("payout.updated", inTransit)));
        allPosted(ids);
        assertThat(balance(s, "1000")).isZero();
        assertThat(jdbc.queryForObject("select status_reason from inbox_event where id = ?", String.class, ids.get(0)))
                .contains("in_transit");
        assertBalanced();
    }

    @Test
    void aChargeSettledInAnotherCurrencyBalancesInEachCurrencyKnownAtOnceOrLater() throws Exception {
        for (String version : VERSIONS) {
        for (boolean knownLater : new boolean[] {false, true}) {
            String s = uid();
            ObjectNode inv = invoice("in_" + s, "cus_" + s, "eur", 10_000, FINALIZED, FINALIZED, FINALIZED, "prod_setup_fee");
            ObjectNode settled = charge("ch_" + s, "cus_" + s, "in_" + s, "eur", 10_000, 350L, PAID);
            ((ObjectNode) settled.get("balance_transaction")).put("id", "txn_" + s).put("currency", "usd").put("amount", 10_800)
                    .put("net", 10_450).put("exchange_rate", 1.08);
            List<Delivery> order = new ArrayList<>(List.of(at(version, "invoice.finalized", inv)));
            if (knownLater) {
                ObjectNode unsettled = charge("ch_" + s, "cus_" + s, "in_" + s, "eur", 10_000, null, PAID);
                unsettled.putNull("balance_transaction");
                order.addAll(invoicePaidBy(version, s, unsettled));
                ObjectNode updated = settled.deepCopy();
                if (version.equals(BASIL)) {
                    updated.remove("invoice");
                    updated.put("payment_intent", "pi_" + s);
                }
                order.add(at(version, "charge.updated", updated));
            } else {
                order.addAll(invoicePaidBy(version, s, settled));
            }
            allPosted(deliver(order));
            assertThat(balance(s, "1100", "EUR")).isZero();
            assertThat(balance(s, "1030", "EUR")).isEqualTo(10_000);
            assertThat(balance(s, "1010", "EUR")).isZero();
            assertThat(balance(s, "1010", "USD")).isEqualTo(10_800 - 350);
            assertThat(balance(s, "1030", "USD")).isEqualTo(-10_800);
            assertThat(balance(s, "6000", "USD")).isEqualTo(350);
        }
        }
        assertBalanced();
    }

    // ---- nothing silently ignored, invoices with more lines ------------------------------------

    @Test
    void aMoneyMovingEventWithoutARuleOpensAnException() throws Exception {
        String s = uid();
        ObjectNode cn = JSON.createObjectNode();
        cn.put("id", "cn_" + s);
        cn.put("object", "credit_note");
        cn.put("amount", 1_000);
        cn.put("currency", "usd");
        cn.put("customer", "cus_" + s);
        cn.put("invoice", "in_" + s);
        cn.put("status", "void");
        cn.put("total", 1_000);
        cn.put("type", "pre_payment");
        List<Long> ids = deliver(List.of(d("credit_note.voided", cn)));
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select status from inbox_event where id = ?", String.class, ids.get(0))).isEqualTo("exception"));
        assertThat(jdbc.queryForObject("select summary from exception_item where inbox_event_id = ? and kind = 'no_posting_rule'",
                String.class, ids.get(0))).contains("credit_note.voided").contains("moves money");
    }

    @Test
    void anInvoiceWithMoreLinesThanItsWebhookListsIsCompletedThroughTheApi() throws Exception {
        String s = uid();
        ObjectNode inv = invoiceOf(s, 30_000);
        ObjectNode lines = (ObjectNode) inv.get("lines");
        ObjectNode first = (ObjectNode) lines.get("data").get(0);
        first.put("amount", 10_000);
        lines.put("has_more", true);
        lines.put("total_count", 2);
        ObjectNode second = first.deepCopy();
        second.put("id", "il_" + s + "b");
        second.put("amount", 20_000);
        ArrayNode all = JSON.createArrayNode().add(first).add(second);
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/invoices/in_" + s + "/lines")).willReturn(okJson(
                JSON.createObjectNode().put("object", "list").put("url", "/v1/invoices/in_" + s + "/lines").put("has_more", false)
                        .set("data", all).toString())));
        allPosted(deliver(List.of(d("invoice.finalized", inv))));
        assertThat(balance(s, "1100")).isEqualTo(30_000);
        assertThat(jdbc.queryForObject("select count(*) from invoice_line where invoice_id = ?", Integer.class, "stripe:in_" + s))
                .isEqualTo(2);

        // without the lines (the API does not know the invoice), it is held for a person, naming why
        String h = uid();
        ObjectNode partial = invoiceOf(h, 30_000);
        ((ObjectNode) partial.get("lines").get("data").get(0)).put("amount", 10_000);
        ((ObjectNode) partial.get("lines")).put("has_more", true);
        List<Long> held = deliver(List.of(d("invoice.finalized", partial)));
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select status from inbox_event where id = ?", String.class, held.get(0))).isEqualTo("exception"));
        assertThat(jdbc.queryForObject("select summary from exception_item where inbox_event_id = ?", String.class, held.get(0)))
                .contains("in_" + h).contains("lines.has_more");
    }

    // ---- conflicts ------------------------------------------------------------------------------

    @Test
    void anInvoiceOrPaymentPostedBeforeWithAnotherAmountIsAConflictAPersonSees() throws Exception {
        String s = uid();
        double before = meters.counter("ledgerbridge.ledger.payload.conflicts", "source", "stripe", "object", "invoice").count();
        allPosted(deliver(List.of(d("invoice.finalized", invoiceOf(s, 10_000)),
                d("charge.succeeded", charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 10_000, 300L, PAID)))));
        // the same invoice and payment again, under new event ids, with other amounts
        List<Long> again = deliver(List.of(d("invoice.finalized", invoiceOf(s, 12_000)),
                d("charge.succeeded", charge("ch_" + s, "cus_" + s, "in_" + s, "usd", 9_000, 300L, PAID))));
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select status from inbox_event where id = any(?)", String.class, (Object) again.toArray(Long[]::new)))
                .containsOnly("exception"));
        Map<String, Object> invoiceConflict = jdbc.queryForMap(
                "select summary, details::text as details from exception_item where inbox_event_id = ? and kind = 'payload_conflict'",
                again.get(0));
        assertThat((String) invoiceConflict.get("summary")).contains("in_" + s).contains("10000").contains("12000");
        com.fasterxml.jackson.databind.JsonNode details = JSON.readTree((String) invoiceConflict.get("details"));
        assertThat(JSON.readTree(details.path("postedBody").asText()).path("data").path("object").path("total").asLong()).isEqualTo(10_000);
        assertThat(JSON.readTree(details.path("deliveredBody").asText()).path("data").path("object").path("total").asLong()).isEqualTo(12_000);
        assertThat(jdbc.queryForObject("select summary from exception_item where inbox_event_id = ? and kind = 'payload_conflict'",
                String.class, again.get(1))).contains("ch_" + s).contains("9000");
        // nothing moved: the ledger is the first delivery's
        assertThat(balance(s, "1100")).isZero();
        assertThat(balance(s, "1010")).isEqualTo(10_000 - 300);
        // the event's trace shows it, and it is counted
        HttpResponse<String> trace = http.get("/api/events/" + again.get(0), "viewer", "viewer-test");
        assertThat(JSON.readTree(trace.body()).path("exceptions").toString()).contains("payload_conflict");
        assertThat(meters.counter("ledgerbridge.ledger.payload.conflicts", "source", "stripe", "object", "invoice").count())
                .isEqualTo(before + 1);
    }
}
