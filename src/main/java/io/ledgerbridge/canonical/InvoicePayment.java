package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A payment applied to an invoice (Stripe {@code invoice_payment}, API 2025-03-31 "basil" and later, or the
 * charge and payment intent an older {@code invoice.paid} names): it links money already or later received to
 * the invoice. {@code paymentIntentRef} or {@code chargeRef} names the payment; {@code amount} is what it paid
 * of the invoice. {@code paymentType} is Stripe's kind of payment (payment_intent, charge).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InvoicePayment(
        String id,
        String invoiceRef,
        String paymentIntentRef,
        String chargeRef,
        String currency,
        long amount,
        String status,
        String paymentType,
        Instant paidAt) {
}
