package io.ledgerbridge.sources.salesforce;

import io.ledgerbridge.inbox.IngressMetrics;
import io.ledgerbridge.inbox.ReceivedEvent;
import io.ledgerbridge.inbox.SignedWebhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Opportunity callouts from a Salesforce Flow or Apex trigger: {@code X-Signature} is the hex
 * HMAC-SHA256 of the body with the shared secret (Apex {@code Crypto.generateMac('hmacSHA256', ...)}).
 * The body carries the Opportunity as the REST API shows it (with its Account) under
 * {@code opportunity}, and an {@code eventId}; without one, the record id and its SystemModstamp
 * identify the change. The CDC subscription stores the same shape.
 */
@Component("salesforceWebhook")
public class SalesforceWebhook extends SignedWebhook {

    private final List<String> secrets;

    public SalesforceWebhook(@Value("${ledgerbridge.webhooks.salesforce.hmac-secret:}") String secrets,
                             ObjectMapper mapper, IngressMetrics metrics) {
        super("salesforce", mapper, metrics, secrets(secrets), "SALESFORCE_WEBHOOK_SECRET");
        this.secrets = secrets(secrets);
    }

    public void verify(@Body String payload, @Header("X-Signature") String signature) {
        if (secrets.isEmpty()) {
            reject("no HMAC secret configured");
        }
        if (signature == null || signature.isBlank()) {
            reject("missing X-Signature header");
        }
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        for (String secret : secrets) {
            if (matches(HexFormat.of().formatHex(hmacSha256(secret, body)), signature.toLowerCase())) {
                return;
            }
        }
        reject("signature does not match the body");
    }

    public ReceivedEvent envelope(@Body String payload) {
        JsonNode root = parse(payload);
        if (!root.isObject()) {
            throw malformed("body must be a JSON object with an 'opportunity'");
        }
        JsonNode opportunity = root.path("opportunity");
        if (!opportunity.isObject()) {
            throw malformed("required field 'opportunity' is missing or not an object");
        }
        String id = required(opportunity, "Id");
        String eventId = root.hasNonNull("eventId") ? root.get("eventId").asText()
                : id + ":" + required(opportunity, "SystemModstamp");
        String type = root.path("eventType").asText("opportunity.updated");
        String account = opportunity.path("AccountId").asText(id);
        return new ReceivedEvent(source, eventId, type, "salesforce:" + account, payload);
    }
}
