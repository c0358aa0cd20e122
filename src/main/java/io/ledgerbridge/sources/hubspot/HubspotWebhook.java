package io.ledgerbridge.sources.hubspot;

import io.ledgerbridge.inbox.IngressMetrics;
import io.ledgerbridge.inbox.ReceivedEvent;
import io.ledgerbridge.inbox.SignedWebhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * HubSpot webhooks, signature v3: {@code X-HubSpot-Signature-v3} is the base64 HMAC-SHA256, with
 * the app's client secret, of method + URI + body + {@code X-HubSpot-Request-Timestamp}; a timestamp
 * more than five minutes from now, before or after, is refused. The URI is the public address HubSpot called
 * ({@code HUBSPOT_WEBHOOK_URL}; by default rebuilt from the Host and X-Forwarded-Proto headers).
 * A delivery is a JSON array of events, each stored as its own inbox event by its eventId.
 */
@Component("hubspotWebhook")
public class HubspotWebhook extends SignedWebhook {

    private final List<String> secrets;
    private final String publicUrl;
    private final Duration tolerance;
    private final Clock clock;

    public HubspotWebhook(@Value("${ledgerbridge.webhooks.hubspot.client-secret:}") String secrets,
                          @Value("${ledgerbridge.webhooks.hubspot.public-url:}") String publicUrl,
                          @Value("${ledgerbridge.webhooks.hubspot.tolerance-seconds:300}") long toleranceSeconds,
                          ObjectMapper mapper, IngressMetrics metrics, Clock clock) {
        super("hubspot", mapper, metrics, secrets(secrets), "HUBSPOT_CLIENT_SECRET");
        this.secrets = secrets(secrets);
        this.publicUrl = publicUrl;
        this.tolerance = Duration.ofSeconds(toleranceSeconds);
        this.clock = clock;
    }

    public void verify(@Body String payload,
                       @Header("X-HubSpot-Signature-v3") String signature,
                       @Header("X-HubSpot-Request-Timestamp") String timestamp,
                       @Header("Host") String host,
                       @Header("X-Forwarded-Proto") String forwardedProto) {
        if (secrets.isEmpty()) {
            reject("no client secret configured");
        }
        if (signature == null || signature.isBlank()) {
            reject("missing X-HubSpot-Signature-v3 header");
        }
        long millis;
        try {
            millis = Long.parseLong(timestamp == null ? "" : timestamp.trim());
        } catch (NumberFormatException e) {
            reject("missing or unreadable X-HubSpot-Request-Timestamp header");
            return;
        }
        Duration age = Duration.between(Instant.ofEpochMilli(millis), clock.instant());
        if (age.abs().compareTo(tolerance) > 0) {
            reject("timestamp is " + age.abs().toSeconds() + " s " + (age.isNegative() ? "in the future" : "old")
                    + ", outside the tolerance of " + tolerance.toSeconds() + " s");
        }
        String uri = publicUrl == null || publicUrl.isBlank()
                ? (forwardedProto == null ? "http" : forwardedProto) + "://" + host + "/webhooks/hubspot"
                : publicUrl;
        byte[] source = ("POST" + uri + payload + timestamp.trim()).getBytes(StandardCharsets.UTF_8);
        for (String secret : secrets) {
            if (matches(Base64.getEncoder().encodeToString(hmacSha256(secret, source)), signature)) {
                return;
            }
        }
        reject("signature does not match");
    }

    public List<ReceivedEvent> envelope(@Body String payload) {
        JsonNode root = parse(payload);
        List<ReceivedEvent> events = new ArrayList<>();
        for (JsonNode e : root.isArray() ? root : List.of(root)) {
            String eventId = required(e, "eventId");
            String type = required(e, "subscriptionType");
            String objectId = required(e, "objectId");
            events.add(new ReceivedEvent(source, eventId, type, "hubspot:" + objectId, json(e)));
        }
        if (events.isEmpty()) {
            throw malformed("body is an empty array: no HubSpot event");
        }
        return events;
    }
}
