package io.ledgerbridge.sources.stripe.imports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.inbox.InboxStore;
import io.ledgerbridge.inbox.ReceivedEvent;
import io.ledgerbridge.sources.stripe.StripeWebhook;
import org.springframework.stereotype.Component;

/**
 * Stores a Stripe event read from the API the way a webhook is stored: the webhook's own reading of
 * the envelope (source, id, type, the customer as partition key), then the inbox's store, idempotent
 * by (source, event id).
 */
@Component
public class StripeInbox {

    private final InboxStore inbox;
    private final StripeWebhook envelopes;
    private final ObjectMapper mapper;

    public StripeInbox(InboxStore inbox, StripeWebhook envelopes, ObjectMapper mapper) {
        this.inbox = inbox;
        this.envelopes = envelopes;
        this.mapper = mapper;
    }

    public InboxStore.Stored store(JsonNode event) {
        String payload;
        try {
            payload = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Stripe event could not be written as JSON", e);
        }
        ReceivedEvent received = envelopes.envelope(payload);
        return inbox.store(received.source(), received.eventId(), received.eventType(), received.partitionKey(),
                received.payload(), "application/json");
    }
}
