package io.ledgerbridge.contracts;

/** The body of the act route: which contract, and the inbox event it stems from. */
public record ActRequest(String contractId, Long inboxId) {
}
