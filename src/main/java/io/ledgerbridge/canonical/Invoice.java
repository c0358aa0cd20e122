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
        List<InvoiceLine> lines,
        Boolean paidOutOfBand,
        String chargeRef,
        String paymentIntentRef,
        Long startingBalance,
        Long endingBalance,
        Boolean linesHaveMore) {

    /**
     * What the customer's credit balance paid of this invoice: Stripe applies a negative starting balance
     * (a credit) at finalization, up to the total; the ending balance is what is left of it.
     */
    public long creditApplied() {
        if (startingBalance == null || startingBalance >= 0 || total <= 0) {
            return 0;
        }
        long applied = endingBalance != null ? endingBalance - startingBalance : -startingBalance;
        return Math.max(0, Math.min(applied, total));
    }
}
