package io.ledgerbridge.inbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HMAC-signed webhooks (DocuSign, PandaDoc, HubSpot, Salesforce callouts) share: the
 * constant-time HMAC-SHA256 check, the refusal that counts and logs without the body or the
 * signature, and the reading of the JSON body with errors that name the missing field.
 */
public abstract class SignedWebhook {

    private static final Logger log = LoggerFactory.getLogger(SignedWebhook.class);

    protected final String source;
    protected final ObjectMapper mapper;
    protected final IngressMetrics metrics;

    protected SignedWebhook(String source, ObjectMapper mapper, IngressMetrics metrics, List<String> secrets, String secretVariable) {
        this.source = source;
        this.mapper = mapper;
        this.metrics = metrics;
        if (secrets.isEmpty()) {
            log.warn("No {} webhook secret configured ({}): every {} webhook will be refused with 401", source, secretVariable, source);
        }
    }

    protected static byte[] hmacSha256(String secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** Constant-time comparison of an expected signature with a presented one (both as text). */
    protected static boolean matches(String expected, String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), presented.trim().getBytes(StandardCharsets.US_ASCII));
    }

    protected void reject(String why) {
        metrics.count(source, "invalid_signature");
        // never the body, never the header value
        log.warn("{} webhook refused: {}", source, why);
        throw WebhookRejection.unauthorized(source + " signature verification failed: " + why);
    }

    protected JsonNode parse(String payload) {
        try {
            JsonNode root = mapper.readTree(payload);
            if (root == null || !(root.isObject() || root.isArray())) {
                throw malformed("body must be a JSON object or array");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw malformed("body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    protected WebhookRejection malformed(String message) {
        metrics.count(source, "malformed");
        return WebhookRejection.malformed(message);
    }

    /** A required text (or number) at a dotted path, else 400 naming the path. */
    protected String required(JsonNode node, String path) {
        JsonNode at = node;
        for (String part : path.split("\\.")) {
            at = at == null ? null : at.get(part);
        }
        if (at == null || !(at.isTextual() || at.isNumber()) || at.asText().isBlank()) {
            throw malformed("required field '" + path + "' is missing or not a string");
        }
        return at.asText();
    }

    protected String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    protected static List<String> secrets(String configured) {
        if (configured == null || configured.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(configured.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
