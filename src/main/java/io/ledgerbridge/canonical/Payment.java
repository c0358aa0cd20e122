package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A successful payment (Stripe charge). {@code fee} is the processor fee in the same currency,
 * null when not known (balance transaction not expanded and not retrieved).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Payment(
        String id,
        String customerRef,
        String invoiceRef,
        String paymentIntentRef,
        String currency,
        long amount,
        Instant paidAt,
        String balanceTransactionRef,
        Long fee) {
}
