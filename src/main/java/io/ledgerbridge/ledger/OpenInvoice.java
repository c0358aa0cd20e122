package io.ledgerbridge.ledger;

/** An invoice in ar_invoice as a transaction holds it (locked): what it totals, and what was paid, credited and written off. */
record OpenInvoice(String id, String customer, String currency, long total, long paid, long credited,
                   long writtenOff, String status, long entryId) {
    long open() {
        return total - paid - credited - writtenOff;
    }

    /** The invoice once a payment applied {@code applied} to it: paid when nothing is left open. */
    OpenInvoice afterPayment(long applied) {
        long left = open() - applied;
        return new OpenInvoice(id, customer, currency, total, paid + applied, credited, writtenOff,
                left == 0 ? "paid" : status, entryId);
    }
}
