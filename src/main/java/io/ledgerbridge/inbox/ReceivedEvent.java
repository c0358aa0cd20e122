package io.ledgerbridge.inbox;

/** A verified, parsed inbound event, ready to be stored in the inbox. */
public record ReceivedEvent(String source, String eventId, String eventType, String partitionKey, String payload) {
}
