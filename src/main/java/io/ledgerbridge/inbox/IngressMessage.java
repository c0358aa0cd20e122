package io.ledgerbridge.inbox;

/**
 * What the outbox relay publishes to the ingress topic for each stored event: where it is in the
 * inbox, who sent it, and the raw body exactly as received.
 */
public record IngressMessage(long inboxId, String source, String eventId, String eventType, String payload) {
}
