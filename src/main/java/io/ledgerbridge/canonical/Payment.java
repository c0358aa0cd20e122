package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A payment (Stripe charge or payment intent). {@code id} is the charge; {@code amount} what was captured
 * in the charge's currency. {@code fee} is the processor fee in the settlement currency, null when not
 * known (balance transaction not expanded and not retrieved yet); {@code settlementCurrency} and
 * {@code settlementAmount} are the balance transaction's, when known and when they differ from the charge.
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
        Long fee,
        Boolean captured,
        String settlementCurrency,
        Long settlementAmount) {

    /** False only for a charge authorised and not captured yet (nothing to post until it is captured). */
    public boolean isCaptured() {
        return captured == null || captured;
    }

    /** The payment as settled, once its balance transaction is known (fee and settlement in its currency). */
    public Payment settled(String balanceTransaction, long feeAmount, String currency, long amount) {
        return new Payment(id, customerRef, invoiceRef, paymentIntentRef, this.currency, this.amount, paidAt,
                balanceTransaction, feeAmount, captured, currency, amount);
    }

    /** The currency the processor settled in (its balance transaction's), the charge's own when not known. */
    public String settledIn() {
        return settlementCurrency == null ? currency : settlementCurrency;
    }
}
