package io.ledgerbridge.canonical;

/** The kinds of canonical finance event; routes choose their path by this value. */
public enum CanonicalType {
    CUSTOMER_UPSERTED,
    INVOICE_FINALIZED,
    INVOICE_VOIDED,
    INVOICE_UNCOLLECTIBLE,
    PAYMENT_SUCCEEDED,
    REFUND_ISSUED,
    CREDIT_NOTE_ISSUED,
    PAYOUT_PAID,
    /** A CRM deal reached closed won (or changed after it). */
    DEAL_CLOSED_WON,
    /** Contract terms were signed by every party. */
    CONTRACT_SIGNED,
    /** Recorded for the trace, no financial effect (unknown or informational source event). */
    IGNORED
}
