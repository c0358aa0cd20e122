package io.ledgerbridge.usage;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.ledgerbridge.support.ContractFixtures;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.MutableClock;
import io.ledgerbridge.support.StripeEvents;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Usage to cash: a signed contract's usage prices rate a month of usage at period close; the charge is
 * accrued (1150 / 4100), pushed to Stripe once as an invoice item, and relieved from 1150 when the
 * Stripe invoice that bills it is finalized. The product's clock is put in November 2026 for the
 * usage and the close, so October is over (and not before) whatever the day the test runs.
 */
@LedgerbridgeTest
class UsagePeriodCloseTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(45);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MutableClock clock;

    @AfterEach
    void systemTime() {
        clock.reset();
    }

    @Test
    void aMonthOfUsageIsRatedAccruedPushedOnceAndRelievedByItsInvoice() throws Exception {
        ContractFixtures.Acme a = ContractFixtures.acme("Pied Piper " + uid() + " Inc");
        ContractFixtures.salesforce(port, a.deal());
        ContractFixtures.docusign(port, a.contract());
        await().atMost(WAIT).until(() -> "active".equals(jdbc.queryForList("select status from contract where id = ?", String.class,
                a.contractId()).stream().findFirst().orElse(null)));
        String customer = jdbc.queryForObject("select customer_id from contract where id = ?", String.class, a.contractId());
        String stripeCustomer = jdbc.queryForObject("select external_id from customer_xref where customer_id = ? and system = 'stripe'",
                String.class, customer);

        clock.setTo(Instant.parse("2026-11-15T00:00:00Z"));
        // October: 1,200,000 API calls (one delivered twice), one negative row held, and a metric the contract does not price
        String u = uid();
        String csv = "event_id,customer,metric,quantity,timestamp\n"
                + "oct-" + u + "-1," + customer + ",api_calls,600000,2026-10-03T10:00:00Z\n"
                + "oct-" + u + "-2," + customer + ",api_calls,500000,2026-10-17T10:00:00Z\n"
                + "oct-" + u + "-2," + customer + ",api_calls,500000,2026-10-17T10:00:00Z\n"
                + "oct-" + u + "-3," + customer + ",api_calls,100000,2026-10-31T23:59:59Z\n"
                + "oct-" + u + "-4," + customer + ",api_calls,-5,2026-10-20T10:00:00Z\n"
                + "oct-" + u + "-5," + customer + ",seats,12,2026-10-20T10:00:00Z\n"
                + "nov-" + u + "-1," + customer + ",api_calls,999,2026-11-01T00:00:00Z\n";
        HttpResponse<String> sent = new Http(port).post("/usage", "text/csv", csv, "X-Api-Key", "usage-test-key");
        assertThat(sent.body()).contains("\"accepted\":5", "\"duplicates\":1", "\"held\":1");

        Http http = new Http(port);
        // the last minute of October: the period is not over yet
        clock.setTo(Instant.parse("2026-10-31T23:59:00Z"));
        assertThat(http.postAs("/api/usage/close?period=2026-10", "admin", "admin-test", null).statusCode()).isEqualTo(409);
        clock.setTo(Instant.parse("2026-11-01T00:00:00Z"));
        HttpResponse<String> closed = http.postAs("/api/usage/close?period=2026-10", "admin", "admin-test", null);
        assertThat(closed.statusCode()).isEqualTo(200);
        JsonNode result = JSON.readTree(closed.body());
        assertThat(result.path("unpriced").asInt()).isGreaterThanOrEqualTo(1);

        // graduated: 100,000 free, 900,000 at USD 0.002, 200,000 at USD 0.001 = USD 2,000.00; minimum 100.00 is met
        Map<String, Object> charge = jdbc.queryForMap(
                "select id, quantity, events, amount, currency, accrual_entry_id, stripe_invoice_item from usage_charge where customer_id = ?",
                customer);
        assertThat(charge.get("quantity")).isEqualTo(1_200_000L);
        assertThat(charge.get("events")).isEqualTo(3L);
        assertThat(charge.get("amount")).isEqualTo(200_000L);
        assertThat(jdbc.queryForObject("select count(*) from usage_charge where customer_id = ?", Integer.class, customer)).isEqualTo(1);
        assertThat(jdbc.queryForList("""
                select l.account_code || ':' || l.debit || ':' || l.credit from journal_line l join journal_entry e on e.id = l.entry_id
                where e.id = ? order by l.line_no""", String.class, charge.get("accrual_entry_id")))
                .containsExactly("1150:200000:0", "4100:0:200000");
        assertThat(jdbc.queryForObject("select entry_date::text from journal_entry where id = ?", String.class, charge.get("accrual_entry_id")))
                .isEqualTo("2026-10-31");
        assertThat(jdbc.queryForObject("select count(*) from exception_item where kind = 'usage_unpriced' and customer_id = ?",
                Integer.class, customer)).isEqualTo(1);

        String key = "lb-usage-charge-" + charge.get("id");
        List<LoggedRequest> pushes = FakeSaas.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withHeader("Idempotency-Key", equalTo(key)));
        assertThat(pushes).hasSize(1);
        assertThat(pushes.get(0).getBodyAsString()).contains("customer=" + stripeCustomer, "amount=200000", "currency=usd",
                "metadata[metric]=api_calls", "period[start]=" + Instant.parse("2026-10-01T00:00:00Z").getEpochSecond());

        // closing again rates, accrues and pushes nothing more
        assertThat(http.postAs("/api/usage/close?period=2026-10", "admin", "admin-test", null).statusCode()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select count(*) from usage_charge where customer_id = ?", Integer.class, customer)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key like ?", Integer.class,
                "usage:accrual:" + customer + ":%")).isEqualTo(1);
        assertThat(FakeSaas.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withHeader("Idempotency-Key", equalTo(key)))).hasSize(1);
        assertThat(http.postAs("/api/usage/close?period=2099-01", "admin", "admin-test", null).statusCode()).isEqualTo(409);
        assertThat(http.postAs("/api/usage/close?period=2026-10", "viewer", "viewer-test", null).statusCode()).isEqualTo(403);

        // the Stripe invoice that bills the usage relieves 1150 instead of earning 4100 twice (signed now: the system's time)
        clock.reset();
        String item = (String) jdbc.queryForObject("select stripe_invoice_item from usage_charge where id = ?", String.class, charge.get("id"));
        String invoiceId = "in_" + uid();
        ObjectNode inv = StripeEvents.invoice(invoiceId, stripeCustomer, "usd", 200_000, Instant.parse("2026-10-01T00:00:00Z"),
                Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-02T09:00:00Z"), null);
        ObjectNode line = (ObjectNode) ((ArrayNode) inv.path("lines").path("data")).get(0);
        line.put("type", "invoiceitem").put("invoice_item", item).put("description", "api_calls: 1200000 units in 2026-10");
        line.remove("subscription");
        line.remove("price");
        inv.put("billing_reason", "manual");
        assertThat(http.stripe(StripeEvents.event("evt_" + uid(), "invoice.finalized", inv, Instant.parse("2026-11-02T09:00:00Z"))
                .toString()).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> jdbc.queryForObject("select relief_entry_id from usage_charge where id = ?", Long.class,
                charge.get("id")) != null);
        assertThat(jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                where l.account_code = '1150' and e.customer_id = ?""", Long.class, customer)).isZero();
        assertThat(jdbc.queryForObject("""
                select coalesce(sum(l.credit - l.debit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                where l.account_code = '4100' and e.customer_id = ?""", Long.class, customer)).isEqualTo(200_000);
        JsonNode charges = JSON.readTree(http.get("/api/usage/charges?customer=" + customer, "viewer", "viewer-test").body());
        assertThat(charges.get(0).path("invoicedIn").asText()).isEqualTo("stripe:" + invoiceId);
    }
}
