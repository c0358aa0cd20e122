package io.ledgerbridge.usage;

/** A usage payload that cannot be read: names the row and the field. */
public class UsageFormatException extends RuntimeException {
    public UsageFormatException(String message) {
        super(message);
    }
}
