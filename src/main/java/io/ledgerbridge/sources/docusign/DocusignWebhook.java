package io.ledgerbridge.sources.docusign;

import io.ledgerbridge.inbox.IngressMetrics;
import io.ledgerbridge.inbox.ReceivedEvent;
import io.ledgerbridge.inbox.SignedWebhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Headers;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * DocuSign Connect (JSON, "SIM" messages): {@code X-DocuSign-Signature-1}, {@code -2}, ... each a
 * base64 HMAC-SHA256 of the body, one per Connect key in use. During a key rotation several keys are
 * configured ({@code DOCUSIGN_CONNECT_HMAC_KEYS}, comma-separated) and any header matching any key
 * is enough. The event id is the envelope and its event: a completed envelope completes once.
 */
@Component("docusignWebhook")
public class DocusignWebhook extends SignedWebhook {

    private static final int MAX_SIGNATURE_HEADERS = 10;
    private final List<String> keys;

    public DocusignWebhook(@Value("${ledgerbridge.webhooks.docusign.hmac-keys:}") String keys,
                           ObjectMapper mapper, IngressMetrics metrics) {
        super("docusign", mapper, metrics, secrets(keys), "DOCUSIGN_CONNECT_HMAC_KEYS");
        this.keys = secrets(keys);
    }

    public void verify(@Body String payload, @Headers Map<String, Object> headers) {
        if (keys.isEmpty()) {
            reject("no Connect HMAC key configured");
        }
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        boolean anyHeader = false;
        for (String key : keys) {
            String expected = Base64.getEncoder().encodeToString(hmacSha256(key, body));
            for (int i = 1; i <= MAX_SIGNATURE_HEADERS; i++) {
                Object presented = header(headers, "X-DocuSign-Signature-" + i);
                if (presented != null) {
                    anyHeader = true;
                    if (matches(expected, presented.toString())) {
                        return;
                    }
                }
            }
        }
        reject(anyHeader ? "no X-DocuSign-Signature-N header matches a configured key" : "missing X-DocuSign-Signature-1 header");
    }

    static Object header(Map<String, Object> headers, String name) {
        for (Map.Entry<String, Object> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    public ReceivedEvent envelope(@Body String payload) {
        JsonNode root = parse(payload);
        if (!root.isObject()) {
            throw malformed("body must be a DocuSign Connect JSON object");
        }
        String event = required(root, "event");
        String envelopeId = required(root, "data.envelopeId");
        return new ReceivedEvent(source, envelopeId + ":" + event, event, "docusign:" + envelopeId, payload);
    }
}
