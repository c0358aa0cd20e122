package io.ledgerbridge.ledger;

import io.ledgerbridge.inbox.PipelineState;

import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.customers.CustomerDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Applies canonical finance events to the internal ledger (accounting.md posting rules) in the
 * caller's transaction: journal entries, the receivables they affect, and the event's outcome on
 * the inbox. Events that arrive before what they depend on (a payment before its invoice) wait and
 * are applied, in the same transaction, as soon as it is posted, so the result does not depend on
 * the order of arrival.
 * <p>
 * This class runs a batch and sends each event to the posting of its kind: {@link InvoicePosting},
 * {@link PaymentPosting}, {@link CashApplication}, {@link DisputePosting}, {@link PayoutPosting};
 * {@link Receivables} keeps what they change, {@link WaitingEvents} what waits, and
 * {@link PostingExceptions} what goes to a person.
 */
@Service
public class PostingService {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final CustomerDirectory customers;
    private final Receivables receivables;
    private final WaitingEvents waiting;
    private final InvoicePosting invoices;
    private final PaymentPosting payments;
    private final CashApplication cash;
    private final DisputePosting disputes;
    private final PayoutPosting payouts;
    private final PostingExceptions exceptions;
    private final PipelineState states;

    PostingService(JdbcTemplate jdbc, LedgerStore store, CustomerDirectory customers, Receivables receivables,
                   WaitingEvents waiting, InvoicePosting invoices, PaymentPosting payments, CashApplication cash,
                   DisputePosting disputes, PayoutPosting payouts, PostingExceptions exceptions,
                   PipelineState states) {
        this.states = states;
        this.jdbc = jdbc;
        this.store = store;
        this.customers = customers;
        this.receivables = receivables;
        this.waiting = waiting;
        this.invoices = invoices;
        this.payments = payments;
        this.cash = cash;
        this.disputes = disputes;
        this.payouts = payouts;
        this.exceptions = exceptions;
    }

    /**
     * Applies the events of one batch of the ledger stage in the caller's transaction, in order. Reads
     * that would otherwise be repeated event by event are made once for the batch (the customers the
     * events name, the events already waiting for what the batch posts), and the outcome of every
     * event goes to the inbox in one statement at the end, with the event's canonical form as it came
     * ({@code canonical}, the same order as {@code events}; it is kept for the trace and for an event
     * that waits). Invoices, payments and what payments change on invoices are kept in memory and
     * written a statement a table (at the end, or before an event that changes receivables in SQL of
     * its own). The result is the same as applying each event alone, in the same order.
     */
    @Transactional
    public void applyAll(List<CanonicalEvent> events, List<String> canonical) {
        applyAll(events, canonical, false);
    }

    /**
     * The same, with the entries of the batch's invoices, payments and fees written together at its end
     * ({@link LedgerStore#writeTogether}) when {@code together}: fewer statements, and a
     * {@link LedgerStore.EntryPostedBefore} in the rare case one of them was posted before, after which
     * the caller posts the batch again without it.
     */
    @Transactional
    public void applyAll(List<CanonicalEvent> events, List<String> canonical, boolean together) {
        if (together) {
            store.writeTogether();
        }
        Batch batch = new Batch(this::apply);
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).inboxId() != null) {
                batch.canonical.put(events.get(i).inboxId(), canonical.get(i));
            }
        }
        Map<String, List<String>> customerRefs = new java.util.HashMap<>();
        List<String> dependencies = new ArrayList<>();
        for (CanonicalEvent e : events) {
            String ref = switch (e.type()) {
                case INVOICE_FINALIZED -> e.invoice().customerRef();
                case PAYMENT_SUCCEEDED -> e.payment().customerRef();
                default -> null;
            };
            if (ref != null) {
                customerRefs.computeIfAbsent(e.source(), s -> new ArrayList<>()).add(ref);
            }
            if (e.type() == io.ledgerbridge.canonical.CanonicalType.INVOICE_FINALIZED) {
                dependencies.add("invoice:" + ref(e, e.invoice().id()));
            } else if (e.type() == io.ledgerbridge.canonical.CanonicalType.PAYMENT_SUCCEEDED) {
                dependencies.add("payment:" + ref(e, e.payment().id()));
                if (e.payment().paymentIntentRef() != null) {
                    dependencies.add("payment-intent:" + ref(e, e.payment().paymentIntentRef()));
                }
            }
        }
        customerRefs.forEach(customers::resolveAll);
        waiting.loadWaiting(dependencies, batch);
        receivables.preloadPayments(events, batch);
        for (CanonicalEvent e : events) {
            apply(e, batch);
        }
        receivables.flush(batch);
        store.flush();
        recordOutcomes(batch);
    }

    /** Writes the outcome of every event of the batch to the inbox, in one statement. */
    private void recordOutcomes(Batch batch) {
        if (!batch.outcomes.isEmpty()) {
            int n = batch.outcomes.size();
            Long[] ids = new Long[n];
            String[] statuses = new String[n];
            String[] messages = new String[n];
            String[] waitingFor = new String[n];
            String[] json = new String[n];
            String[] types = new String[n];
            String[] versions = new String[n];
            int i = 0;
            for (Map.Entry<Long, PostingOutcome> o : batch.outcomes.entrySet()) {
                ids[i] = o.getKey();
                statuses[i] = o.getValue().status();
                messages[i] = o.getValue().message();
                waitingFor[i] = o.getValue().waitingFor();
                json[i] = batch.canonical.get(o.getKey());
                CanonicalEvent e = batch.events.get(o.getKey());
                types[i] = json[i] == null || e == null ? null : e.type().name();
                versions[i] = json[i] == null || e == null ? null : e.mappingVersion();
                i++;
            }
            // each event's outcome, and its canonical form where this batch brought it (a drained event has it already)
            states.outcomes(ids, statuses, messages, waitingFor, json, types, versions);
        }
    }

    /**
     * Applies the waiting events whose invoice or payment is posted by now. A batch drains what waits for
     * what it posts, but an event that started waiting in another consumer's transaction which was still
     * open then (its dependency posted by a batch that had already looked) is found only here: every few
     * seconds ({@code ops-waiting-release}). Rows another transaction holds are skipped, not waited for.
     * Returns how many were applied.
     */
    @Transactional
    public int releaseReady() {
        List<CanonicalEvent> events = new ArrayList<>();
        List<String> forms = new ArrayList<>();
        waiting.ready(events, forms);
        if (!events.isEmpty()) {
            applyAll(events, forms, false);
        }
        return events.size();
    }

    private PostingOutcome apply(CanonicalEvent event, Batch batch) {
        boolean ownReceivablesSql = switch (event.type()) {
            case INVOICE_VOIDED, INVOICE_UNCOLLECTIBLE, REFUND_ISSUED, CREDIT_NOTE_ISSUED, INVOICE_PAID, INVOICE_UPDATED, INVOICE_PAYMENT_PAID,
                 DISPUTE_UPDATED, CUSTOMER_BALANCE_CHANGED, PAYOUT_PAID, PAYOUT_FAILED -> true;
            default -> false;
        };
        if (ownReceivablesSql) {
            // they read and change receivables in SQL of their own: what the batch did so far is written first
            receivables.flush(batch);
        }
        PostingOutcome outcome = switch (event.type()) {
            case CUSTOMER_UPSERTED -> {
                customers.upsert(event.source(), event.customer());
                yield PostingOutcome.posted(List.of(), "customer record updated");
            }
            case INVOICE_FINALIZED -> invoices.invoiceFinalized(event, event.invoice(), batch);
            case INVOICE_VOIDED -> invoices.invoiceVoided(event, event.invoice());
            case INVOICE_UNCOLLECTIBLE -> invoices.invoiceUncollectible(event, event.invoice());
            case PAYMENT_SUCCEEDED -> payments.payment(event, event.payment(), batch);
            case REFUND_ISSUED -> payments.refund(event, event.refund());
            case CREDIT_NOTE_ISSUED -> invoices.creditNote(event, event.creditNote());
            case PAYOUT_PAID -> payouts.payout(event, event.payout());
            case PAYOUT_FAILED -> payouts.payoutFailed(event, event.payout());
            case INVOICE_PAID -> cash.invoicePaid(event, event.invoice(), batch);
            case INVOICE_UPDATED -> switch (event.invoice().status() == null ? "" : event.invoice().status()) {
                case "paid" -> cash.invoicePaid(event, event.invoice(), batch);
                case "void" -> invoices.invoiceVoided(event, event.invoice());
                case "uncollectible" -> invoices.invoiceUncollectible(event, event.invoice());
                default -> PostingOutcome.posted(List.of(), "Stripe invoice " + event.invoice().id() + " updated while "
                        + event.invoice().status() + ": its money is posted when it is finalized, paid, voided or written off");
            };
            case INVOICE_PAYMENT_PAID -> cash.invoicePayment(event, event.invoicePayment(), batch);
            case DISPUTE_UPDATED -> disputes.dispute(event, event.dispute());
            case CUSTOMER_BALANCE_CHANGED -> cash.balanceChange(event, event.balanceChange(), batch);
            case UNPOSTABLE -> {
                exceptions.open(event, "no_posting_rule", null, "Stripe " + event.sourceEventType() + " event " + event.sourceEventId()
                        + " moves money and was not posted: " + event.ignoredReason(),
                        Map.of("eventType", event.sourceEventType(), "event", event.sourceEventId()));
                yield PostingOutcome.exception(event.ignoredReason());
            }
            case IGNORED -> new PostingOutcome("ignored", List.of(), event.ignoredReason(), null);
            case DEAL_CLOSED_WON, CONTRACT_SIGNED -> throw new io.ledgerbridge.canonical.UnroutableEventException(
                    event.type() + " has no posting rule: deals and contracts go to the contract stage");
        };
        if (ownReceivablesSql) {
            // later payments of the batch read the invoices again
            batch.invoices.clear();
        }
        if (event.inboxId() != null) {
            batch.events.put(event.inboxId(), event);
            batch.outcomes.remove(event.inboxId());
            batch.outcomes.put(event.inboxId(), outcome);
            if (outcome.waitingFor() != null) {
                batch.waiting.computeIfAbsent(outcome.waitingFor(), d -> new ArrayList<>()).add(event);
            }
        }
        return outcome;
    }
}
