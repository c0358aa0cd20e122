package io.ledgerbridge.ledger.domain;

/** An entry that does not balance, or a line that is not one-sided: a bug, refused, never fixed up. */
public class UnbalancedEntryException extends RuntimeException {
    public UnbalancedEntryException(String message) {
        super(message);
    }
}
