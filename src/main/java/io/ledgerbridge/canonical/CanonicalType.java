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
    /** Stripe says an invoice is paid: out of band, from the customer's credit balance, or by payments it names. */
    INVOICE_PAID,
    /** An invoice changed: what its status says is posted by the rule of that status (paid, void, uncollectible). */
    INVOICE_UPDATED,
    /** A payment is applied to an invoice (invoice_payment, basil and later). */
    INVOICE_PAYMENT_PAID,
    /** A dispute as it stands now: funds withdrawn, reinstated, won or lost, or no funds moved. */
    DISPUTE_UPDATED,
    /** A customer's credit balance changed. */
    CUSTOMER_BALANCE_CHANGED,
    /** A payout failed or was canceled (reverses it when it was posted as paid). */
    PAYOUT_FAILED,
    /** A source event that moves money and has no posting rule: opens an exception, never ignored. */
    UNPOSTABLE,
    /** A CRM deal reached closed won (or changed after it). */
    DEAL_CLOSED_WON,
    /** Contract terms were signed by every party. */
    CONTRACT_SIGNED,
    /** Recorded for the trace, no financial effect (unknown or informational source event). */
    IGNORED
}
