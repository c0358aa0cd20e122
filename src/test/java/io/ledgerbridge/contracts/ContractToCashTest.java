package io.ledgerbridge.contracts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.ledgerbridge.support.ContractFixtures.acme;
import static io.ledgerbridge.support.ContractFixtures.fixture;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.ContractFixtures;
import io.ledgerbridge.support.ContractFixtures.Acme;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.Signers;
import io.ledgerbridge.support.StripeEvents;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Contract-to-cash end to end: signed webhooks from the CRM and e-signature systems, through Kafka,
 * to the contract stage, Stripe (WireMock shaped like its API) and the CRM write-back; the exception
 * queue with its four-eyes rule; the golden customer; the trace.
 */
@LedgerbridgeTest
class ContractToCashTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(45);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    CustomerDirectory customers;

    private WireMockServer saas() {
        return FakeSaas.server();
    }

    private HttpResponse<String> salesforce(String body) {
        return ContractFixtures.salesforce(port, body);
    }

    private HttpResponse<String> docusign(String body) {
        return ContractFixtures.docusign(port, body);
    }

    private HttpResponse<String> hubspot(String body, long timestamp) {
        String uri = "http://localhost:" + port + "/webhooks/hubspot";
        return new Http(port).post("/webhooks/hubspot", "application/json", body,
                "X-HubSpot-Signature-v3", Signers.hubspot(uri, body, timestamp),
                "X-HubSpot-Request-Timestamp", Long.toString(timestamp));
    }

    private HttpResponse<String> pandadoc(String body) {
        return ContractFixtures.pandadoc(port, body);
    }

    private String status(String contractId) {
        List<String> s = jdbc.queryForList("select status from contract where id = ?", String.class, contractId);
        return s.isEmpty() ? null : s.get(0);
    }

    private int stripePosts(String path, String key) {
        return saas().findAll(postRequestedFor(urlPathEqualTo(path)).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    private int stripeCallsFor(String contractId) {
        return saas().findAll(postRequestedFor(urlPathMatching("/v1/.*"))
                .withHeader("Idempotency-Key", matching("lb-" + contractId + "-.*"))).size();
    }

    @Test
    void aClosedWonDealAndItsSignedContractAreBilledInStripeOnceAndTheTraceShowsEachStep() throws Exception {
        Acme a = acme("Acme " + uid() + " Corporation");
        String id = "ctr-docusign-" + a.envelope();

        // the contract may arrive before the deal: it waits for it
        HttpResponse<String> signed = docusign(a.contract());
        assertThat(signed.statusCode()).isEqualTo(200);
        assertThat(signed.body()).contains("\"status\":\"accepted\"");
        long envelopeEvent = JSON.readTree(signed.body()).path("id").asLong();
        await().atMost(WAIT).until(() -> "waiting_for_deal".equals(status(id)));
        assertThat(stripeCallsFor(id)).isZero();

        HttpResponse<String> won = salesforce(a.deal());
        assertThat(won.statusCode()).isEqualTo(200);
        long dealEvent = JSON.readTree(won.body()).path("id").asLong();
        await().atMost(WAIT).until(() -> "active".equals(status(id)));

        assertThat(stripePosts("/v1/customers", "lb-" + id + "-customer")).isEqualTo(1);
        assertThat(stripePosts("/v1/prices", "lb-" + id + "-price-1")).isEqualTo(1);
        assertThat(stripePosts("/v1/invoiceitems", "lb-" + id + "-invoiceitem-2")).isEqualTo(1);
        assertThat(stripePosts("/v1/subscriptions", "lb-" + id + "-subscription")).isEqualTo(1);
        LoggedRequest price = saas().findAll(postRequestedFor(urlPathEqualTo("/v1/prices"))
                .withHeader("Idempotency-Key", equalTo("lb-" + id + "-price-1"))).get(0);
        assertThat(price.getBodyAsString()).contains("unit_amount=1200000", "product=prod_platform_annual", "recurring[interval]=year");
        LoggedRequest item = saas().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withHeader("Idempotency-Key", equalTo("lb-" + id + "-invoiceitem-2"))).get(0);
        assertThat(item.getBodyAsString()).contains("amount=135000", "currency=usd");
        LoggedRequest sub = saas().findAll(postRequestedFor(urlPathEqualTo("/v1/subscriptions"))
                .withHeader("Idempotency-Key", equalTo("lb-" + id + "-subscription"))).get(0);
        assertThat(sub.getBodyAsString()).contains("days_until_due=30", "collection_method=send_invoice",
                "metadata[po_number]=PO-77812");
        assertThat(saas().findAll(patchRequestedFor(urlPathEqualTo("/services/data/v62.0/sobjects/Opportunity/" + a.opportunity()))
                .withRequestBody(containing("\"Billing_Status__c\":\"Billing Active\"")))).hasSize(1);

        // duplicates, a redelivery of both messages through Kafka and a replay of the action change nothing
        assertThat(docusign(a.contract()).body()).contains("\"status\":\"duplicate\"");
        assertThat(salesforce(a.deal()).body()).contains("\"status\":\"duplicate\"");
        jdbc.update("update pipeline_state set published_at = null where id in (?, ?)", envelopeEvent, dealEvent);
        producer.sendBody("direct:contract-act", "{\"contractId\":\"" + id + "\",\"inboxId\":" + envelopeEvent + "}");
        await().atMost(WAIT).until(() -> jdbc.queryForObject(
                "select count(*) from inbox_event where id in (?, ?) and published_at is not null", Integer.class, envelopeEvent, dealEvent) == 2);
        await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).until(() -> true);
        assertThat(stripeCallsFor(id)).isEqualTo(4);
        assertThat(saas().findAll(patchRequestedFor(urlPathEqualTo("/services/data/v62.0/sobjects/Opportunity/" + a.opportunity())))).hasSize(1);

        // the trace of the signed envelope shows each step, where, and from which events
        Http http = new Http(port);
        JsonNode trace = JSON.readTree(http.get("/api/events/" + envelopeEvent, "viewer", "viewer-test").body());
        assertThat(trace.path("canonicalType").asText()).isEqualTo("CONTRACT_SIGNED");
        JsonNode steps = trace.path("contracts").get(0).path("actions");
        assertThat(steps.findValuesAsText("step")).containsExactly("stripe.customer", "stripe.price.1", "stripe.invoiceitem.2",
                "stripe.subscription", "crm.writeback");
        assertThat(trace.path("audit").findValuesAsText("action")).contains("contract_received", "customer_matched",
                "contract_validated", "stripe.create", "salesforce.update", "contract_active");
        JsonNode dealTrace = JSON.readTree(http.get("/api/events/" + dealEvent, "viewer", "viewer-test").body());
        assertThat(dealTrace.path("contracts").get(0).path("id").asText()).isEqualTo(id);

        JsonNode contract = JSON.readTree(http.get("/api/contracts/" + id, "viewer", "viewer-test").body());
        assertThat(contract.path("status").asText()).isEqualTo("active");
        assertThat(contract.path("total").asLong()).isEqualTo(1_335_000);
        assertThat(contract.path("terms").path("paymentTermsDays").asInt()).isEqualTo(30);
        assertThat(contract.path("terms").path("poNumber").asText()).isEqualTo("PO-77812");
        assertThat(contract.path("terms").path("lines")).hasSize(2);
        assertThat(contract.path("deal").path("amount").asLong()).isEqualTo(1_335_000);

        // one golden customer across Salesforce, DocuSign and Stripe, also when Stripe reports the customer
        String golden = contract.path("customerId").asText();
        String stripeCustomer = "cus_" + ("lb-" + id + "-customer").replace("-", "");
        ObjectNode cus = JSON.createObjectNode().put("id", stripeCustomer).put("object", "customer").put("name", a.name())
                .put("email", "ap@" + a.domain());
        String created = StripeEvents.event("evt_" + uid(), "customer.created", cus, Instant.now()).toString();
        assertThat(http.stripe(created).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> jdbc.queryForObject(
                "select count(*) from inbox_event where payload like ? and status = 'posted'", Integer.class, "%" + stripeCustomer + "%") == 1);
        JsonNode customer = JSON.readTree(http.get("/api/customers/" + golden, "viewer", "viewer-test").body());
        assertThat(customer.path("externalIds").findValuesAsText("system")).containsExactlyInAnyOrder("docusign", "salesforce", "stripe");
        assertThat(jdbc.queryForObject("select count(*) from customer where name_key = ?", Integer.class,
                CustomerDirectory.nameKey(a.name()))).isEqualTo(1);
    }

    @Test
    void nonStandardTermsWaitForASecondPersonAndTheRequesterCannotApprove() throws Exception {
        String u = uid();
        String dealId = "98" + Math.abs(u.hashCode());
        String companyId = "51" + Math.abs(u.hashCode());
        String doc = "pd" + u;
        String company = "Globex " + u + " Ltd";
        String domain = "globex-" + u + ".example";
        saas().stubFor(get(urlPathEqualTo("/crm/v3/objects/deals/" + dealId)).willReturn(okJson(fixture("hubspot/deal.api.json")
                .replace("9876543210", dealId).replace("5123450001", companyId))));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/objects/companies/" + companyId)).willReturn(okJson(fixture("hubspot/company.api.json")
                .replace("5123450001", companyId).replace("Globex Industries Ltd", company).replace("globex.example", domain))));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/owners/7481523")).willReturn(okJson(fixture("hubspot/owner.api.json"))));
        saas().stubFor(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathEqualTo("/crm/v3/objects/deals/" + dealId))
                .willReturn(okJson("{\"id\":\"" + dealId + "\",\"properties\":{}}")));

        String webhook = fixture("hubspot/deal.propertyChange.json").replace("1839120001", "18" + Math.abs(u.hashCode()))
                .replace("9876543210", dealId);
        assertThat(hubspot(webhook, System.currentTimeMillis()).statusCode()).isEqualTo(200);
        String document = fixture("pandadoc/document_state_changed.json").replace("msFYActMfJHqNTKH8YSvF1", doc)
                .replace("9876543210", dealId).replace("Globex Industries Ltd", company).replace("globex.example", domain);
        HttpResponse<String> signed = pandadoc(document);
        assertThat(signed.statusCode()).isEqualTo(200);
        assertThat(signed.body()).contains("\"status\":\"accepted\"");
        String id = "ctr-pandadoc-" + doc;

        await().atMost(WAIT).until(() -> "exception".equals(status(id)));
        Map<String, Object> ex = jdbc.queryForMap("""
                select id, kind, summary, requested_by, details::text as details from exception_item
                where subject_type = 'contract' and subject_id = ? and status = 'open'""", id);
        assertThat(ex.get("kind")).isEqualTo("contract_validation");
        assertThat((String) ex.get("details")).contains("amount_mismatch", "unmapped_sku", "missing_po");
        assertThat(ex.get("requested_by")).isEqualTo("approver@ledgerbridge.test");
        assertThat(stripeCallsFor(id)).isZero();

        // a new exception is announced to the chat webhook
        long exceptionId = ((Number) ex.get("id")).longValue();
        await().atMost(WAIT).until(() -> !saas().findAll(postRequestedFor(urlPathEqualTo("/services/T000/B000/slacktest"))
                .withRequestBody(containing("exception #" + exceptionId + "*"))).isEmpty());

        Http http = new Http(port);
        HttpResponse<String> self = http.postAs("/api/exceptions/" + exceptionId + "/approve", "approver", "approver-test",
                "{\"reason\":\"I negotiated this\"}");
        assertThat(self.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(self.body()).path("error").asText()).isEqualTo("self_approval");
        assertThat(stripeCallsFor(id)).isZero();

        HttpResponse<String> ok = http.postAs("/api/exceptions/" + exceptionId + "/approve", "approver2", "approver2-test",
                "{\"reason\":\"premium support agreed by the CFO; PO follows\"}");
        assertThat(ok.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "active".equals(status(id)));

        assertThat(stripePosts("/v1/customers", "lb-" + id + "-customer")).isEqualTo(1);
        assertThat(stripePosts("/v1/prices", "lb-" + id + "-price-1")).isEqualTo(1);
        assertThat(stripePosts("/v1/prices", "lb-" + id + "-price-2")).isEqualTo(1);
        assertThat(stripePosts("/v1/subscriptions", "lb-" + id + "-subscription")).isEqualTo(1);
        LoggedRequest support = saas().findAll(postRequestedFor(urlPathEqualTo("/v1/prices"))
                .withHeader("Idempotency-Key", equalTo("lb-" + id + "-price-2"))).get(0);
        assertThat(support.getBodyAsString()).contains("product_data[name]=Premium+support", "recurring[interval_count]=3",
                "currency=eur");
        assertThat(saas().findAll(patchRequestedFor(urlPathEqualTo("/crm/v3/objects/deals/" + dealId))
                .withRequestBody(containing("\"billing_status\":\"Billing Active\"")))).hasSize(1);
        assertThat(jdbc.queryForList("select distinct approved_by from contract_action where contract_id = ?", String.class, id))
                .containsExactly("approver2");
        assertThat(jdbc.queryForObject("select decided_by from exception_item where id = ?", String.class, exceptionId))
                .isEqualTo("approver2");
    }

    @Test
    void aNearMatchOfAnExistingCustomerIsAskedNotMerged() throws Exception {
        String u = uid();
        String existing = customers.create("stripe", "cus_" + u, "Initech " + u + " Software", "initech-" + u + ".example");
        Acme a = acme("Initech " + u + " Holdings");
        Acme b = new Acme(a.opportunity(), a.account(), a.envelope(), a.name(), "initech-" + u + ".example",
                a.deal().replace(a.domain(), "initech-" + u + ".example"), a.contract().replace(a.domain(), "initech-" + u + ".example"));
        String id = "ctr-docusign-" + b.envelope();
        assertThat(salesforce(b.deal()).statusCode()).isEqualTo(200);
        assertThat(docusign(b.contract()).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "customer_review".equals(status(id)));
        Map<String, Object> ex = jdbc.queryForMap(
                "select id, details::text as details from exception_item where subject_id = ? and kind = 'customer_match'", id);
        assertThat((String) ex.get("details")).contains(existing);
        assertThat(jdbc.queryForObject("select count(*) from customer_xref where customer_id = ?", Integer.class, existing)).isEqualTo(1);

        HttpResponse<String> ok = new Http(port).postAs("/api/exceptions/" + ex.get("id") + "/approve", "approver2", "approver2-test",
                "{\"reason\":\"same company, renamed holding\"}");
        assertThat(ok.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "active".equals(status(id)));
        assertThat(jdbc.queryForObject("select customer_id from contract where id = ?", String.class, id)).isEqualTo(existing);
        assertThat(jdbc.queryForList("select system from customer_xref where customer_id = ? order by system", String.class, existing))
                .containsExactly("docusign", "salesforce", "stripe");
        // the existing Stripe customer is updated, not duplicated
        assertThat(stripePosts("/v1/customers", "lb-" + id + "-customer")).isZero();
        assertThat(saas().findAll(postRequestedFor(urlPathEqualTo("/v1/customers/cus_" + u)))).hasSize(1);
    }

    @Test
    void anAmendmentThatChangesBillingIsApprovedThenUpdatesTheSubscriptionInPlace() throws Exception {
        Acme first = acme("Hooli " + uid() + " Inc");
        String firstId = "ctr-docusign-" + first.envelope();
        salesforce(first.deal());
        docusign(first.contract());
        await().atMost(WAIT).until(() -> "active".equals(status(firstId)));
        String subscription = jdbc.queryForObject(
                "select external_id from contract_action where contract_id = ? and step = 'stripe.subscription'", String.class, firstId);

        // the same account signs a second order form with twice the seats, for a new opportunity
        String u = uid();
        String opp2 = "006" + u;
        String env2 = UUID.randomUUID().toString();
        String deal2 = first.deal().replace(first.opportunity(), opp2).replace("\"eventId\": \"evt-", "\"eventId\": \"evt2-")
                .replace("13350.00", "25350.00");
        String contract2 = first.contract().replace(first.envelope(), env2).replace(first.opportunity(), opp2)
                .replace("{\"tabLabel\": \"line.1.quantity\", \"value\": \"1\"", "{\"tabLabel\": \"line.1.quantity\", \"value\": \"2\"");
        String secondId = "ctr-docusign-" + env2;
        assertThat(salesforce(deal2).statusCode()).isEqualTo(200);
        assertThat(docusign(contract2).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "exception".equals(status(secondId)));
        Map<String, Object> ex = jdbc.queryForMap(
                "select id, details::text as details from exception_item where subject_id = ? and status = 'open'", secondId);
        assertThat((String) ex.get("details")).contains("amendment_changes_billing").doesNotContain("amount_mismatch");
        assertThat(stripeCallsFor(secondId)).isZero();

        assertThat(new Http(port).postAs("/api/exceptions/" + ex.get("id") + "/approve", "approver2", "approver2-test",
                "{\"reason\":\"upsell to two platform licences\"}").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "active".equals(status(secondId)));
        assertThat(status(firstId)).isEqualTo("superseded");
        LoggedRequest update = saas().findAll(postRequestedFor(urlPathEqualTo("/v1/subscriptions/" + subscription))).get(0);
        assertThat(update.getHeader("Idempotency-Key")).isEqualTo("lb-" + secondId + "-subscription");
        assertThat(update.getBodyAsString()).contains("[deleted]=true", "proration_behavior=none", "[quantity]=2");
        assertThat(stripePosts("/v1/subscriptions", "lb-" + secondId + "-subscription")).isZero();
        assertThat(jdbc.queryForObject("select customer_id from contract where id = ?", String.class, secondId))
                .isEqualTo(jdbc.queryForObject("select customer_id from contract where id = ?", String.class, firstId));
    }

    @Test
    void aContractWhoseDealNeverComesIsFlaggedAndAPersonCanLetItGoAhead() throws Exception {
        Acme a = acme("Vandelay " + uid() + " Industries");
        String id = "ctr-docusign-" + a.envelope();
        long event = JSON.readTree(docusign(a.contract()).body()).path("id").asLong();
        await().atMost(WAIT).until(() -> "waiting_for_deal".equals(status(id)));
        assertThat(jdbc.queryForObject("select waiting_for from inbox_event where id = ?", String.class, event))
                .isEqualTo("deal:salesforce:" + a.opportunity());

        jdbc.update("update received_event set received_at = now() - interval '2 days' where id = ?", event);
        producer.sendBody("bean:waitingEvents?method=flagOverdue", null);
        long ex = jdbc.queryForObject("select id from exception_item where inbox_event_id = ? and kind = 'dependency_missing'",
                Long.class, event);
        assertThat(new Http(port).postAs("/api/exceptions/" + ex + "/approve", "approver2", "approver2-test",
                "{\"reason\":\"deal was booked in the old CRM; go ahead\"}").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "active".equals(status(id)));
        assertThat(stripePosts("/v1/subscriptions", "lb-" + id + "-subscription")).isEqualTo(1);
        // no CRM deal, so nothing to write back
        assertThat(saas().findAll(patchRequestedFor(urlPathEqualTo("/services/data/v62.0/sobjects/Opportunity/" + a.opportunity()))))
                .isEmpty();
    }

    @Test
    void badSignaturesStaleTimestampsAndMalformedBodiesGetTheContractStatuses() throws Exception {
        Http http = new Http(port);
        String u = uid();
        String body = "{\"event\":\"envelope-completed\",\"data\":{\"envelopeId\":\"" + u + "\"}}";
        int before = jdbc.queryForObject("select count(*) from inbox_event", Integer.class);

        assertThat(http.post("/webhooks/docusign", "application/json", body).statusCode()).isEqualTo(401);
        HttpResponse<String> forged = http.post("/webhooks/docusign", "application/json", body,
                "X-DocuSign-Signature-1", Signers.base64("not-our-key", body));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(forged.body()).path("error").asText()).isEqualTo("invalid_signature");
        assertThat(forged.body()).doesNotContain(u);

        String hub = "[{\"eventId\":1,\"subscriptionType\":\"deal.propertyChange\",\"objectId\":2}]";
        HttpResponse<String> stale = hubspot(hub, System.currentTimeMillis() - Duration.ofMinutes(6).toMillis());
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(stale.body()).path("message").asText()).contains("timestamp");

        assertThat(http.post("/webhooks/pandadoc?signature=00ff", "application/json", "[]").statusCode()).isEqualTo(401);
        HttpResponse<String> notJson = pandadoc("{\"event\": ");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(notJson.body()).path("error").asText()).isEqualTo("malformed_body");

        HttpResponse<String> noOpportunity = salesforce("{\"eventId\":\"" + u + "\"}");
        assertThat(noOpportunity.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noOpportunity.body()).path("message").asText()).contains("opportunity");
        HttpResponse<String> wrongType = http.post("/webhooks/hubspot", "text/plain", "x");
        assertThat(wrongType.statusCode()).isEqualTo(415);

        assertThat(jdbc.queryForObject("select count(*) from inbox_event", Integer.class)).isEqualTo(before);
    }

    @Test
    void aSourceOverItsRateIsToldToRetryAndNothingIsStored() throws Exception {
        Http http = new Http(port);
        int before = jdbc.queryForObject("select count(*) from inbox_event where source = 'pandadoc'", Integer.class);
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> http.post("/webhooks/pandadoc?signature=00", "application/json", "[]")));
        }
        List<HttpResponse<String>> answers = calls.stream().map(java.util.concurrent.CompletableFuture::join).toList();
        List<HttpResponse<String>> limited = answers.stream().filter(r -> r.statusCode() == 429).toList();
        assertThat(limited).isNotEmpty();
        assertThat(answers).allMatch(r -> r.statusCode() == 429 || r.statusCode() == 401);
        assertThat(limited.get(0).headers().firstValue("Retry-After")).hasValue("1");
        assertThat(JSON.readTree(limited.get(0).body()).path("error").asText()).isEqualTo("rate_limited");
        assertThat(jdbc.queryForObject("select count(*) from inbox_event where source = 'pandadoc'", Integer.class)).isEqualTo(before);
        // the next second is the sender's again: a request is let through (and refused for its signature, storing nothing)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> http.post("/webhooks/pandadoc?signature=00", "application/json", "[]").statusCode() == 401);
    }

    @Test
    void aContractStripeRefusesIsDeadLetteredAtOnceNotRetriedWithOneExceptionForAPerson() throws Exception {
        Acme a = acme("Initech " + uid() + " LLC");
        String id = "ctr-docusign-" + a.envelope();
        // Stripe refuses this contract's customer for good (a 4xx answer): StripeApi.Refused
        saas().stubFor(post(urlPathEqualTo("/v1/customers")).withHeader("Idempotency-Key", equalTo("lb-" + id + "-customer"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json").withBody("""
                        {"error": {"type": "invalid_request_error", "param": "email",
                                   "message": "Invalid email address for %s"}}""".formatted(id))));

        assertThat(docusign(a.contract()).statusCode()).isEqualTo(200);
        assertThat(salesforce(a.deal()).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> jdbc.queryForObject(
                "select count(*) from dead_letter where route_id = 'contracts-act' and error_message like ?", Integer.class,
                "%Invalid email address for " + id + "%") > 0);
        // lb-errors would retry three times with back-off (250 ms, 500 ms, 1 s): wait longer than that
        await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).until(() -> true);

        assertThat(stripePosts("/v1/customers", "lb-" + id + "-customer")).as("Stripe asked once, not retried").isEqualTo(1);
        assertThat(jdbc.queryForList("select error_class from dead_letter where route_id = 'contracts-act' and error_message like ?",
                String.class, "%Invalid email address for " + id + "%"))
                .containsExactly("io.ledgerbridge.sources.stripe.StripeApi$Refused");
        assertThat(jdbc.queryForObject("select count(*) from exception_item where kind = 'billing_refused' and subject_id = ?",
                Integer.class, id)).isEqualTo(1);
        assertThat(status(id)).isEqualTo("failed");
        assertThat(stripeCallsFor(id)).isEqualTo(1);
    }

    @Test
    void aSalesforceChangeEventReadsTheOpportunityAgainAndCheckpointsItsReplayId() throws Exception {
        Acme a = acme("Umbrella " + uid() + " Corp");
        JsonNode opportunity = JSON.readTree(a.deal()).path("opportunity");
        saas().stubFor(get(urlPathEqualTo("/services/data/v62.0/sobjects/Opportunity/" + a.opportunity()))
                .willReturn(okJson(opportunity.toString())));
        long replayId = System.currentTimeMillis();
        producer.send("direct:salesforce-change", exchange -> {
            exchange.getMessage().setHeader("CamelSalesforceReplayId", replayId);
            exchange.getMessage().setHeader("CamelSalesforceChangeType", "GAP_UPDATE");
            exchange.getMessage().setHeader("CamelSalesforceRecordIds", List.of(a.opportunity()));
            exchange.getMessage().setBody(Map.of());
        });
        String eventId = "cdc:" + replayId + ":" + a.opportunity();
        await().atMost(WAIT).until(() -> "posted".equals(jdbc.queryForList(
                "select status from inbox_event where source = 'salesforce' and event_id = ?", String.class, eventId)
                .stream().findFirst().orElse(null)));
        assertThat(jdbc.queryForObject("select amount from deal where crm = 'salesforce' and deal_id = ?", Long.class, a.opportunity()))
                .isEqualTo(1_335_000);
        assertThat(jdbc.queryForObject("select position from source_checkpoint where source = 'salesforce'", Long.class))
                .isGreaterThanOrEqualTo(replayId);
        assertThat(saas().findAll(postRequestedFor(urlPathEqualTo("/services/oauth2/token")))).isNotEmpty();
    }
}
