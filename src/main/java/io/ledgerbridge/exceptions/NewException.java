package io.ledgerbridge.exceptions;

import java.util.Map;

/**
 * An exception to open on the review queue.
 *
 * @param kind         what went wrong, one word (payload_conflict, fee_unknown, usage_held, ...)
 * @param inboxEventId the inbox event it stems from, if any
 * @param customerId   the customer it concerns, if known
 * @param summary      one sentence a finance person can act on
 * @param details      the facts behind it (written as a JSON object)
 * @param requestedBy  the component (or person) that opened it; a requester cannot decide on it
 * @param subjectType  what it is about, when not an inbox event (contract, journal_entry, inbox_conflict, ...)
 * @param subjectId    which one
 */
public record NewException(String kind, Long inboxEventId, String customerId, String summary, Map<String, ?> details,
                           String requestedBy, String subjectType, String subjectId) {

    public NewException {
        if (kind == null || kind.isBlank() || summary == null || summary.isBlank()) {
            throw new IllegalArgumentException("an exception needs a kind and a summary");
        }
    }

    public static NewException of(String kind, String requestedBy, String summary, Map<String, ?> details) {
        return new NewException(kind, null, null, summary, details, requestedBy, null, null);
    }

    public NewException event(Long inboxEventId) {
        return new NewException(kind, inboxEventId, customerId, summary, details, requestedBy, subjectType, subjectId);
    }

    public NewException customer(String customerId) {
        return new NewException(kind, inboxEventId, customerId, summary, details, requestedBy, subjectType, subjectId);
    }

    public NewException subject(String subjectType, String subjectId) {
        return new NewException(kind, inboxEventId, customerId, summary, details, requestedBy, subjectType, subjectId);
    }
}
