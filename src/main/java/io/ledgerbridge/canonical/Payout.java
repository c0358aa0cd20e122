package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** Money moved from the processor balance to the bank account. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Payout(
        String id,
        String currency,
        long amount,
        Instant arrivalDate,
        String status,
        String balanceTransactionRef,
        String failureCode,
        List<Settlement> settlements) {

    /** A charge this payout settled, with its processor fee, from the payout's balance transactions (Stripe API). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Settlement(String paymentRef, String balanceTransactionRef, String currency, long amount, long fee) {
    }
}
