package io.ledgerbridge.reconciliation;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.support.FakeErp;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.StripeEvents;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A day of Stripe events posted to the ledger and synced to NetSuite, QuickBooks and Xero; then
 * Stripe shows one invoice the ledger never heard of and another amount for a charge, a payment in
 * the ledger has no Stripe object, and each ERP drops, duplicates or alters a document, and one payout
 * does not add up and never reached the bank. The report finds every break, and only those.
 */
@LedgerbridgeTest
class ReconciliationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final LocalDate DAY = LocalDate.of(2025, 5, 12);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    LedgerStore ledger;
    @Autowired
    PostingRules rules;
    @Autowired
    TransactionTemplate tx;

    private static Instant at(int hour) {
        return DAY.atTime(hour, 0).toInstant(java.time.ZoneOffset.UTC);
    }

    private static ObjectNode list(String url, ObjectNode... items) {
        ObjectNode l = JSON.createObjectNode().put("object", "list").put("has_more", false).put("url", url);
        ArrayNode data = l.putArray("data");
        for (ObjectNode i : items) {
            data.add(i);
        }
        return l;
    }

    private long entryId(String key) {
        return jdbc.queryForObject("select id from journal_entry where entry_key = ?", Long.class, key);
    }

    @Test
    void aDayWithDroppedDuplicatedAndAlteredDocumentsShowsEveryBreakAndOnlyThose() throws Exception {
        Http http = new Http(port);
        String u = uid();
        String cus = "cus_" + u;
        String invA = "in_A" + u, invB = "in_B" + u, chD = "ch_D" + u, chC = "ch_C" + u, re = "re_" + u, poP = "po_P" + u, poQ = "po_Q" + u;
        ObjectNode a = StripeEvents.invoice(invA, cus, "usd", 120_000, at(1), DAY.plusYears(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC),
                at(2), "prod_platform_annual");
        ObjectNode b = StripeEvents.invoice(invB, cus, "usd", 50_000, at(1), DAY.plusMonths(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC),
                at(3), "prod_platform_monthly");
        ObjectNode d = StripeEvents.charge(chD, cus, invA, "usd", 120_000, 3_510L, at(4));
        ObjectNode c = StripeEvents.charge(chC, cus, null, "usd", 4_900, null, at(5));
        ObjectNode r = StripeEvents.refund(re, chD, "usd", 10_000, at(6));
        ObjectNode p = StripeEvents.payout(poP, "usd", 106_490, at(7));
        ObjectNode q = StripeEvents.payout(poQ, "usd", 2_000, at(8));

        // what reached the ledger: everything but invoice B; charge C as 49.00
        List<String> events = new ArrayList<>(List.of(
                event("evt_" + uid(), "invoice.finalized", a, at(2)).toString(),
                event("evt_" + uid(), "charge.succeeded", d, at(4)).toString(),
                event("evt_" + uid(), "charge.succeeded", c, at(5)).toString(),
                event("evt_" + uid(), "refund.created", r, at(6)).toString(),
                event("evt_" + uid(), "payout.paid", p, at(7)).toString(),
                event("evt_" + uid(), "payout.paid", q, at(8)).toString()));
        for (String e : events) {
            assertThat(http.stripe(e).statusCode()).isEqualTo(200);
        }
        String ghost = "stripe:payment:ch_ghost" + u;
        tx.execute(s -> ledger.post(rules.payout(ghost, DAY, "USD", 777, "a payment Stripe does not know"), null));
        List<String> keys = List.of("stripe:invoice:" + invA + ":finalized", "stripe:payment:" + chD, "stripe:payment:" + chC,
                "stripe:refund:" + re, "stripe:payout:" + poP, "stripe:payout:" + poQ, ghost);
        await().atMost(WAIT).until(() -> jdbc.queryForObject("select count(*) from journal_entry where entry_key = any(?)", Integer.class,
                (Object) keys.toArray(String[]::new)) == keys.size());
        await().atMost(WAIT).until(() -> jdbc.queryForObject("""
                select count(*) from erp_posting p join journal_entry e on e.id = p.entry_id
                where e.entry_date = ? and p.status <> 'confirmed'""", Integer.class, java.sql.Date.valueOf(DAY)) == 0);

        // what Stripe lists for the day: invoice B too, and charge C at 50.00
        ObjectNode cAsStripeHasIt = c.deepCopy().put("amount", 5_000);
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/invoices")).willReturn(okJson(list("/v1/invoices", a, b).toString())));
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/charges")).willReturn(okJson(list("/v1/charges", d, cAsStripeHasIt).toString())));
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/refunds")).willReturn(okJson(list("/v1/refunds", r).toString())));
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/credit_notes")).willReturn(okJson(list("/v1/credit_notes").toString())));
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/payouts")).willReturn(okJson(list("/v1/payouts", p, q).toString())));
        // payout P = charge D 1,200.00 - fee 35.10 - refund 100.00; payout Q's transactions add up to 19.00, not 20.00
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/balance_transactions")).withQueryParam("payout", com.github.tomakehurst.wiremock.client.WireMock.equalTo(poP))
                .willReturn(okJson(list("/v1/balance_transactions", bt("charge", 116_490), bt("refund", -10_000), bt("payout", -106_490)).toString())));
        FakeSaas.server().stubFor(get(urlPathEqualTo("/v1/balance_transactions")).withQueryParam("payout", com.github.tomakehurst.wiremock.client.WireMock.equalTo(poQ))
                .willReturn(okJson(list("/v1/balance_transactions", bt("charge", 1_900), bt("payout", -2_000)).toString())));
        // the bank received payout P only
        assertThat(http.post("/api/reconciliation/bank-deposits", "text/csv",
                "date,amount,currency,reference\n" + DAY.plusDays(1) + ",106490,USD,STRIPE PAYOUT " + poP + "\n").statusCode()).isEqualTo(401);
        HttpResponse<String> imported = new Http(port).postAs("/api/reconciliation/bank-deposits", "admin", "admin-test",
                "[{\"date\":\"" + DAY.plusDays(1) + "\",\"amount\":106490,\"currency\":\"USD\",\"reference\":\"STRIPE PAYOUT " + poP + "\"}]");
        assertThat(imported.statusCode()).isEqualTo(200);

        // the ERPs: NetSuite lost invoice A, QuickBooks holds charge D twice, someone changed payout P in Xero
        FakeErp.drop("netsuite", "lb-je-" + entryId("stripe:invoice:" + invA + ":finalized"));
        FakeErp.duplicate("quickbooks", "lb-je-" + entryId("stripe:payment:" + chD));
        FakeErp.alter("xero", "lb-je-" + entryId("stripe:payout:" + poP), 106_000);

        HttpResponse<String> run = http.postAs("/api/reconciliation/runs", "admin", "admin-test", "{\"date\":\"" + DAY + "\"}");
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        JsonNode report = JSON.readTree(run.body());
        List<String> found = StreamSupport.stream(report.path("breaks").spliterator(), false)
                .map(x -> x.path("category").asText() + "|" + x.path("erp").asText("") + "|" + x.path("key").asText()).sorted().toList();
        assertThat(found).containsExactlyInAnyOrder(
                "missing_in_ledger||stripe:invoice:" + invB + ":finalized",
                "amount_mismatch||stripe:payment:" + chC,
                "missing_in_source||" + ghost,
                "missing_in_erp|netsuite|stripe:invoice:" + invA + ":finalized",
                "duplicate|quickbooks|stripe:payment:" + chD,
                "amount_mismatch|xero|stripe:payout:" + poP,
                "payout_composition||stripe:payout:" + poQ,
                "payout_not_in_bank||stripe:payout:" + poQ);
        JsonNode missingB = StreamSupport.stream(report.path("breaks").spliterator(), false)
                .filter(x -> x.path("category").asText().equals("missing_in_ledger")).findFirst().orElseThrow();
        assertThat(missingB.path("explanation").asText()).contains(invB, "no entry");
        assertThat(missingB.path("action").asText()).isNotBlank();
        assertThat(report.path("summary").path("revenueAtRisk").get(0).path("amount").asLong()).isEqualTo(50_000 + 120_000);

        long id = report.path("id").asLong();
        HttpResponse<String> csv = http.get("/api/reconciliation/runs/" + id + "?format=csv", "viewer", "viewer-test");
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.body().lines().count()).isEqualTo(1 + 8);
        HttpResponse<String> html = http.get("/api/reconciliation/runs/" + id + "?format=html", "viewer", "viewer-test");
        assertThat(html.body()).contains("<table>", "Three-way reconciliation of " + DAY, "missing_in_erp", invB);

        // a second run finds the same breaks, first seen on the same day
        JsonNode again = JSON.readTree(http.postAs("/api/reconciliation/runs", "admin", "admin-test", "{\"date\":\"" + DAY + "\"}").body());
        assertThat(again.path("breaks")).hasSize(8);
        assertThat(http.postAs("/api/reconciliation/runs", "admin", "admin-test", "{\"date\":\"12 May\"}").statusCode()).isEqualTo(400);
        String prometheus = http.get("/actuator/prometheus", null, null).body();
        assertThat(prometheus).contains("ledgerbridge_reconciliation_breaks{application=\"ledgerbridge\",category=\"payout_not_in_bank\"} 1.0");
    }

    @Test
    void anErpThatCannotListItsDayIsReadBackByKeyAndOnlyTheDroppedJournalBreaks() throws Exception {
        LocalDate day = LocalDate.of(2025, 6, 3);
        for (String path : List.of("/v1/invoices", "/v1/charges", "/v1/refunds", "/v1/credit_notes", "/v1/payouts")) {
            FakeSaas.server().stubFor(get(urlPathEqualTo(path)).willReturn(okJson(list(path).toString())));
        }
        List<Long> entries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            entries.add(tx.execute(s -> ledger.post(rules.payout("test:payout:po_" + uid(), day, "USD", 1_000, "day two"), null)
                    .orElseThrow()));
        }
        await().atMost(WAIT).until(() -> jdbc.queryForObject("""
                select count(*) from erp_posting where entry_id = any(?) and status = 'confirmed'""", Integer.class,
                (Object) entries.toArray(Long[]::new)) == entries.size() * 3);
        FakeErp.drop("netsuite", "lb-je-" + entries.get(0));
        FakeErp.listsUnavailable("netsuite", true);
        try {
            JsonNode report = JSON.readTree(new Http(port).postAs("/api/reconciliation/runs", "admin", "admin-test",
                    "{\"date\":\"" + day + "\"}").body());
            List<String> found = StreamSupport.stream(report.path("breaks").spliterator(), false)
                    .map(x -> x.path("category").asText() + "|" + x.path("erp").asText("") + "|" + x.path("key").asText()).toList();
            String key = jdbc.queryForObject("select entry_key from journal_entry where id = ?", String.class, entries.get(0));
            assertThat(found).containsExactly("missing_in_erp|netsuite|" + key);
        } finally {
            FakeErp.listsUnavailable("netsuite", false);
        }
    }

    private static ObjectNode bt(String type, long net) {
        return JSON.createObjectNode().put("id", "txn_" + uid()).put("object", "balance_transaction").put("type", type)
                .put("net", net).put("amount", net).put("fee", 0).put("currency", "usd").put("status", "available");
    }
}
