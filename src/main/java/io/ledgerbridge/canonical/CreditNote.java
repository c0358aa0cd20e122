package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A credit note against an invoice. {@code type} is pre_payment (reduces what is owed) or
 * post_payment (after payment: split into refundAmount, creditAmount to the customer balance, and
 * outOfBandAmount).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreditNote(
        String id,
        String number,
        String invoiceRef,
        String customerRef,
        String currency,
        long total,
        String type,
        long refundAmount,
        long creditAmount,
        long outOfBandAmount,
        String reason,
        Instant issuedAt,
        List<CreditNoteLine> lines) {

    /** One credit note line, pointing at the invoice line it credits when it does. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreditNoteLine(String id, String invoiceLineRef, String description, long amount) {
    }
}
