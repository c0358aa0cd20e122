package io.ledgerbridge.canonical;

import io.ledgerbridge.platform.NotRetryable;

/** A message no route knows what to do with: dead-lettered at once, never retried. */
public class UnroutableEventException extends RuntimeException implements NotRetryable {
    public UnroutableEventException(String message) {
        super(message);
    }
}
