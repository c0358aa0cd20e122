package io.ledgerbridge.pipeline;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.refund;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The spine end to end, over real HTTP, the embedded Kafka broker and PostgreSQL: signed Stripe
 * webhooks -> inbox -> Kafka -> canonical -> Kafka -> ledger, with the worked example of
 * accounting.md to the cent, out-of-order delivery, duplicates, ignored types and dead letters.
 */
@LedgerbridgeTest
class StripeToLedgerEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant PERIOD_START = Instant.parse("2026-01-15T00:00:00Z");
    private static final Instant PERIOD_END = Instant.parse("2027-01-15T00:00:00Z");
    private static final Instant INVOICED = Instant.parse("2026-01-15T09:00:00Z");
    private static final Instant PAID = Instant.parse("2026-01-20T10:30:00Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private long send(String type, ObjectNode object, Instant created) throws Exception {
        String body = event("evt_" + uid(), type, object, created).toString();
        HttpResponse<String> r = http.stripe(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("id").asLong();
    }

    private void awaitStatus(long inboxId, String... statuses) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("select status from inbox_event where id = ?", String.class, inboxId))
                        .isIn((Object[]) statuses));
    }

    /** Signed balance (debit - credit) of an account over the entries of one Stripe customer. */
    private long balance(String stripeCustomer, String account) {
        Long v = jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l
                join journal_entry e on e.id = l.entry_id
                join customer_xref x on x.customer_id = e.customer_id and x.system = 'stripe'
                where x.external_id = ? and l.account_code = ?""", Long.class, stripeCustomer, account);
        return v == null ? 0 : v;
    }

    private int entries(String stripeCustomer) {
        return jdbc.queryForObject("""
                select count(*) from journal_entry e join customer_xref x on x.customer_id = e.customer_id
                where x.system = 'stripe' and x.external_id = ?""", Integer.class, stripeCustomer);
    }

    private void assertEveryEntryBalances() {
        List<Map<String, Object>> unbalanced = jdbc.queryForList("""
                select entry_id, sum(debit) d, sum(credit) c from journal_line group by entry_id
                having sum(debit) <> sum(credit)""");
        assertThat(unbalanced).isEmpty();
    }

    @Test
    void workedExampleOfAccountingMdToTheCent() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        long invoiceEvent = send("invoice.finalized",
                invoice(inv, cus, "usd", 1_200_000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED);
        awaitStatus(invoiceEvent, "posted");
        long paymentEvent = send("charge.succeeded", charge("ch_" + uid(), cus, inv, "usd", 1_200_000, 34_830L, PAID), PAID);
        awaitStatus(paymentEvent, "posted");

        assertThat(balance(cus, "1100")).isZero();
        assertThat(balance(cus, "2000")).isEqualTo(-1_200_000);
        assertThat(balance(cus, "1010")).isEqualTo(1_200_000 - 34_830);
        assertThat(balance(cus, "6000")).isEqualTo(34_830);
        assertThat(entries(cus)).isEqualTo(3); // invoice, payment, fee
        String invoiceDate = jdbc.queryForObject("""
                select entry_date::text from journal_entry where entry_key like ? and posting_rule is not null""",
                String.class, "%" + inv + "%finalized");
        assertThat(invoiceDate).isEqualTo("2026-01-15");
        assertEveryEntryBalances();
    }

    @Test
    void aPaymentBeforeItsInvoiceEndsTheSameAsInOrder() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        long paymentEvent = send("charge.succeeded", charge("ch_" + uid(), cus, inv, "usd", 1_200_000, 34_830L, PAID), PAID);
        awaitStatus(paymentEvent, "waiting");
        long invoiceEvent = send("invoice.finalized",
                invoice(inv, cus, "usd", 1_200_000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED);
        awaitStatus(invoiceEvent, "posted");
        awaitStatus(paymentEvent, "posted");
        assertThat(balance(cus, "1100")).isZero();
        assertThat(balance(cus, "2100")).isZero();
        assertThat(balance(cus, "1010")).isEqualTo(1_200_000 - 34_830);
        assertThat(balance(cus, "2000")).isEqualTo(-1_200_000);
        assertEveryEntryBalances();
    }

    @Test
    void eachEventDeliveredFiveTimesConcurrentlyPostsOnce() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        List<String> bodies = List.of(
                event("evt_" + uid(), "invoice.finalized",
                        invoice(inv, cus, "usd", 500_000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED).toString(),
                event("evt_" + uid(), "charge.succeeded",
                        charge("ch_" + uid(), cus, inv, "usd", 500_000, 14_530L, PAID), PAID).toString());
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Long> ids = new ArrayList<>();
        try {
            for (String body : bodies) {
                List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    calls.add(() -> http.stripe(body));
                }
                for (var f : pool.invokeAll(calls)) {
                    assertThat(f.get().statusCode()).isEqualTo(200);
                    ids.add(JSON.readTree(f.get().body()).path("id").asLong());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ids.stream().distinct()).hasSize(2);
        ids.stream().distinct().forEach(id -> awaitStatus(id, "posted"));
        assertThat(entries(cus)).isEqualTo(3);
        assertThat(balance(cus, "1100")).isZero();
        assertThat(balance(cus, "1010")).isEqualTo(500_000 - 14_530);
    }

    @Test
    void refundAndPayoutPostPerTheRules() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        String ch = "ch_" + uid();
        awaitStatus(send("invoice.finalized",
                invoice(inv, cus, "usd", 1_200_000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED), "posted");
        awaitStatus(send("charge.succeeded", charge(ch, cus, inv, "usd", 1_200_000, 34_830L, PAID), PAID), "posted");
        Instant refunded = Instant.parse("2026-02-10T16:00:00Z");
        awaitStatus(send("refund.created", refund("re_" + uid(), ch, "usd", 100_000, refunded), refunded), "posted");
        // earned through 2026-02-10: 27 of 365 days, round_half_up(1,200,000 * 27 / 365) = 88,767;
        // the refund splits pro rata: 100,000 * 88,767 / 1,200,000 = 7,397.25 -> 7,397 contra revenue, 92,603 deferred
        assertThat(balance(cus, "4900")).isEqualTo(7_397);
        assertThat(balance(cus, "2000")).isEqualTo(-1_200_000 + 92_603);
        assertThat(balance(cus, "1010")).isEqualTo(1_200_000 - 34_830 - 100_000);

        String po = "po_" + uid();
        long payoutEvent = send("payout.paid", payout(po, "usd", 1_065_170, Instant.parse("2026-02-12T00:00:00Z")),
                Instant.parse("2026-02-12T00:00:00Z"));
        awaitStatus(payoutEvent, "posted");
        List<Map<String, Object>> lines = jdbc.queryForList("""
                select l.account_code, l.debit, l.credit from journal_line l join journal_entry e on e.id = l.entry_id
                where e.entry_key like ? order by l.line_no""", "%" + po + "%");
        assertThat(lines).hasSize(2);
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.get("account_code")).isEqualTo("1000");
            assertThat(((Number) l.get("debit")).longValue()).isEqualTo(1_065_170);
        });
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.get("account_code")).isEqualTo("1010");
            assertThat(((Number) l.get("credit")).longValue()).isEqualTo(1_065_170);
        });
        assertEveryEntryBalances();
    }

    @Test
    void informationalAndUnknownEventTypesAreRecordedAsIgnored() throws Exception {
        String cus = "cus_" + uid();
        ObjectNode draft = invoice("in_" + uid(), cus, "usd", 1000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual");
        long created = send("invoice.created", draft, INVOICED);
        long unknown = send("climate.order.delivered", JSON.createObjectNode().put("id", "climorder_" + uid())
                .put("object", "climate.order"), INVOICED);
        awaitStatus(created, "ignored");
        awaitStatus(unknown, "ignored");
        assertThat(jdbc.queryForObject("select status_reason from inbox_event where id = ?", String.class, unknown))
                .isNotBlank();
        assertThat(entries(cus)).isZero();
    }

    @Test
    void anEventThatCannotBeMappedIsDeadLetteredWithItsReasonAndCanBeFoundAgain() throws Exception {
        String cus = "cus_" + uid();
        ObjectNode bad = charge("ch_" + uid(), cus, null, "usd", 1000, null, PAID);
        bad.put("amount", "one thousand");
        bad.put("amount_captured", "one thousand");
        long id = send("charge.succeeded", bad, PAID);
        awaitStatus(id, "dead_lettered");
        Map<String, Object> dl = jdbc.queryForMap(
                "select replay_uri, error_message, payload, status from dead_letter where inbox_event_id = ?", id);
        assertThat(dl.get("status")).isEqualTo("open");
        assertThat((String) dl.get("replay_uri")).startsWith("kafka:");
        assertThat((String) dl.get("error_message")).isNotBlank();
        JsonNode original = JSON.readTree((String) dl.get("payload"));
        assertThat(original.path("inboxId").asLong()).isEqualTo(id);
        assertThat(entries(cus)).isZero();
    }

    @Test
    void aShortPaymentLeavesTheRemainderOpenWithAnExceptionAndAnOverpaymentGoesToUnappliedCash() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        awaitStatus(send("invoice.finalized",
                invoice(inv, cus, "usd", 100_000, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED), "posted");
        long shortPay = send("charge.succeeded", charge("ch_" + uid(), cus, inv, "usd", 60_000, null, PAID), PAID);
        awaitStatus(shortPay, "posted");
        assertThat(balance(cus, "1100")).isEqualTo(40_000);
        Map<String, Object> exception = jdbc.queryForMap(
                "select kind, status, summary from exception_item where inbox_event_id = ?", shortPay);
        assertThat(exception.get("kind")).isEqualTo("short_payment");
        assertThat(exception.get("status")).isEqualTo("open");
        assertThat((String) exception.get("summary")).contains("40000");

        long overPay = send("charge.succeeded", charge("ch_" + uid(), cus, inv, "usd", 50_000, null, PAID), PAID);
        awaitStatus(overPay, "posted");
        assertThat(balance(cus, "1100")).isZero();
        assertThat(balance(cus, "2100")).isEqualTo(-10_000);
        assertThat(balance(cus, "1010")).isEqualTo(110_000);
        assertEveryEntryBalances();
    }

    @Test
    void postedEntriesAreImmutableAndTheDatabaseRefusesAnUnbalancedEntry() throws Exception {
        String cus = "cus_" + uid();
        awaitStatus(send("invoice.finalized", invoice("in_" + uid(), cus, "usd", 5_000, PERIOD_START, PERIOD_END, INVOICED,
                "prod_platform_annual"), INVOICED), "posted");
        Long lineId = jdbc.queryForObject("""
                select l.id from journal_line l join journal_entry e on e.id = l.entry_id
                join customer_xref x on x.customer_id = e.customer_id where x.external_id = ? limit 1""", Long.class, cus);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.update("update journal_line set debit = debit + 1 where id = ?", lineId))
                .hasMessageContaining("immutable");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.update("delete from journal_line where id = ?", lineId))
                .hasMessageContaining("immutable");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.execute("""
                with e as (insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule)
                           values ('test:unbalanced:%s', date '2026-01-01', 'USD', 'x', 'test') returning id)
                insert into journal_line (entry_id, line_no, account_code, debit, credit)
                select id, 1, '1100', 100, 0 from e union all select id, 2, '4000', 0, 99 from e""".formatted(uid())))
                .hasMessageContaining("does not balance");
    }

    @Test
    void theDatabaseRefusesALineNamingAnUnknownAccountOrEntry() {
        String key = "test:references:" + uid();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.execute("""
                with e as (insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule)
                           values ('%s', date '2026-01-01', 'USD', 'x', 'test') returning id)
                insert into journal_line (entry_id, line_no, account_code, debit, credit)
                select id, 1, '1100', 100, 0 from e union all select id, 2, '9999', 0, 100 from e""".formatted(key)))
                .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class)
                .hasMessageContaining("journal_line_account_code_fkey");
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key = ?", Integer.class, key))
                .as("the entry went with its refused lines").isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.execute("""
                insert into journal_line (entry_id, line_no, account_code, debit, credit)
                values (-1, 1, '1100', 100, 0), (-1, 2, '4000', 0, 100)"""))
                .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class)
                .hasMessageContaining("journal_line_entry_id_fkey");
    }

    @Test
    void aReplayedDeadLetterRunsAgainFromItsStoredOriginal() throws Exception {
        String cus = "cus_" + uid();
        ObjectNode bad = charge("ch_" + uid(), cus, null, "usd", 1000, null, PAID);
        bad.put("amount", "one thousand");
        bad.put("amount_captured", "one thousand");
        long id = send("charge.succeeded", bad, PAID);
        awaitStatus(id, "dead_lettered");
        long deadLetter = jdbc.queryForObject("select id from dead_letter where inbox_event_id = ?", Long.class, id);
        HttpResponse<String> replay = http.postAs("/api/dead-letters/" + deadLetter + "/replay", "admin", "admin-test", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        // the original went back through the canonical stage and, still unmappable, was dead-lettered again
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("select count(*) from dead_letter where inbox_event_id = ?", Integer.class, id))
                        .isEqualTo(2));
        assertThat(jdbc.queryForObject("select status from dead_letter where id = ?", String.class, deadLetter)).isEqualTo("replayed");
        awaitStatus(id, "dead_lettered");
        HttpResponse<String> trace = http.get("/api/events/" + id, "viewer", "viewer-test");
        JsonNode t = JSON.readTree(trace.body());
        assertThat(t.path("deadLetters")).hasSize(2);
        assertThat(t.path("audit").toString()).contains("replayed");
        long second = jdbc.queryForObject("select max(id) from dead_letter where inbox_event_id = ?", Long.class, id);
        assertThat(http.postAs("/api/dead-letters/" + second + "/discard", "admin", "admin-test", "{\"reason\":\"test data\"}")
                .statusCode()).isEqualTo(200);
        awaitStatus(id, "discarded");
    }

    @Autowired
    io.ledgerbridge.ledger.WaitingEvents waitingEvents;

    @Test
    void anEventWaitingTooLongOpensOneExceptionAndStillPostsWhenItsInvoiceComes() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        long payment = send("charge.succeeded", charge("ch_" + uid(), cus, inv, "usd", 9_000, null, PAID), PAID);
        awaitStatus(payment, "waiting");
        jdbc.update("update received_event set received_at = now() - interval '2 days' where id = ?", payment);
        waitingEvents.flagOverdue();
        waitingEvents.flagOverdue();
        assertThat(jdbc.queryForObject("select count(*) from exception_item where inbox_event_id = ? and kind = 'dependency_missing'",
                Integer.class, payment)).isEqualTo(1);
        awaitStatus(send("invoice.finalized", invoice(inv, cus, "usd", 9_000, PERIOD_START, PERIOD_END, INVOICED,
                "prod_platform_annual"), INVOICED), "posted");
        awaitStatus(payment, "posted");
        assertThat(balance(cus, "1100")).isZero();
    }
}
