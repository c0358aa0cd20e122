package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A dispute (chargeback or inquiry) of a payment, as it stands: its status and the balance transactions that
 * moved its funds (a withdrawal, negative, with the dispute fee; a reinstatement, positive, with the fee
 * returned as a negative fee). The ledger posts each balance transaction once and, when the dispute is lost,
 * the loss; an inquiry or a warning moves no money.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Dispute(
        String id,
        String paymentRef,
        String paymentIntentRef,
        String currency,
        long amount,
        String status,
        String reason,
        Instant createdAt,
        List<Funds> balanceTransactions) {

    /** One movement of the dispute's funds, in the currency the processor settled it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Funds(String id, String currency, long amount, long fee, String category, Instant createdAt) {
    }

    public boolean lost() {
        return "lost".equals(status);
    }
}
