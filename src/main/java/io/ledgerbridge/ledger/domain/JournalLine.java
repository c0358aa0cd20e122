package io.ledgerbridge.ledger.domain;

/** One side of one amount on one account, in minor units. Exactly one of debit and credit is positive. */
public record JournalLine(String account, long debit, long credit, String customerId, String product) {

    public JournalLine {
        if (debit < 0 || credit < 0 || (debit == 0) == (credit == 0)) {
            throw new UnbalancedEntryException("a line has exactly one positive side: " + account + " " + debit + "/" + credit);
        }
    }

    public static JournalLine debit(String account, long amount, String customerId, String product) {
        return amount >= 0 ? new JournalLine(account, amount, 0, customerId, product)
                : new JournalLine(account, 0, -amount, customerId, product);
    }

    public static JournalLine credit(String account, long amount, String customerId, String product) {
        return amount >= 0 ? new JournalLine(account, 0, amount, customerId, product)
                : new JournalLine(account, -amount, 0, customerId, product);
    }

    public JournalLine reversed() {
        return new JournalLine(account, credit, debit, customerId, product);
    }
}
