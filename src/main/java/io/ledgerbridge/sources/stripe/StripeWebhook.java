package io.ledgerbridge.sources.stripe;
import io.ledgerbridge.inbox.WebhookRejection;

import io.ledgerbridge.inbox.ReceivedEvent;

import io.ledgerbridge.inbox.IngressMetrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import java.time.Clock;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Stripe webhook steps named by the route {@code ingress-stripe-webhook} (the webhook template of
 * {@code routes/ingress/ingress-webhooks.camel.yaml}, verifier {@code stripeWebhook}): the
 * signature check (stripe-java, {@code Stripe-Signature} with the configured secret and tolerance)
 * and the reading of the event envelope.
 */
@Component("stripeWebhook")
public class StripeWebhook {

    private static final Logger log = LoggerFactory.getLogger(StripeWebhook.class);
    /** Kafka key of events that belong to no customer (payouts, balance): ordered among themselves. */
    static final String ACCOUNT_KEY = "stripe:account";

    private final String secret;
    private final long toleranceSeconds;
    private final ObjectMapper mapper;
    private final IngressMetrics metrics;
    private final Clock clock;

    public StripeWebhook(@Value("${ledgerbridge.webhooks.stripe.signing-secret:}") String secret,
                         @Value("${ledgerbridge.webhooks.stripe.tolerance-seconds:300}") long toleranceSeconds,
                         ObjectMapper mapper, IngressMetrics metrics, Clock clock) {
        this.secret = secret;
        this.toleranceSeconds = toleranceSeconds;
        this.mapper = mapper;
        this.metrics = metrics;
        this.clock = clock;
        if (secret == null || secret.isBlank()) {
            log.warn("No Stripe webhook signing secret configured (STRIPE_WEBHOOK_SECRET): every Stripe webhook will be refused with 401");
        }
    }

    /**
     * Refuses with 401 unless the Stripe-Signature header signs this exact body and its timestamp is
     * within the tolerance of now, before or after (a tolerance of 0 switches the timestamp check off,
     * as in stripe-java).
     */
    public void verify(@Body String payload, @Header("Stripe-Signature") String signature) {
        if (secret == null || secret.isBlank()) {
            reject("no signing secret configured");
        }
        if (signature == null || signature.isBlank()) {
            reject("missing Stripe-Signature header");
        }
        try {
            Webhook.Signature.verifyHeader(payload, signature, secret, toleranceSeconds, clock);
        } catch (SignatureVerificationException e) {
            reject(e.getMessage());
        }
        // stripe-java refuses only a timestamp older than the tolerance; one ahead of it is as much a
        // replay risk (a header signed for later), so the window is two-sided with the same tolerance
        long ahead = timestamp(signature) - clock.instant().getEpochSecond();
        if (toleranceSeconds > 0 && ahead > toleranceSeconds) {
            reject("Timestamp is " + ahead + " s in the future, outside the tolerance zone of " + toleranceSeconds + " s");
        }
    }

    /** The {@code t=} element of a Stripe-Signature header that stripe-java has already accepted. */
    private static long timestamp(String signature) {
        for (String element : signature.split(",")) {
            String[] kv = element.split("=", 2);
            if (kv.length == 2 && kv[0].trim().equals("t")) {
                return Long.parseLong(kv[1].trim());
            }
        }
        throw new IllegalStateException("a verified Stripe-Signature header without t=");
    }

    private void reject(String why) {
        metrics.count("stripe", "invalid_signature");
        // never the body, never the header value
        log.warn("Stripe webhook refused: {}", why);
        throw WebhookRejection.unauthorized("Stripe signature verification failed: " + why);
    }

    /** Reads the envelope fields the inbox needs; 400 naming the missing field otherwise. */
    public ReceivedEvent envelope(@Body String payload) {
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            metrics.count("stripe", "malformed");
            throw WebhookRejection.malformed("body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            metrics.count("stripe", "malformed");
            throw WebhookRejection.malformed("body must be a JSON object (a Stripe event)");
        }
        String id = text(root, "id");
        String type = text(root, "type");
        JsonNode object = root.path("data").path("object");
        if (!object.isObject()) {
            metrics.count("stripe", "malformed");
            throw WebhookRejection.malformed("required field 'data.object' is missing or not an object");
        }
        return new ReceivedEvent("stripe", id, type, partitionKey(object), payload);
    }

    private String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            metrics.count("stripe", "malformed");
            throw WebhookRejection.malformed("required field '" + field + "' is missing or not a string");
        }
        return node.asText();
    }

    /** The Stripe customer the event belongs to, so one customer's events stay in order. */
    static String partitionKey(JsonNode object) {
        if ("customer".equals(object.path("object").asText())) {
            return "stripe:" + object.path("id").asText();
        }
        JsonNode customer = object.get("customer");
        if (customer != null && customer.isTextual() && !customer.asText().isBlank()) {
            return "stripe:" + customer.asText();
        }
        if (customer != null && customer.isObject() && customer.hasNonNull("id")) {
            return "stripe:" + customer.get("id").asText();
        }
        return ACCOUNT_KEY;
    }
}
