package io.ledgerbridge.usage;

import io.ledgerbridge.platform.NotRetryable;

/** A usage payload that cannot be read: names the row and the field. Not retryable. */
public class UsageFormatException extends RuntimeException implements NotRetryable {
    public UsageFormatException(String message) {
        super(message);
    }
}
