package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One invoice line. {@code amount} is before discounts, {@code discount} the sum of its discounts,
 * {@code netAmount = amount - discount} (negative for credit/proration lines). Service period
 * {@code [periodStart, periodEnd)}; equal start and end means no service period (one-time).
 * {@code invoiceItemRef} is the invoice item a line bills (rated usage pushed by the product, say).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InvoiceLine(
        String id,
        String description,
        String productRef,
        String priceRef,
        long quantity,
        long amount,
        long discount,
        long netAmount,
        long tax,
        Instant periodStart,
        Instant periodEnd,
        boolean proration,
        String kind,
        String invoiceItemRef) {
}
