package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * An invoice; every amount in minor units of {@link #currency()} (upper-case ISO 4217).
 * Invariant checked by validation: sum(lines.netAmount) + tax == total.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Invoice(
        String id,
        String number,
        String customerRef,
        String currency,
        long subtotal,
        long discountTotal,
        long tax,
        long total,
        long amountPaid,
        long amountDue,
        String status,
        String subscriptionRef,
        Instant finalizedAt,
        Instant dueAt,
        List<InvoiceLine> lines) {
}
