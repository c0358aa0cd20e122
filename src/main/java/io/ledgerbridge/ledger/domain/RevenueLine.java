package io.ledgerbridge.ledger.domain;

import java.time.LocalDate;

/**
 * An invoice line as the ledger books it: net amount (after discounts, before tax), the revenue
 * account and recognition method of its product, its service period [start, end) in the company
 * time zone (null for none), and whether it was deferred (credited to 2000) at invoicing.
 */
public record RevenueLine(String lineId, String product, String account, String method, long amount,
                          LocalDate periodStart, LocalDate periodEnd, boolean deferred) {

    /** What is earned of this line through a date (inclusive). */
    public long earnedThrough(LocalDate date) {
        if (!deferred) {
            return amount;
        }
        return Recognition.recognisedThrough(amount, periodStart, periodEnd, date);
    }
}
