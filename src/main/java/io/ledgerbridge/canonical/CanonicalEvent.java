package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A source event in the canonical finance model. Exactly one body field matches {@link #type()}
 * (none for {@link CanonicalType#IGNORED}). Ids inside the bodies are the source system's own ids
 * (Stripe's {@code in_...}, {@code ch_...}); {@link #source()} says whose.
 *
 * @param inboxId        id of the stored raw event this was mapped from
 * @param source         the sending system (stripe, ...)
 * @param sourceEventId  the sender's event id
 * @param sourceEventType the sender's event type (invoice.finalized)
 * @param occurredAt     when the business fact happened (not when it was received)
 * @param customerRef    the sender's customer id, when the event has one
 * @param mappingVersion the mapping that produced it (stripe/invoice.v1)
 * @param ignoredReason  why an IGNORED event has no effect
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CanonicalEvent(
        Long inboxId,
        String source,
        String sourceEventId,
        String sourceEventType,
        CanonicalType type,
        Instant occurredAt,
        String customerRef,
        String mappingVersion,
        String ignoredReason,
        Customer customer,
        Invoice invoice,
        Payment payment,
        Refund refund,
        CreditNote creditNote,
        Payout payout,
        Deal deal,
        Contract contract,
        InvoicePayment invoicePayment,
        Dispute dispute,
        BalanceChange balanceChange) {

    public CanonicalEvent withInboxId(Long id) {
        return new CanonicalEvent(id, source, sourceEventId, sourceEventType, type, occurredAt, customerRef,
                mappingVersion, ignoredReason, customer, invoice, payment, refund, creditNote, payout, deal, contract,
                invoicePayment, dispute, balanceChange);
    }

    /** A finance event of one of the newer bodies (invoice payment, dispute, balance change). */
    public static CanonicalEvent of(Long inboxId, String source, String eventId, String eventType, CanonicalType type,
                                    Instant occurredAt, String customerRef, String mappingVersion, Object body) {
        return new CanonicalEvent(inboxId, source, eventId, eventType, type, occurredAt, customerRef, mappingVersion, null,
                body instanceof Customer c ? c : null, body instanceof Invoice i ? i : null,
                body instanceof Payment p ? p : null, body instanceof Refund r ? r : null,
                body instanceof CreditNote cn ? cn : null, body instanceof Payout po ? po : null, null, null,
                body instanceof InvoicePayment ip ? ip : null, body instanceof Dispute d ? d : null,
                body instanceof BalanceChange b ? b : null);
    }

    /** A source event that moves money but has no posting rule: the ledger opens an exception for it. */
    public static CanonicalEvent unpostable(Long inboxId, String source, String eventId, String eventType,
                                            Instant occurredAt, String customerRef, String reason) {
        return new CanonicalEvent(inboxId, source, eventId, eventType, CanonicalType.UNPOSTABLE, occurredAt, customerRef,
                null, reason, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static CanonicalEvent deal(Long inboxId, String source, String eventId, String eventType, Instant occurredAt,
                                      String mappingVersion, Deal deal) {
        return new CanonicalEvent(inboxId, source, eventId, eventType, CanonicalType.DEAL_CLOSED_WON, occurredAt,
                deal.accountId() == null ? deal.id() : deal.accountId(), mappingVersion, null, null, null, null, null, null, null,
                deal, null, null, null, null);
    }

    public static CanonicalEvent contract(Long inboxId, String source, String eventId, String eventType, Instant occurredAt,
                                          String mappingVersion, Contract contract) {
        return new CanonicalEvent(inboxId, source, eventId, eventType, CanonicalType.CONTRACT_SIGNED, occurredAt,
                contract.documentId(), mappingVersion, null, null, null, null, null, null, null, null, contract, null, null, null);
    }

    public static CanonicalEvent ignored(Long inboxId, String source, String eventId, String eventType,
                                         Instant occurredAt, String customerRef, String reason) {
        return new CanonicalEvent(inboxId, source, eventId, eventType, CanonicalType.IGNORED, occurredAt, customerRef,
                null, reason, null, null, null, null, null, null, null, null, null, null, null);
    }
}
