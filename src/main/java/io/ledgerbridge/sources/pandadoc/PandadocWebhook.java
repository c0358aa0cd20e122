package io.ledgerbridge.sources.pandadoc;

import io.ledgerbridge.inbox.IngressMetrics;
import io.ledgerbridge.inbox.ReceivedEvent;
import io.ledgerbridge.inbox.SignedWebhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * PandaDoc webhooks: the {@code signature} query parameter is the hex HMAC-SHA256 of the body with
 * the webhook's shared key. A delivery is a JSON array of events; each is stored as its own inbox
 * event, identified by document, event and document status (a document reaches a status once).
 */
@Component("pandadocWebhook")
public class PandadocWebhook extends SignedWebhook {

    private final List<String> keys;

    public PandadocWebhook(@Value("${ledgerbridge.webhooks.pandadoc.shared-keys:}") String keys,
                           ObjectMapper mapper, IngressMetrics metrics) {
        super("pandadoc", mapper, metrics, secrets(keys), "PANDADOC_WEBHOOK_KEYS");
        this.keys = secrets(keys);
    }

    public void verify(@Body String payload, @Header("signature") String signature) {
        if (keys.isEmpty()) {
            reject("no shared key configured");
        }
        if (signature == null || signature.isBlank()) {
            reject("missing signature query parameter");
        }
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        for (String key : keys) {
            if (matches(HexFormat.of().formatHex(hmacSha256(key, body)), signature.toLowerCase())) {
                return;
            }
        }
        reject("signature does not match the body");
    }

    public List<ReceivedEvent> envelope(@Body String payload) {
        JsonNode root = parse(payload);
        List<ReceivedEvent> events = new ArrayList<>();
        for (JsonNode e : root.isArray() ? root : List.of(root)) {
            String event = required(e, "event");
            String documentId = required(e, "data.id");
            String status = e.path("data").path("status").asText("");
            events.add(new ReceivedEvent(source, documentId + ":" + event + ":" + status, event,
                    "pandadoc:" + documentId, json(e)));
        }
        if (events.isEmpty()) {
            throw malformed("body is an empty array: no PandaDoc event");
        }
        return events;
    }
}
