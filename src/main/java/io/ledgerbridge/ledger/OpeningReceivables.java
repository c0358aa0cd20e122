package io.ledgerbridge.ledger;

import io.ledgerbridge.ledger.domain.RevenueLine;
import java.time.LocalDate;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Invoices brought into the receivables by an opening balance (a history import): registered open, with
 * the lines still unearned, so that later payments apply to them and recognition continues them. The
 * ledger stays the only writer of ar_invoice and invoice_line.
 */
@Component
public class OpeningReceivables {

    private final JdbcTemplate jdbc;

    public OpeningReceivables(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Registers an open invoice under the opening balance entry that brought it in.
     *
     * @param invoiceId   the ledger's invoice id ({@code stripe:in_...})
     * @param open        what is still owed on it, in minor units
     * @param unearned    its lines not yet earned at the opening date (deferred)
     * @param description the description each of those lines gets
     */
    public void register(String invoiceId, String customerId, String currency, long open, LocalDate invoiceDate,
                         long entryId, List<RevenueLine> unearned, String description) {
        jdbc.update("""
                insert into ar_invoice (invoice_id, customer_id, currency, total, amount_paid, status, invoice_date, entry_id)
                values (?, ?, ?, ?, 0, 'open', ?, ?)""",
                invoiceId, customerId, currency, open, invoiceDate, entryId);
        for (RevenueLine l : unearned) {
            jdbc.update("""
                    insert into invoice_line (invoice_id, line_id, description, product, amount, account_code, method,
                                              period_start, period_end, deferred)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, true)""",
                    invoiceId, l.lineId(), description, l.product(), l.amount(), l.account(), l.method(),
                    l.periodStart(), l.periodEnd());
        }
    }
}
