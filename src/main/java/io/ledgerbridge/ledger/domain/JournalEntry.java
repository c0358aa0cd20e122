package io.ledgerbridge.ledger.domain;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * A balanced journal entry. It cannot be constructed unbalanced: the debits equal the credits to
 * the minor unit, there are at least two lines, and zero-amount lines are dropped.
 *
 * @param key         business idempotency key, e.g. {@code stripe:invoice:in_1:finalized}
 * @param postingRule the rule that produced it, e.g. {@code invoice_finalized}
 * @param corrects    key of the entry this one reverses or adjusts, or null
 */
public record JournalEntry(String key, LocalDate date, String currency, String memo, String postingRule,
                           String customerId, String corrects, List<JournalLine> lines) {

    public JournalEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(currency, "currency");
        lines = List.copyOf(lines);
        long debits = 0;
        long credits = 0;
        for (JournalLine l : lines) {
            debits = Math.addExact(debits, l.debit());
            credits = Math.addExact(credits, l.credit());
        }
        if (lines.size() < 2 || debits != credits) {
            throw new UnbalancedEntryException("entry " + key + " does not balance: debits " + debits + ", credits "
                    + credits + ", " + lines.size() + " lines");
        }
    }

    public long total() {
        return lines.stream().mapToLong(JournalLine::debit).sum();
    }

    /** The entry that undoes this one, line by line. */
    public JournalEntry reversal(String reversalKey, LocalDate date, String memo, String rule) {
        return new JournalEntry(reversalKey, date, currency, memo, rule, customerId, key,
                lines.stream().map(JournalLine::reversed).toList());
    }
}
