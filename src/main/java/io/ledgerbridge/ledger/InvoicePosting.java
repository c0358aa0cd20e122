package io.ledgerbridge.ledger;

import static io.ledgerbridge.ledger.PostingKeys.key;
import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.CreditNote;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.canonical.InvoiceLine;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.Batch.BookedInvoice;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Invoices: finalized (Dr AR / Cr revenue or deferred revenue / Cr sales tax, by the product catalogue),
 * voided (reversed), written off as uncollectible, and credited by a credit note.
 */
@Component
class InvoicePosting {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final PostingRules rules;
    private final CustomerDirectory customers;
    private final LedgerMappings mappings;
    private final Receivables receivables;
    private final CashApplication cash;
    private final WaitingEvents waiting;
    private final PostingExceptions exceptions;
    private final LedgerDates dates;

    InvoicePosting(JdbcTemplate jdbc, LedgerStore store, PostingRules rules, CustomerDirectory customers, LedgerMappings mappings,
                   Receivables receivables, CashApplication cash, WaitingEvents waiting, PostingExceptions exceptions,
                   LedgerDates dates) {
        this.jdbc = jdbc;
        this.store = store;
        this.rules = rules;
        this.customers = customers;
        this.mappings = mappings;
        this.receivables = receivables;
        this.cash = cash;
        this.waiting = waiting;
        this.exceptions = exceptions;
        this.dates = dates;
    }

    PostingOutcome invoiceFinalized(CanonicalEvent event, Invoice inv, Batch batch) {
        String invoiceId = ref(event, inv.id());
        String customer = customers.resolve(event.source(), inv.customerRef());
        LocalDate date = dates.date(inv.finalizedAt() != null ? inv.finalizedAt() : event.occurredAt());
        List<RevenueLine> lines = new ArrayList<>();
        List<String> unmapped = new ArrayList<>();
        List<String> relieved = new ArrayList<>();
        for (InvoiceLine l : inv.lines()) {
            LocalDate start = l.periodStart() == null ? null : dates.date(l.periodStart());
            LocalDate end = l.periodEnd() == null ? null : dates.date(l.periodEnd());
            boolean hasPeriod = start != null && end != null && end.isAfter(start);
            LedgerMappings.ProductRule rule = mappings.product(l.productRef(), hasPeriod);
            if (!mappings.isMapped(l.productRef()) && (l.invoiceItemRef() == null || !accruedUsage(l.invoiceItemRef()))) {
                unmapped.add(l.productRef() == null ? l.id() : l.productRef());
            }
            if (l.invoiceItemRef() != null && accruedUsage(l.invoiceItemRef())) {
                // usage already accrued at period close: this line relieves 1150 instead of earning revenue again
                lines.add(new RevenueLine(l.id(), l.productRef(), rules.account(AccountRole.UNBILLED_RECEIVABLE),
                        "usage_in_arrears", l.netAmount(), hasPeriod ? start : null, hasPeriod ? end : null, false));
                relieved.add(l.invoiceItemRef());
                continue;
            }
            boolean deferred = hasPeriod && end.isAfter(date) && !"usage_in_arrears".equals(rule.method());
            lines.add(new RevenueLine(l.id(), l.productRef(), rule.account(), rule.method(), l.netAmount(),
                    hasPeriod ? start : null, hasPeriod ? end : null, deferred));
        }
        String memo = "Stripe invoice " + (inv.number() == null ? inv.id() : inv.number()) + " finalized"
                + (unmapped.isEmpty() ? "" : "; products not in mappings/products.yaml, default rule used: " + unmapped);
        JournalEntry entry;
        try {
            entry = rules.invoiceFinalized(key(event, "invoice", inv.id(), "finalized"), date, inv.currency(),
                    customer, inv.total(), inv.tax(), lines, memo);
        } catch (PostingRules.InvoiceDoesNotSum e) {
            String why = Boolean.TRUE.equals(inv.linesHaveMore())
                    ? "; its webhook lists only part of its lines (lines.has_more) and the Stripe API could not give the rest"
                    : "";
            exceptions.open(event, "invoice_does_not_sum", customer,
                    "Invoice " + inv.id() + " was not posted: " + e.getMessage() + why, Map.of("invoice", inv.id()));
            return PostingOutcome.exception("invoice does not sum: " + e.getMessage());
        }
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isEmpty()) {
            BookedInvoice same = batch.booked.get(invoiceId);
            Long postedTotal = same != null ? Long.valueOf(same.total()) : jdbc.query(
                    "select total from ar_invoice where invoice_id = ?", rs -> rs.next() ? rs.getLong(1) : null, invoiceId);
            if (postedTotal != null && postedTotal != inv.total()) {
                return exceptions.conflict(event, "invoice", inv.id(), customer, key(event, "invoice", inv.id(), "finalized"),
                        postedTotal, inv.total(), inv.currency());
            }
            return PostingOutcome.posted(List.of(), "already posted");
        }
        // written with the batch's other receivables (flushReceivables)
        BookedInvoice booked = new BookedInvoice(invoiceId, customer, inv.currency(), inv.total(), date, id.get(), lines, inv);
        batch.booked.put(invoiceId, booked);
        if (!relieved.isEmpty()) {
            jdbc.update("update usage_charge set invoiced_in = ?, relief_entry_id = ? where stripe_invoice_item = any(?)",
                    invoiceId, id.get(), relieved.toArray(String[]::new));
        }
        batch.invoices.put(invoiceId, booked.opened());
        List<Long> posted = new ArrayList<>(List.of(id.get()));
        long credit = inv.creditApplied();
        if (credit > 0) {
            // Stripe applied the customer's credit balance when it finalized the invoice
            receivables.flush(batch);
            cash.creditApplied(event, booked.opened(), credit).ifPresent(posted::add);
            batch.invoices.remove(invoiceId);
        }
        posted.addAll(waiting.drain("invoice:" + invoiceId, batch));
        return PostingOutcome.posted(posted, memo);
    }

    /** A Stripe invoice item the product pushed for usage it accrued at period close. */
    private boolean accruedUsage(String invoiceItem) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists (select 1 from usage_charge where stripe_invoice_item = ? and accrual_entry_id is not null)",
                Boolean.class, invoiceItem));
    }

    PostingOutcome invoiceVoided(CanonicalEvent event, Invoice inv) {
        String invoiceId = ref(event, inv.id());
        Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return PostingOutcome.waitingForInvoice(invoiceId);
        }
        JournalEntry original = store.read(found.get().entryId());
        JournalEntry reversal = original.reversal(key(event, "invoice", inv.id(), "void"), dates.date(event.occurredAt()),
                "Stripe invoice " + (inv.number() == null ? inv.id() : inv.number()) + " voided", "invoice_voided");
        Optional<Long> id = store.post(reversal, event.inboxId());
        jdbc.update("update ar_invoice set status = 'void', updated_at = now() where invoice_id = ?", invoiceId);
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), reversal.memo());
    }

    PostingOutcome invoiceUncollectible(CanonicalEvent event, Invoice inv) {
        String invoiceId = ref(event, inv.id());
        Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return PostingOutcome.waitingForInvoice(invoiceId);
        }
        OpenInvoice open = found.get();
        if (open.open() <= 0) {
            return PostingOutcome.posted(List.of(), "nothing open on invoice " + inv.id() + " to write off");
        }
        String memo = "Stripe invoice " + (inv.number() == null ? inv.id() : inv.number()) + " marked uncollectible";
        JournalEntry entry = rules.uncollectible(key(event, "invoice", inv.id(), "uncollectible"),
                dates.date(event.occurredAt()), open.currency(), open.customer(), open.open(),
                key(event, "invoice", inv.id(), "finalized"), memo);
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isPresent()) {
            jdbc.update("""
                    update ar_invoice set amount_written_off = amount_written_off + ?, status = 'uncollectible',
                           updated_at = now() where invoice_id = ?""", open.open(), invoiceId);
        }
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }

    PostingOutcome creditNote(CanonicalEvent event, CreditNote cn) {
        String invoiceId = ref(event, cn.invoiceRef());
        Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return PostingOutcome.waitingForInvoice(invoiceId);
        }
        OpenInvoice inv = found.get();
        boolean prePayment = !"post_payment".equals(cn.type());
        long amount = prePayment ? cn.total() : cn.creditAmount() + cn.outOfBandAmount();
        if (amount <= 0) {
            return PostingOutcome.posted(List.of(), "credit note " + cn.id() + " refunds only: posted from the refund");
        }
        LocalDate date = dates.date(cn.issuedAt() != null ? cn.issuedAt() : event.occurredAt());
        String memo = "Stripe credit note " + (cn.number() == null ? cn.id() : cn.number()) + " against invoice "
                + cn.invoiceRef() + (prePayment ? "" : " credited to the customer balance");
        JournalEntry entry = rules.creditNote(key(event, "credit_note", cn.id(), null), date, cn.currency(),
                inv.customer(), amount, receivables.split(amount, 0, invoiceId, date), prePayment, memo);
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isPresent() && prePayment) {
            jdbc.update("update ar_invoice set amount_credited = amount_credited + ?, updated_at = now() where invoice_id = ?",
                    amount, invoiceId);
        }
        Map<String, Long> credited = new java.util.HashMap<>();
        if (cn.lines() != null) {
            for (CreditNote.CreditNoteLine l : cn.lines()) {
                if (l.invoiceLineRef() != null && l.amount() > 0) {
                    credited.merge(l.invoiceLineRef(), l.amount(), Long::sum);
                }
            }
        }
        String deferredRevenue = rules.account(AccountRole.DEFERRED_REVENUE);
        id.ifPresent(entryId -> receivables.reduceDeferral(invoiceId, entry.lines().stream()
                .filter(l -> l.account().equals(deferredRevenue)).mapToLong(JournalLine::debit).sum(), date, entryId, credited));
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }
}
