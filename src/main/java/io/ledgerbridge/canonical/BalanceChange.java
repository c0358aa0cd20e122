package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A change of a customer's credit balance with the processor (Stripe {@code customer_balance_transaction}).
 * {@code amount} is negative for a credit given to the customer and positive for a debit (a credit used up,
 * e.g. {@code applied_to_invoice}). {@code kind} is Stripe's type; {@code invoiceRef} and {@code creditNoteRef}
 * name what caused it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BalanceChange(
        String id,
        String customerRef,
        String currency,
        long amount,
        String kind,
        String invoiceRef,
        String creditNoteRef,
        String description,
        Instant createdAt) {
}
