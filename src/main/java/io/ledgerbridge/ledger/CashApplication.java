package io.ledgerbridge.ledger;

import static io.ledgerbridge.ledger.PostingKeys.key;
import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.BalanceChange;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.canonical.InvoicePayment;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.PostingRules;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The application of cash: a payment linked to an invoice after it was posted (invoice payments, the
 * charge an invoice.paid names), an invoice paid outside the processor, and the customer's credit
 * balance (applied to an invoice, or given by hand).
 */
@Component
class CashApplication {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final PostingRules rules;
    private final CustomerDirectory customers;
    private final Receivables receivables;
    private final WaitingEvents waiting;
    private final PostingExceptions exceptions;
    private final LedgerDates dates;

    CashApplication(JdbcTemplate jdbc, LedgerStore store, PostingRules rules, CustomerDirectory customers, Receivables receivables,
                    WaitingEvents waiting, PostingExceptions exceptions, LedgerDates dates) {
        this.jdbc = jdbc;
        this.store = store;
        this.rules = rules;
        this.customers = customers;
        this.receivables = receivables;
        this.waiting = waiting;
        this.exceptions = exceptions;
        this.dates = dates;
    }

    /**
     * A payment linked to an invoice (invoice_payment.paid, or the charge and payment intent an older invoice.paid
     * names). A payment posted before as unapplied cash is applied now (Dr 2100 / Cr 1100); a payment not posted yet
     * waits for it (it applies itself then, or this link applies it when drained).
     */
    PostingOutcome invoicePayment(CanonicalEvent event, InvoicePayment ip, Batch batch) {
        String invoiceId = ref(event, ip.invoiceRef());
        Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return PostingOutcome.waitingForInvoice(invoiceId);
        }
        if ("payment_record".equals(ip.paymentType())) {
            // paid outside Stripe (API 2025-03-31 and later record such payments as payment records)
            OpenInvoice open = found.get();
            long amount = Math.min(ip.amount(), Math.max(0, open.open()));
            String memo = "Stripe invoice " + ip.invoiceRef() + " paid outside Stripe (" + ip.id() + ")";
            List<Long> posted = amount <= 0 ? List.of() : receivables.applyToInvoice(event, rules.paidOutOfBand(
                    key(event, "invoice_payment", ip.id(), "out_of_band"), dates.date(event.occurredAt()), open.currency(),
                    open.customer(), amount, memo), invoiceId, amount).map(List::of).orElse(List.of());
            List<Long> all = new ArrayList<>(posted);
            all.addAll(waiting.drain("settled:" + invoiceId, batch));
            return PostingOutcome.posted(all, memo);
        }
        if (ip.paymentIntentRef() == null && ip.chargeRef() == null) {
            exceptions.open(event, "no_posting_rule", found.get().customer(), "Stripe invoice payment " + ip.id() + " of "
                    + ip.amount() + " " + ip.currency() + " on invoice " + ip.invoiceRef() + " names no charge or payment intent (type "
                    + ip.paymentType() + "): it was not posted", Map.of("invoicePayment", ip.id(), "invoice", ip.invoiceRef()));
            return PostingOutcome.exception("invoice payment of type " + ip.paymentType() + " has no posting rule");
        }
        return link(event, found.get(), ip.id(), ip.chargeRef(), ip.paymentIntentRef(), ip.amount(), batch);
    }

    private PostingOutcome link(CanonicalEvent event, OpenInvoice invoice, String linkId, String chargeRef, String intentRef,
                                long amount, Batch batch) {
        String paymentId = chargeRef == null ? null : ref(event, chargeRef);
        String intentId = intentRef == null ? null : ref(event, intentRef);
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select payment_id, invoice_id, customer_id, currency, unapplied, amount_refunded from ar_payment
                where payment_id = ? or payment_intent = ? order by payment_id limit 1 for update""", paymentId, intentId);
        if (rows.isEmpty()) {
            String on = intentId != null ? "payment-intent:" + intentId : "payment:" + paymentId;
            return PostingOutcome.waiting(on, "waiting for payment " + (intentRef != null ? intentRef : chargeRef)
                    + " of invoice " + invoice.id() + " to be posted");
        }
        Map<String, Object> pay = rows.get(0);
        String payment = (String) pay.get("payment_id");
        if (invoice.id().equals(pay.get("invoice_id"))) {
            return PostingOutcome.posted(List.of(), "payment " + payment + " was applied to invoice " + invoice.id() + " when it was posted");
        }
        long unapplied = ((Number) pay.get("unapplied")).longValue();
        long refunded = ((Number) pay.get("amount_refunded")).longValue();
        long apply = Math.min(amount, Math.min(unapplied, Math.max(0, invoice.open())));
        if (apply <= 0) {
            return PostingOutcome.posted(List.of(), "nothing to apply: invoice " + invoice.id() + " has " + invoice.open()
                    + " open and payment " + payment + " " + Math.max(0, unapplied) + " unapplied");
        }
        String customer = pay.get("customer_id") != null ? (String) pay.get("customer_id") : invoice.customer();
        List<Long> posted = new ArrayList<>();
        // refunds (or a lost dispute) of this payment posted before the link took the money out of unapplied cash;
        // they belonged to the invoice: taken out of its revenue instead, as they would have been in the other order
        long reclass = Math.min(refunded, Math.max(0, apply - Math.max(0, unapplied - refunded)));
        if (reclass > 0) {
            LocalDate date = dates.date(event.occurredAt());
            PostingRules.Split split = receivables.split(reclass, 0, invoice.id(), date);
            store.post(rules.reduction(event.source() + ":refund_reclass:" + payment + ":" + invoice.id(), date,
                    invoice.currency(), customer, reclass, split, rules.account(AccountRole.UNAPPLIED_CASH),
                    "refund_reclassified", "Refunds of payment " + payment + " posted before it was linked to invoice "
                            + invoice.id() + ": out of the invoice's revenue, not unapplied cash"), event.inboxId())
                    .ifPresent(id -> {
                        posted.add(id);
                        receivables.reduceDeferral(invoice.id(), split.unearned(), date, id, Map.of());
                    });
        }
        String memo = "Stripe payment " + payment.substring(payment.indexOf(':') + 1) + " applied to invoice "
                + invoice.id().substring(invoice.id().indexOf(':') + 1) + " (" + linkId + ")";
        Optional<Long> id = receivables.applyToInvoice(event, rules.application(event.source() + ":application:" + payment + ":" + invoice.id(),
                dates.date(event.occurredAt()), invoice.currency(), customer, apply, "payment_applied", memo), invoice.id(), apply);
        if (id.isPresent()) {
            jdbc.update("""
                    update ar_payment set invoice_id = coalesce(invoice_id, ?), applied = applied + ?, unapplied = unapplied - ?
                    where payment_id = ?""", invoice.id(), apply, apply, payment);
        }
        id.ifPresent(posted::add);
        posted.addAll(waiting.drain("settled:" + invoice.id(), batch));
        return PostingOutcome.posted(posted, memo);
    }

    /**
     * Stripe says an invoice is paid. What settles it: the customer's credit balance (Dr 2100 / Cr 1100, shared
     * with the balance transaction that reports it), a payment outside the processor (Dr 1020 / Cr 1100), or the
     * charge and payment intent it names (before basil). From basil on the payments are linked by their own
     * invoice_payment events: while the invoice is still open in AR this waits for them, and a person is told
     * when it waits too long.
     */
    PostingOutcome invoicePaid(CanonicalEvent event, Invoice inv, Batch batch) {
        String invoiceId = ref(event, inv.id());
        Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return PostingOutcome.waitingForInvoice(invoiceId);
        }
        OpenInvoice open = found.get();
        List<Long> posted = new ArrayList<>();
        long credit = Math.min(inv.creditApplied(), Math.max(0, open.open()));
        if (credit > 0) {
            creditApplied(event, open, credit).ifPresent(id -> posted.add(id));
            open = receivables.lockInvoice(invoiceId).orElseThrow();
        }
        String label = inv.number() == null ? inv.id() : inv.number();
        if (Boolean.TRUE.equals(inv.paidOutOfBand())) {
            if (open.open() > 0) {
                receivables.applyToInvoice(event, rules.paidOutOfBand(key(event, "invoice", inv.id(), "paid_out_of_band"),
                        dates.date(event.occurredAt()), open.currency(), open.customer(), open.open(),
                        "Stripe invoice " + label + " paid out of band"), invoiceId, open.open()).ifPresent(posted::add);
            }
            return PostingOutcome.posted(posted, "Stripe invoice " + label + " paid out of band");
        }
        if ((inv.chargeRef() != null || inv.paymentIntentRef() != null) && open.open() > 0 && inv.amountPaid() > 0) {
            PostingOutcome linked = link(event, open, "invoice.paid", inv.chargeRef(), inv.paymentIntentRef(), inv.amountPaid(), batch);
            if (!posted.isEmpty() && linked.waitingFor() == null) {
                posted.addAll(linked.entryIds());
                return PostingOutcome.posted(posted, linked.message());
            }
            return linked;
        }
        if (open.open() > 0) {
            return PostingOutcome.waiting("settled:" + invoiceId, "Stripe says invoice " + label + " is paid; " + open.open()
                    + " " + open.currency() + " is still open in AR, waiting for its payments to be linked (invoice_payment.paid)");
        }
        return PostingOutcome.posted(posted, "Stripe invoice " + label + " paid; nothing open in AR");
    }

    /** The customer's credit balance applied to an invoice: Dr 2100 / Cr 1100, once per invoice whichever event reports it. */
    Optional<Long> creditApplied(CanonicalEvent event, OpenInvoice invoice, long amount) {
        String id = invoice.id().substring(invoice.id().indexOf(':') + 1);
        return receivables.applyToInvoice(event, rules.application(key(event, "credit_applied", id, null), dates.date(event.occurredAt()),
                invoice.currency(), invoice.customer(), amount, "credit_balance_applied",
                "Customer credit balance applied to Stripe invoice " + id), invoice.id(), amount);
    }

    /**
     * A change of the customer's credit balance: a credit applied to an invoice, a credit given by hand, or one
     * caused by a credit note or an overpayment (posted by those). Any other kind opens an exception.
     */
    PostingOutcome balanceChange(CanonicalEvent event, BalanceChange b, Batch batch) {
        String what = "Stripe customer balance transaction " + b.id() + " (" + b.kind() + ", " + b.amount() + " " + b.currency() + ")";
        switch (b.kind()) {
            case "applied_to_invoice" -> {
                if (b.invoiceRef() == null || b.amount() <= 0) {
                    break;
                }
                String invoiceId = ref(event, b.invoiceRef());
                Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId);
                if (found.isEmpty()) {
                    return PostingOutcome.waitingForInvoice(invoiceId);
                }
                long amount = Math.min(b.amount(), Math.max(0, found.get().open()));
                List<Long> posted = amount > 0 ? creditApplied(event, found.get(), amount).map(List::of).orElse(List.of()) : List.of();
                return PostingOutcome.posted(posted, what + ": credit applied to invoice " + b.invoiceRef());
            }
            case "adjustment" -> {
                if (b.amount() >= 0) {
                    break;
                }
                String customer = customers.resolve(event.source(), b.customerRef());
                Optional<Long> id = store.post(rules.balanceCredit(key(event, "balance", b.id(), null),
                        dates.date(b.createdAt() != null ? b.createdAt() : event.occurredAt()), b.currency(), customer, -b.amount(),
                        what + ": credit given" + (b.description() == null ? "" : " (" + b.description() + ")")), event.inboxId());
                return PostingOutcome.posted(id.map(List::of).orElse(List.of()), what + ": credit given to the customer");
            }
            case "credit_note" -> {
                return PostingOutcome.posted(List.of(), what + ": posted by credit note " + b.creditNoteRef());
            }
            case "invoice_overpaid" -> {
                return PostingOutcome.posted(List.of(), what + ": the overpayment was posted to 2100 with its payment");
            }
            default -> {
            }
        }
        String customer = b.customerRef() == null ? null : customers.resolve(event.source(), b.customerRef());
        exceptions.open(event, "no_posting_rule", customer, what + " has no posting rule: post it by hand or adjust the customer balance",
                Map.of("balanceTransaction", b.id(), "kind", b.kind(), "amount", b.amount(), "currency", b.currency()));
        return PostingOutcome.exception(what + " has no posting rule");
    }
}
