package io.ledgerbridge.ledger;

import static io.ledgerbridge.ledger.PostingKeys.key;
import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Payment;
import io.ledgerbridge.canonical.Refund;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.Batch.TakenPayment;
import io.ledgerbridge.ledger.domain.PostingRules;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Money in and back out through the processor: payments (charges, payment intents) with their fees and
 * cross-currency settlement, and refunds.
 */
@Component
class PaymentPosting {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final PostingRules rules;
    private final CustomerDirectory customers;
    private final Receivables receivables;
    private final WaitingEvents waiting;
    private final PostingExceptions exceptions;
    private final LedgerDates dates;

    PaymentPosting(JdbcTemplate jdbc, LedgerStore store, PostingRules rules, CustomerDirectory customers, Receivables receivables,
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
     * A payment, posted once whichever of its events comes first (charge succeeded, captured or updated, payment
     * intent succeeded). A charge authorised and not captured posts nothing yet. A later event of a payment posted
     * before adds what the first one lacked: its fee, its settlement in another currency.
     */
    PostingOutcome payment(CanonicalEvent event, Payment p, Batch batch) {
        if (!p.isCaptured()) {
            return PostingOutcome.posted(List.of(), "Stripe charge " + p.id() + " of " + p.amount() + " " + p.currency()
                    + " authorised, not captured: posted when it is captured");
        }
        String paymentId = ref(event, p.id());
        Boolean known = batch.payments.get(paymentId);
        if (known != null ? known : exists("select count(*) from ar_payment where payment_id = ?", paymentId)) {
            Long postedAmount = batch.paid.stream().filter(t -> t.id().equals(paymentId)).map(TakenPayment::amount).findFirst()
                    .orElseGet(() -> jdbc.query("select amount from ar_payment where payment_id = ?",
                            rs -> rs.next() ? rs.getLong(1) : null, paymentId));
            if (postedAmount != null && postedAmount != p.amount()) {
                return exceptions.conflict(event, "payment", p.id(), null, key(event, "payment", p.id(), null), postedAmount, p.amount(),
                        p.currency());
            }
            return paymentPostedBefore(event, p, paymentId, batch);
        }
        String customer = p.customerRef() == null ? null : customers.resolve(event.source(), p.customerRef());
        long applied = 0;
        OpenInvoice invoice = null;
        if (p.invoiceRef() != null) {
            String invoiceId = ref(event, p.invoiceRef());
            Optional<OpenInvoice> found = receivables.lockInvoice(invoiceId, batch);
            if (found.isEmpty()) {
                return PostingOutcome.waitingForInvoice(invoiceId);
            }
            invoice = found.get();
            if (customer == null) {
                customer = invoice.customer();
            }
            applied = Math.min(p.amount(), Math.max(0, invoice.open()));
        }
        LocalDate date = dates.date(p.paidAt() != null ? p.paidAt() : event.occurredAt());
        boolean crossCurrency = crossCurrency(p);
        String memo = "Stripe payment " + p.id() + (p.invoiceRef() == null ? " (no invoice)" : " for invoice " + p.invoiceRef())
                + (p.amount() > applied ? "; " + (p.amount() - applied) + " unapplied" : "")
                + (crossCurrency ? "; settled in " + p.settlementCurrency() : "");
        List<Long> posted = new ArrayList<>();
        store.post(rules.payment(key(event, "payment", p.id(), null), date, p.currency(), customer, p.amount(),
                applied, crossCurrency, memo), event.inboxId()).ifPresent(posted::add);
        if (crossCurrency) {
            store.post(rules.settlement(key(event, "settlement", p.balanceTransactionRef(), null), date,
                    p.settlementCurrency(), customer, p.settlementAmount(), "Stripe payment " + p.id() + " of " + p.amount()
                            + " " + p.currency() + " settled as " + p.settlementAmount() + " " + p.settlementCurrency()),
                    event.inboxId()).ifPresent(posted::add);
        }
        if (p.fee() != null && p.fee() > 0) {
            posted.addAll(fee(event, p, customer, date));
        }
        OpenInvoice after = invoice == null ? null : invoice.afterPayment(applied);
        long stillOpen = after == null ? 0 : after.open();
        // written with the batch's other receivables (flushReceivables)
        batch.paid.add(new TakenPayment(paymentId, invoice == null ? null : invoice.id(), customer, p.currency(), p.amount(),
                applied, posted.isEmpty() ? null : posted.get(0),
                p.paymentIntentRef() == null ? null : ref(event, p.paymentIntentRef()),
                p.fee() != null ? "known" : "unknown", p.paidAt() != null ? p.paidAt() : event.occurredAt(),
                p.balanceTransactionRef() == null ? null : p.settledIn()));
        batch.payments.put(paymentId, true);
        if (after != null) {
            batch.invoices.put(after.id(), after);
            if (!batch.booked.containsKey(after.id())) {
                batch.changed.add(after.id());
            }
        }
        if (invoice != null && stillOpen > 0) {
            exceptions.open(event, "short_payment", customer, "Payment " + p.id() + " of " + p.amount() + " "
                    + p.currency() + " leaves " + stillOpen + " open on invoice " + p.invoiceRef(),
                    Map.of("invoice", p.invoiceRef(), "payment", p.id(), "open", stillOpen));
        }
        posted.addAll(waiting.drain("payment:" + paymentId, batch));
        if (p.paymentIntentRef() != null) {
            posted.addAll(waiting.drain("payment-intent:" + ref(event, p.paymentIntentRef()), batch));
        }
        if (invoice != null && applied > 0) {
            posted.addAll(waiting.drain("settled:" + invoice.id(), batch));
        }
        return PostingOutcome.posted(posted, memo);
    }

    private static boolean crossCurrency(Payment p) {
        return p.settlementCurrency() != null && p.settlementAmount() != null && p.balanceTransactionRef() != null
                && !p.settlementCurrency().equals(p.currency());
    }

    /** The fee of a payment, in the currency it was settled in: Dr 6000 / Cr 1010, once per balance transaction. */
    private List<Long> fee(CanonicalEvent event, Payment p, String customer, LocalDate date) {
        String feeRef = p.balanceTransactionRef() != null ? p.balanceTransactionRef() : p.id();
        return store.post(rules.fee(key(event, "fee", feeRef, null), date, p.settledIn(), customer, p.fee(),
                "Stripe processing fee of payment " + p.id()), event.inboxId()).map(List::of).orElse(List.of());
    }

    /**
     * Another event of a payment posted before (charge.updated once Stripe settled it, charge.succeeded after
     * payment_intent.succeeded): posts the fee and the cross-currency settlement it carries when the payment was
     * posted without them; otherwise nothing.
     */
    private PostingOutcome paymentPostedBefore(CanonicalEvent event, Payment p, String paymentId, Batch batch) {
        if (p.fee() == null) {
            return PostingOutcome.posted(List.of(), "already posted");
        }
        receivables.flush(batch);
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select customer_id, fee_status, settlement_currency, currency, amount, paid_at from ar_payment
                where payment_id = ? for update""", paymentId);
        Map<String, Object> row = rows.get(0);
        if ("known".equals(row.get("fee_status"))) {
            return PostingOutcome.posted(List.of(), "already posted");
        }
        String customer = (String) row.get("customer_id");
        LocalDate date = dates.date(p.paidAt() != null ? p.paidAt() : event.occurredAt());
        List<Long> posted = new ArrayList<>();
        if (crossCurrency(p) && row.get("settlement_currency") == null) {
            // posted to 1010 in the charge's currency before its settlement was known: moved to 1030, then settled
            String memo = "Stripe payment " + p.id() + " settled as " + p.settlementAmount() + " " + p.settlementCurrency();
            store.post(rules.settlementReclass(key(event, "settlement", p.balanceTransactionRef(), "reclass"), date,
                    p.currency(), customer, p.amount(), memo), event.inboxId()).ifPresent(posted::add);
            store.post(rules.settlement(key(event, "settlement", p.balanceTransactionRef(), null), date,
                    p.settlementCurrency(), customer, p.settlementAmount(), memo), event.inboxId()).ifPresent(posted::add);
        }
        posted.addAll(fee(event, p, customer, date));
        jdbc.update("update ar_payment set fee_status = 'known', settlement_currency = ? where payment_id = ?",
                p.settledIn(), paymentId);
        return PostingOutcome.posted(posted, "fee of Stripe payment " + p.id() + " posted (" + p.fee() + " " + p.settledIn() + ")");
    }

    PostingOutcome refund(CanonicalEvent event, Refund r) {
        String paymentId = ref(event, r.paymentRef());
        if (r.status() != null && !"succeeded".equals(r.status())) {
            if (("failed".equals(r.status()) || "canceled".equals(r.status()))
                    && exists("select count(*) from journal_entry where entry_key = ?", key(event, "refund", r.id(), null))) {
                exceptions.open(event, "refund_reversed", null, "Stripe refund " + r.id() + " of payment " + r.paymentRef() + " ("
                        + r.amount() + " " + r.currency() + ") " + r.status() + " after it was posted: the money came back to the "
                        + "processor balance. Reverse the refund entry and restore what it took out of revenue by hand.",
                        Map.of("refund", r.id(), "payment", r.paymentRef(), "status", r.status()));
                return PostingOutcome.exception("refund " + r.id() + " " + r.status() + " after it was posted");
            }
            return PostingOutcome.posted(List.of(), "Stripe refund " + r.id() + " is " + r.status() + ": nothing posted unless it succeeds");
        }
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select invoice_id, customer_id, unapplied, amount_refunded from ar_payment where payment_id = ? for update""",
                paymentId);
        if (rows.isEmpty()) {
            return PostingOutcome.waiting("payment:" + paymentId, "waiting for payment " + paymentId + " to be posted");
        }
        Map<String, Object> pay = rows.get(0);
        String invoiceId = (String) pay.get("invoice_id");
        String customer = (String) pay.get("customer_id");
        long unappliedLeft = Math.max(0, ((Number) pay.get("unapplied")).longValue() - ((Number) pay.get("amount_refunded")).longValue());
        LocalDate date = dates.date(r.refundedAt() != null ? r.refundedAt() : event.occurredAt());
        PostingRules.Split split = receivables.split(r.amount(), Math.min(r.amount(), unappliedLeft), invoiceId, date);
        String memo = "Stripe refund " + r.id() + " of payment " + r.paymentRef();
        Optional<Long> id = store.post(rules.refund(key(event, "refund", r.id(), null), date, r.currency(),
                customer, r.amount(), split, memo), event.inboxId());
        if (id.isPresent()) {
            jdbc.update("update ar_payment set amount_refunded = amount_refunded + ? where payment_id = ?", r.amount(), paymentId);
            receivables.reduceDeferral(invoiceId, split.unearned(), date, id.get(), Map.of());
        }
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }

    private boolean exists(String sql, Object arg) {
        Integer n = jdbc.queryForObject(sql, Integer.class, arg);
        return n != null && n > 0;
    }
}
