package io.ledgerbridge.inbox;

import io.ledgerbridge.platform.faults.Faults;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * The last steps of every webhook route: store the event in the inbox, then answer the sender.
 * Nothing is acknowledged that was not stored: a storage failure answers 503 so the sender retries.
 */
@Component("inbox")
public class Inbox {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);

    private final InboxStore store;
    private final IngressMetrics metrics;

    public Inbox(InboxStore store, IngressMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * Stores the event (idempotent by source + event id) and sets the 200 answer. A delivery that
     * carries several events (HubSpot, PandaDoc) stores each; it is a duplicate only when all were.
     */
    public void store(Exchange exchange) {
        Faults.point("ingress.verified");
        Object body = exchange.getMessage().getBody();
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (body instanceof java.util.List<?> list) {
            java.util.List<Map<String, Object>> each = new java.util.ArrayList<>();
            boolean allDuplicate = true;
            for (Object o : list) {
                ReceivedEvent event = (ReceivedEvent) o;
                InboxStore.Stored stored = storeOne(event, contentType);
                allDuplicate &= stored.duplicate();
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("status", stored.duplicate() ? "duplicate" : "accepted");
                one.put("id", stored.id());
                one.put("eventId", stored.eventId());
                each.add(one);
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("status", allDuplicate ? "duplicate" : "accepted");
            answer.put("id", each.get(0).get("id"));
            answer.put("events", each);
            afterStore();
            reply(exchange.getMessage(), 200, answer);
            return;
        }
        ReceivedEvent event = exchange.getMessage().getBody(ReceivedEvent.class);
        InboxStore.Stored stored = storeOne(event, contentType);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", stored.duplicate() ? "duplicate" : "accepted");
        answer.put("id", stored.id());
        answer.put("eventId", stored.eventId());
        afterStore();
        reply(exchange.getMessage(), 200, answer);
    }

    /** Fault tests: a crash, or a lost answer, once the delivery is stored. */
    private static void afterStore() {
        Faults.point("ingress.stored");
        if (Faults.fails("ingress.stored")) {
            throw new WebhookRejection(503, "fault_injected", "stored, but answered as failed (fault injection)");
        }
    }

    private InboxStore.Stored storeOne(ReceivedEvent event, String contentType) {
        InboxStore.Stored stored;
        try {
            stored = store.store(event.source(), event.eventId(), event.eventType(), event.partitionKey(),
                    event.payload(), contentType);
        } catch (DataAccessException e) {
            throw unavailable(event, e);
        }
        if (stored.duplicate() && !stored.samePayload()) {
            payloadConflict(stored, event, contentType);
        }
        metrics.count(event.source(), stored.duplicate() ? "duplicate" : "accepted");
        return stored;
    }

    private WebhookRejection unavailable(ReceivedEvent event, RuntimeException e) {
        metrics.count(event.source(), "unavailable");
        log.error("Inbox unavailable, {} event {} refused with 503: {}", event.source(), event.eventId(), e.getMessage());
        return new WebhookRejection(503, "storage_unavailable", "the event could not be stored; retry later");
    }

    /**
     * The event id was stored before with another body. The sender is still answered "duplicate" (it
     * did deliver the id; answering otherwise would make it retry for ever), the first body stays the
     * one processed, and a person sees the conflict: a payload_conflict exception with both bodies, the
     * event trace's conflicts, the counter. If that record cannot be written the sender gets 503 and
     * its retry records it: a conflict is not acknowledged unseen.
     */
    private void payloadConflict(InboxStore.Stored stored, ReceivedEvent event, String contentType) {
        InboxStore.Conflict conflict;
        try {
            conflict = store.recordConflict(stored, event.payload(), contentType);
        } catch (DataAccessException | TransactionException e) {
            throw unavailable(event, e);
        }
        metrics.payloadConflict(event.source());
        log.warn("{} event {} delivered again with a different body (delivery {} of that body); the first body is kept, {}",
                event.source(), event.eventId(), conflict.deliveries(), conflict.exceptionId() == null
                        ? "its payload_conflict exception was opened at its first delivery"
                        : "payload_conflict exception " + conflict.exceptionId() + " opened");
    }

    /** Turns a refusal into its status and JSON body (used by the webhook route configuration). */
    public void refused(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "rejected");
        int status;
        if (cause instanceof WebhookRejection rejection) {
            status = rejection.status();
            answer.put("error", rejection.error());
            answer.put("message", rejection.getMessage());
        } else {
            status = 500;
            log.error("Webhook processing failed before storage", cause);
            answer.put("error", "internal_error");
            answer.put("message", "the event was not stored; retry later");
        }
        if (status == 503) {
            exchange.getMessage().setHeader("Retry-After", "5");
        }
        reply(exchange.getMessage(), status, answer);
    }

    private static void reply(Message message, int status, Map<String, Object> answer) {
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(answer);
    }
}
