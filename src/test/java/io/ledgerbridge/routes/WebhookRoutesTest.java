package io.ledgerbridge.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The signed webhook routes are one route template ({@code routes/ingress/ingress-webhooks.camel.yaml})
 * and one templated route per sender: each keeps its id {@code ingress-<source>-webhook}, its own
 * description, its path and the shared {@code lb-webhook} error handling, and checks its own sender's
 * signature (an unsigned request is refused with 401, not 404).
 */
@LedgerbridgeTest
class WebhookRoutesTest {

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "stripe", "Stripe events in (invoice.*, charge.*, refund.*, credit_note.*, payout.*, customer.*)",
            "docusign", "DocuSign Connect envelope events (envelope-completed, ...)",
            "pandadoc", "PandaDoc document state changes (document_state_changed)",
            "hubspot", "HubSpot deal property changes (dealstage closed won)",
            "salesforce", "Salesforce Flow/Apex Opportunity callouts (closed won)");

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;

    @Test
    void eachSenderHasItsTemplatedRouteWithItsIdDescriptionPathAndErrorHandling() {
        DESCRIPTIONS.forEach((source, description) -> {
            Route route = camel.getRoute("ingress-" + source + "-webhook");
            assertThat(route).as(source).isNotNull();
            assertThat(route.isCreatedByRouteTemplate()).as(source).isTrue();
            assertThat(route.getDescription()).as(source).isEqualTo(description);
            assertThat(route.getEndpoint().getEndpointUri()).as(source).contains("/webhooks/" + source);
            assertThat(route.getConfigurationId()).as(source).isEqualTo("lb-webhook");
            assertThat(route.getSourceLocationShort()).as(source).contains("ingress-webhooks.camel.yaml");
        });
    }

    @Test
    void eachRouteChecksItsOwnSendersSignature() {
        Http http = new Http(port);
        for (String source : DESCRIPTIONS.keySet()) {
            HttpResponse<String> r = http.post("/webhooks/" + source, "application/json", "{\"id\":\"unsigned\"}");
            assertThat(r.statusCode()).as(source + ": " + r.body()).isEqualTo(401);
            assertThat(r.body()).as(source).startsWith("{");
        }
    }
}
