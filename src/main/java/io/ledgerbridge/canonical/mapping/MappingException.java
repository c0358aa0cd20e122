package io.ledgerbridge.canonical.mapping;

import io.ledgerbridge.platform.NotRetryable;

/**
 * A source payload that cannot be turned into a valid canonical event (a field missing, of the
 * wrong type, or a schema violation), or a mapping file that cannot be loaded. Not retryable.
 */
public class MappingException extends RuntimeException implements NotRetryable {
    public MappingException(String message) {
        super(message);
    }

    public MappingException(String message, Throwable cause) {
        super(message, cause);
    }
}
