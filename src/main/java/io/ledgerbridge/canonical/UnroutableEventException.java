package io.ledgerbridge.canonical;

/** A message no route knows what to do with: dead-lettered at once, never retried. */
public class UnroutableEventException extends RuntimeException {
    public UnroutableEventException(String message) {
        super(message);
    }
}
