package io.ledgerbridge.exceptions;

/** Published by the exception queue when a person approves or rejects an exception (after it is recorded). */
public record ExceptionDecided(long id, String decision, String user, String reason) {
}
