package io.ledgerbridge.ledger;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one batch has done so far: the outcome of each event (written to the inbox at the end), the
 * events that started waiting in it, and those already waiting in the database for what it posts;
 * and the receivables it changed, kept in memory until {@link Receivables#flush} writes them.
 */
final class Batch {

    /** How an event is applied in the batch ({@link PostingService}): a waiting event drained by what it posts goes there. */
    interface Dispatch {
        PostingOutcome apply(CanonicalEvent event, Batch batch);
    }

    private final Dispatch dispatch;

    Batch(Dispatch dispatch) {
        this.dispatch = dispatch;
    }

    /** Applies an event in this batch, as the batch applies its own. */
    PostingOutcome apply(CanonicalEvent event) {
        return dispatch.apply(event, this);
    }

    final Map<Long, PostingOutcome> outcomes = new java.util.LinkedHashMap<>();
    final Map<Long, String> canonical = new java.util.HashMap<>();
    final Map<Long, CanonicalEvent> events = new java.util.HashMap<>();
    final Map<String, List<CanonicalEvent>> waiting = new java.util.HashMap<>();
    final Map<String, List<CanonicalEvent>> stored = new java.util.HashMap<>();
    final java.util.Set<String> drained = new java.util.HashSet<>();
    /** Invoices this transaction holds locked, as they stand in it (read, or booked, in this batch). */
    final Map<String, OpenInvoice> invoices = new java.util.HashMap<>();
    /** Whether a payment id is in ar_payment, for the ids looked up for the batch or posted in it. */
    final Map<String, Boolean> payments = new java.util.HashMap<>();
    /** Invoices booked and payments taken since the receivables were last written (see Receivables#flush). */
    final Map<String, BookedInvoice> booked = new java.util.LinkedHashMap<>();
    final List<TakenPayment> paid = new ArrayList<>();
    /** Invoices stored before whose payments since the last write change them. */
    final java.util.Set<String> changed = new java.util.LinkedHashSet<>();

    /** An invoice booked in the batch, not written yet. */
    record BookedInvoice(String id, String customer, String currency, long total, LocalDate date, long entryId,
                         List<RevenueLine> lines, Invoice source) {
        /** As it stands when booked: open, nothing paid on it yet. */
        OpenInvoice opened() {
            return new OpenInvoice(id, customer, currency, total, 0, 0, 0, "open", entryId);
        }
    }

    /** A line of an invoice booked in the batch. */
    record BookedLine(BookedInvoice invoice, RevenueLine line) {
    }

    /** A payment taken in the batch, as ar_payment keeps it. */
    record TakenPayment(String id, String invoiceId, String customer, String currency, long amount, long applied,
                        Long entryId, String paymentIntent, String feeStatus, Instant paidAt, String settlementCurrency) {
    }
}
