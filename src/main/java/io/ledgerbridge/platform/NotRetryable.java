package io.ledgerbridge.platform;

/**
 * Marks a failure that retrying cannot mend: the message itself is wrong (it cannot be read, mapped or
 * routed) or the system it was sent to refused it for good (a 4xx answer). Such a message is
 * dead-lettered at once, never retried. The one list of what is not retryable: the {@code lb-errors}
 * route configuration ({@code routes/ops/error-handling.camel.yaml}, onException
 * {@code lb-errors-not-retryable}) names this interface, and the batch stages ({@code pipeline.KafkaBatch})
 * check it; Camel's onException matches an interface like a superclass (by {@code isInstance} on the
 * thrown exception and its causes). Jackson's {@code JsonProcessingException}, which cannot implement it,
 * is named beside it in both places.
 */
public interface NotRetryable {
}
