package io.ledgerbridge.ledger;

import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.canonical.InvoiceLine;
import io.ledgerbridge.ledger.Batch.BookedInvoice;
import io.ledgerbridge.ledger.Batch.BookedLine;
import io.ledgerbridge.ledger.Batch.TakenPayment;
import io.ledgerbridge.ledger.domain.Allocation;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.ledger.domain.RecognitionSchedule;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The receivables the posting changes: invoices (ar_invoice, their lines and what refunds and credit
 * notes took out of them) and payments (ar_payment), read and locked for a batch, kept in memory while
 * it runs and written a statement a table; and the application of money held for a customer to an
 * invoice.
 */
@Component
class Receivables {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;

    Receivables(JdbcTemplate jdbc, LedgerStore store) {
        this.jdbc = jdbc;
        this.store = store;
    }

    /**
     * Writes what the batch's invoices and payments did to the receivables since the last time, a
     * statement a table: the invoices it booked (with what was paid on them in the batch) and their
     * lines, the payments, and the invoices stored before that its payments changed. Runs at the end of
     * the batch, and before any event that reads or changes receivables in SQL of its own.
     */
    void flush(Batch batch) {
        if (!batch.booked.isEmpty()) {
            List<BookedInvoice> booked = List.copyOf(batch.booked.values());
            // as the batch's payments left them
            List<OpenInvoice> now = booked.stream().map(b -> batch.invoices.getOrDefault(b.id(), b.opened())).toList();
            jdbc.update("""
                    insert into ar_invoice (invoice_id, customer_id, currency, total, amount_paid, status, invoice_date, entry_id)
                    select * from unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::date[], ?::bigint[])""",
                    column(booked, BookedInvoice::id, String[]::new), column(booked, BookedInvoice::customer, String[]::new),
                    column(booked, BookedInvoice::currency, String[]::new), column(booked, BookedInvoice::total, Long[]::new),
                    column(now, OpenInvoice::paid, Long[]::new), column(now, OpenInvoice::status, String[]::new),
                    column(booked, b -> b.date().toString(), String[]::new), column(booked, BookedInvoice::entryId, Long[]::new));
            List<BookedLine> lines = booked.stream().flatMap(b -> b.lines().stream().map(l -> new BookedLine(b, l))).toList();
            if (!lines.isEmpty()) {
                jdbc.update("""
                        insert into invoice_line (invoice_id, line_id, description, product, amount, account_code, method,
                                                  period_start, period_end, deferred)
                        select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[],
                                             ?::date[], ?::date[], ?::boolean[])""",
                        column(lines, l -> l.invoice().id(), String[]::new), column(lines, l -> l.line().lineId(), String[]::new),
                        column(lines, l -> describe(l.invoice().source(), l.line().lineId()), String[]::new),
                        column(lines, l -> l.line().product(), String[]::new), column(lines, l -> l.line().amount(), Long[]::new),
                        column(lines, l -> l.line().account(), String[]::new), column(lines, l -> l.line().method(), String[]::new),
                        column(lines, l -> l.line().periodStart() == null ? null : l.line().periodStart().toString(), String[]::new),
                        column(lines, l -> l.line().periodEnd() == null ? null : l.line().periodEnd().toString(), String[]::new),
                        column(lines, l -> l.line().deferred(), Boolean[]::new));
            }
            batch.booked.clear();
        }
        if (!batch.paid.isEmpty()) {
            List<TakenPayment> paid = batch.paid;
            jdbc.update("""
                    insert into ar_payment (payment_id, invoice_id, customer_id, currency, amount, applied, unapplied, entry_id,
                                            payment_intent, fee_status, paid_at, settlement_currency)
                    select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                                         ?::text[], ?::text[], ?::timestamptz[], ?::text[])""",
                    column(paid, TakenPayment::id, String[]::new), column(paid, TakenPayment::invoiceId, String[]::new),
                    column(paid, TakenPayment::customer, String[]::new), column(paid, TakenPayment::currency, String[]::new),
                    column(paid, TakenPayment::amount, Long[]::new), column(paid, TakenPayment::applied, Long[]::new),
                    column(paid, t -> t.amount() - t.applied(), Long[]::new), column(paid, TakenPayment::entryId, Long[]::new),
                    column(paid, TakenPayment::paymentIntent, String[]::new), column(paid, TakenPayment::feeStatus, String[]::new),
                    column(paid, t -> t.paidAt() == null ? null : java.sql.Timestamp.from(t.paidAt()), java.sql.Timestamp[]::new),
                    column(paid, TakenPayment::settlementCurrency, String[]::new));
            batch.paid.clear();
        }
        if (!batch.changed.isEmpty()) {
            List<OpenInvoice> changed = batch.changed.stream().map(batch.invoices::get).toList();
            jdbc.update("""
                    update ar_invoice a set amount_paid = c.paid, status = c.status, updated_at = now()
                    from unnest(?::text[], ?::bigint[], ?::text[]) as c(id, paid, status) where a.invoice_id = c.id""",
                    column(changed, OpenInvoice::id, String[]::new), column(changed, OpenInvoice::paid, Long[]::new),
                    column(changed, OpenInvoice::status, String[]::new));
            batch.changed.clear();
        }
    }

    /** One field of every row, as the array a set-based statement unnests. */
    private static <R, T> T[] column(List<R> rows, java.util.function.Function<R, T> field,
                                     java.util.function.IntFunction<T[]> array) {
        return rows.stream().map(field).toArray(array);
    }

    /**
     * Reads once for the batch what each payment would otherwise read on its own: whether it was posted
     * before, and its invoice, locked (in invoice order) as {@link #lockInvoice(String)} locks it.
     */
    void preloadPayments(List<CanonicalEvent> events, Batch batch) {
        List<String> paymentIds = new ArrayList<>();
        java.util.SortedSet<String> invoiceIds = new java.util.TreeSet<>();
        for (CanonicalEvent e : events) {
            if (e.type() == io.ledgerbridge.canonical.CanonicalType.PAYMENT_SUCCEEDED) {
                paymentIds.add(ref(e, e.payment().id()));
                if (e.payment().invoiceRef() != null) {
                    invoiceIds.add(ref(e, e.payment().invoiceRef()));
                }
            }
        }
        if (paymentIds.isEmpty()) {
            return;
        }
        paymentIds.forEach(id -> batch.payments.put(id, false));
        jdbc.query("select payment_id from ar_payment where payment_id = any(?)",
                rs -> {
                    batch.payments.put(rs.getString(1), true);
                }, (Object) paymentIds.toArray(String[]::new));
        lockInvoices(invoiceIds).forEach(invoice -> batch.invoices.put(invoice.id(), invoice));
    }

    private static String describe(Invoice inv, String lineId) {
        return inv.lines().stream().filter(l -> l.id().equals(lineId)).map(InvoiceLine::description).findFirst().orElse(null);
    }

    Optional<OpenInvoice> lockInvoice(String invoiceId) {
        return lockInvoices(List.of(invoiceId)).stream().findFirst();
    }

    /** Reads and locks the invoices, in invoice order (two batches locking the same invoices cannot deadlock). */
    private List<OpenInvoice> lockInvoices(java.util.Collection<String> invoiceIds) {
        if (invoiceIds.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select invoice_id, customer_id, currency, total, amount_paid, amount_credited, amount_written_off, status, entry_id
                from ar_invoice where invoice_id = any(?) order by invoice_id for update""",
                (rs, i) -> new OpenInvoice(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getLong(9)),
                (Object) invoiceIds.toArray(String[]::new));
    }

    /** The invoice as this batch holds it (locked), else read and locked now. */
    Optional<OpenInvoice> lockInvoice(String invoiceId, Batch batch) {
        OpenInvoice held = batch.invoices.get(invoiceId);
        if (held != null) {
            return Optional.of(held);
        }
        Optional<OpenInvoice> found = lockInvoice(invoiceId);
        found.ifPresent(i -> batch.invoices.put(invoiceId, i));
        return found;
    }

    private List<RevenueLine> revenueLines(String invoiceId) {
        return jdbc.query("""
                select line_id, product, account_code, method, amount, period_start, period_end, deferred
                from invoice_line where invoice_id = ? order by line_id""",
                (rs, i) -> new RevenueLine(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getDate(6) == null ? null : rs.getDate(6).toLocalDate(),
                        rs.getDate(7) == null ? null : rs.getDate(7).toLocalDate(), rs.getBoolean(8)), invoiceId);
    }

    /** An invoice's open amount applied from money already held for the customer (unapplied cash or credit balance). */
    Optional<Long> applyToInvoice(CanonicalEvent event, JournalEntry entry, String invoiceId, long amount) {
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isPresent()) {
            jdbc.update("""
                    update ar_invoice set amount_paid = amount_paid + ?,
                           status = case when total - amount_paid - ? - amount_credited - amount_written_off <= 0 and status = 'open'
                                         then 'paid' else status end, updated_at = now()
                    where invoice_id = ?""", amount, amount, invoiceId);
        }
        return id;
    }

    PostingRules.Split split(long amount, long fromUnapplied, String invoiceId, LocalDate date) {
        if (invoiceId == null) {
            return PostingRules.split(amount, fromUnapplied, 0, 0, List.of(), date);
        }
        long total = jdbc.queryForObject("select total from ar_invoice where invoice_id = ?", Long.class, invoiceId);
        List<RevenueLine> lines = revenueLines(invoiceId);
        long tax = total - lines.stream().mapToLong(RevenueLine::amount).sum();
        return PostingRules.split(amount, fromUnapplied, total, tax, lines, date);
    }

    /**
     * Takes the unearned part of a refund or credit note out of the invoice's deferred lines: the
     * lines a credit note names, in proportion to what it credits on each; otherwise pro rata to what
     * each line still defers at the date (largest remainder, so the parts add up exactly). Recognition
     * then never recognises it.
     */
    void reduceDeferral(String invoiceId, long unearned, LocalDate date, long entryId, Map<String, Long> credited) {
        if (invoiceId == null || unearned <= 0) {
            return;
        }
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select line_id, product, account_code, method, amount, period_start, period_end, deferred, reduced
                from invoice_line where invoice_id = ? and deferred order by line_id for update""", invoiceId);
        if (rows.isEmpty()) {
            return;
        }
        long[] weights = new long[rows.size()];
        long totalWeight = 0;
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            RevenueLine line = InvoiceLineRows.revenueLine(r);
            long reduced = ((Number) r.get("reduced")).longValue();
            weights[i] = Math.max(0, line.amount() - reduced - RecognitionSchedule.cumulative(line, reduced, date));
            totalWeight += weights[i];
        }
        long creditedWeight = 0;
        long[] named = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            named[i] = weights[i] > 0 ? credited.getOrDefault((String) rows.get(i).get("line_id"), 0L) : 0;
            creditedWeight += named[i];
        }
        if (creditedWeight > 0) {
            weights = named;
        } else if (totalWeight == 0) {
            weights[0] = 1;
        }
        long[] parts = Allocation.largestRemainder(unearned, weights);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != 0) {
                String lineId = (String) rows.get(i).get("line_id");
                jdbc.update("insert into line_reduction (invoice_id, line_id, amount, reduced_on, entry_id) values (?, ?, ?, ?, ?)",
                        invoiceId, lineId, parts[i], Date.valueOf(date), entryId);
                jdbc.update("update invoice_line set reduced = reduced + ? where invoice_id = ? and line_id = ?",
                        parts[i], invoiceId, lineId);
            }
        }
    }
}
