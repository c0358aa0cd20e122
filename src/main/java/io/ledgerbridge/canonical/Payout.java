package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** Money moved from the processor balance to the bank account. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Payout(
        String id,
        String currency,
        long amount,
        Instant arrivalDate,
        String status,
        String balanceTransactionRef) {
}
