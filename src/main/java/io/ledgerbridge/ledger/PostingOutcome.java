package io.ledgerbridge.ledger;

import java.util.List;

/**
 * What applying one canonical event did: its status on the inbox event (posted, ignored, waiting,
 * exception), the journal entries it posted, and a sentence for the trace.
 */
public record PostingOutcome(String status, List<Long> entryIds, String message, String waitingFor) {

    static PostingOutcome posted(List<Long> entries, String message) {
        return new PostingOutcome("posted", entries, message, null);
    }

    static PostingOutcome waiting(String on, String message) {
        return new PostingOutcome("waiting", List.of(), message, on);
    }

    /** The outcome of an event that needs an invoice the ledger has not booked yet. */
    static PostingOutcome waitingForInvoice(String invoiceId) {
        return waiting("invoice:" + invoiceId, "waiting for invoice " + invoiceId + " to be posted");
    }

    static PostingOutcome exception(String message) {
        return new PostingOutcome("exception", List.of(), message, null);
    }
}
