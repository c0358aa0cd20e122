package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** Money returned to a customer against a payment. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Refund(
        String id,
        String paymentRef,
        String invoiceRef,
        String customerRef,
        String currency,
        long amount,
        Instant refundedAt,
        String reason,
        String status) {
}
