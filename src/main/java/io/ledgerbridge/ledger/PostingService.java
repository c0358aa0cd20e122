package io.ledgerbridge.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.CreditNote;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.canonical.BalanceChange;
import io.ledgerbridge.canonical.Dispute;
import io.ledgerbridge.canonical.InvoiceLine;
import io.ledgerbridge.canonical.InvoicePayment;
import io.ledgerbridge.canonical.Payment;
import io.ledgerbridge.canonical.Payout;
import io.ledgerbridge.canonical.Refund;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.Allocation;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.ledger.domain.RecognitionSchedule;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.sql.Date;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Applies canonical finance events to the internal ledger (accounting.md posting rules) in the
 * caller's transaction: journal entries, the receivables they affect, and the event's outcome on
 * the inbox. Events that arrive before what they depend on (a payment before its invoice) wait and
 * are applied, in the same transaction, as soon as it is posted, so the result does not depend on
 * the order of arrival.
 */
@Service
public class PostingService {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final CustomerDirectory customers;
    private final LedgerMappings mappings;
    private final ObjectMapper mapper;
    private final ZoneId zone;
    private final io.micrometer.core.instrument.MeterRegistry meters;
    private final io.ledgerbridge.inbox.PipelineState states;

    public PostingService(JdbcTemplate jdbc, LedgerStore store, CustomerDirectory customers, LedgerMappings mappings,
                          ObjectMapper mapper, @Value("${ledgerbridge.timezone:UTC}") String timezone,
                          io.micrometer.core.instrument.MeterRegistry meters, io.ledgerbridge.inbox.PipelineState states) {
        this.meters = meters;
        this.states = states;
        this.jdbc = jdbc;
        this.store = store;
        this.customers = customers;
        this.mappings = mappings;
        this.mapper = mapper;
        this.zone = ZoneId.of(timezone);
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
        Batch batch = new Batch();
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
        if (!dependencies.isEmpty()) {
            for (String dependency : dependencies) {
                batch.stored.put(dependency, new ArrayList<>());
            }
            jdbc.query("""
                    select id, waiting_for, canonical::text from inbox_event
                    where status = 'waiting' and waiting_for = any(?) order by id for update""",
                    rs -> {
                        batch.stored.get(rs.getString(2)).add(waitingEvent(rs.getLong(1), rs.getString(3)));
                    }, (Object) dependencies.toArray(String[]::new));
        }
        preloadPayments(events, batch);
        for (CanonicalEvent e : events) {
            apply(e, batch);
        }
        flushReceivables(batch);
        store.flush();
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
        jdbc.query("""
                select id, canonical::text from inbox_event i
                where status = 'waiting' and (
                      waiting_for like 'invoice:%' and exists (select 1 from ar_invoice a where a.invoice_id = substr(i.waiting_for, 9))
                   or waiting_for like 'payment:%' and exists (select 1 from ar_payment p where p.payment_id = substr(i.waiting_for, 9))
                   or waiting_for like 'payment-intent:%'
                      and exists (select 1 from ar_payment p where p.payment_intent = substr(i.waiting_for, 16))
                   or waiting_for like 'settled:%' and exists (select 1 from ar_invoice a where a.invoice_id = substr(i.waiting_for, 9)
                      and a.total - a.amount_paid - a.amount_credited - a.amount_written_off <= 0))
                order by id limit 500 for update skip locked""",
                rs -> {
                    events.add(waitingEvent(rs.getLong(1), rs.getString(2)));
                    forms.add(rs.getString(2));
                });
        if (!events.isEmpty()) {
            applyAll(events, forms, false);
        }
        return events.size();
    }

    /**
     * What one batch has done so far: the outcome of each event (written to the inbox at the end), the
     * events that started waiting in it, and those already waiting in the database for what it posts.
     */
    private static final class Batch {
        final Map<Long, PostingOutcome> outcomes = new java.util.LinkedHashMap<>();
        final Map<Long, String> canonical = new java.util.HashMap<>();
        final Map<Long, CanonicalEvent> events = new java.util.HashMap<>();
        final Map<String, List<CanonicalEvent>> waiting = new java.util.HashMap<>();
        final Map<String, List<CanonicalEvent>> stored = new java.util.HashMap<>();
        final java.util.Set<String> drained = new java.util.HashSet<>();
        /** Invoices this transaction holds locked, as they stand in it (read, or booked, in this batch). */
        final Map<String, OpenInvoice> invoices = new java.util.HashMap<>();
        /** Whether a payment id is in ar_payment, for the ids looked up for the batch or posted in it. */
        final Map<String, Boolean> payments = new java.util.HashMap<>();
        /** Invoices booked and payments taken since the receivables were last written (see flushReceivables). */
        final Map<String, BookedInvoice> booked = new java.util.LinkedHashMap<>();
        final List<TakenPayment> paid = new ArrayList<>();
        /** Invoices stored before whose payments since the last write change them. */
        final java.util.Set<String> changed = new java.util.LinkedHashSet<>();
    }

    /** An invoice booked in the batch, not written yet. */
    private record BookedInvoice(String id, String customer, String currency, long total, LocalDate date, long entryId,
                                 List<RevenueLine> lines, Invoice source) {
        /** As it stands when booked: open, nothing paid on it yet. */
        OpenInvoice opened() {
            return new OpenInvoice(id, customer, currency, total, 0, 0, 0, "open", entryId);
        }
    }

    /** A line of an invoice booked in the batch. */
    private record BookedLine(BookedInvoice invoice, RevenueLine line) {
    }

    /** A payment taken in the batch, as ar_payment keeps it. */
    private record TakenPayment(String id, String invoiceId, String customer, String currency, long amount, long applied,
                                Long entryId, String paymentIntent, String feeStatus, Instant paidAt, String settlementCurrency) {
    }

    /**
     * Writes what the batch's invoices and payments did to the receivables since the last time, a
     * statement a table: the invoices it booked (with what was paid on them in the batch) and their
     * lines, the payments, and the invoices stored before that its payments changed. Runs at the end of
     * the batch, and before any event that reads or changes receivables in SQL of its own.
     */
    private void flushReceivables(Batch batch) {
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
     * before, and its invoice, locked (in invoice order) as {@link #lockInvoice} locks it.
     */
    private void preloadPayments(List<CanonicalEvent> events, Batch batch) {
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

    private PostingOutcome apply(CanonicalEvent event, Batch batch) {
        boolean ownReceivablesSql = switch (event.type()) {
            case INVOICE_VOIDED, INVOICE_UNCOLLECTIBLE, REFUND_ISSUED, CREDIT_NOTE_ISSUED, INVOICE_PAID, INVOICE_UPDATED, INVOICE_PAYMENT_PAID,
                 DISPUTE_UPDATED, CUSTOMER_BALANCE_CHANGED, PAYOUT_PAID, PAYOUT_FAILED -> true;
            default -> false;
        };
        if (ownReceivablesSql) {
            // they read and change receivables in SQL of their own: what the batch did so far is written first
            flushReceivables(batch);
        }
        PostingOutcome outcome = switch (event.type()) {
            case CUSTOMER_UPSERTED -> {
                customers.upsert(event.source(), event.customer());
                yield PostingOutcome.posted(List.of(), "customer record updated");
            }
            case INVOICE_FINALIZED -> invoiceFinalized(event, event.invoice(), batch);
            case INVOICE_VOIDED -> invoiceVoided(event, event.invoice());
            case INVOICE_UNCOLLECTIBLE -> invoiceUncollectible(event, event.invoice());
            case PAYMENT_SUCCEEDED -> payment(event, event.payment(), batch);
            case REFUND_ISSUED -> refund(event, event.refund());
            case CREDIT_NOTE_ISSUED -> creditNote(event, event.creditNote());
            case PAYOUT_PAID -> payout(event, event.payout());
            case PAYOUT_FAILED -> payoutFailed(event, event.payout());
            case INVOICE_PAID -> invoicePaid(event, event.invoice(), batch);
            case INVOICE_UPDATED -> switch (event.invoice().status() == null ? "" : event.invoice().status()) {
                case "paid" -> invoicePaid(event, event.invoice(), batch);
                case "void" -> invoiceVoided(event, event.invoice());
                case "uncollectible" -> invoiceUncollectible(event, event.invoice());
                default -> PostingOutcome.posted(List.of(), "Stripe invoice " + event.invoice().id() + " updated while "
                        + event.invoice().status() + ": its money is posted when it is finalized, paid, voided or written off");
            };
            case INVOICE_PAYMENT_PAID -> invoicePayment(event, event.invoicePayment(), batch);
            case DISPUTE_UPDATED -> dispute(event, event.dispute());
            case CUSTOMER_BALANCE_CHANGED -> balanceChange(event, event.balanceChange(), batch);
            case UNPOSTABLE -> {
                openException(event, "no_posting_rule", null, "Stripe " + event.sourceEventType() + " event " + event.sourceEventId()
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

    // ---- invoices -------------------------------------------------------------------------

    private PostingOutcome invoiceFinalized(CanonicalEvent event, Invoice inv, Batch batch) {
        String invoiceId = ref(event, inv.id());
        String customer = customers.resolve(event.source(), inv.customerRef());
        LocalDate date = date(inv.finalizedAt() != null ? inv.finalizedAt() : event.occurredAt());
        List<RevenueLine> lines = new ArrayList<>();
        List<String> unmapped = new ArrayList<>();
        List<String> relieved = new ArrayList<>();
        for (InvoiceLine l : inv.lines()) {
            LocalDate start = l.periodStart() == null ? null : date(l.periodStart());
            LocalDate end = l.periodEnd() == null ? null : date(l.periodEnd());
            boolean hasPeriod = start != null && end != null && end.isAfter(start);
            LedgerMappings.ProductRule rule = mappings.product(l.productRef(), hasPeriod);
            if (!mappings.isMapped(l.productRef()) && (l.invoiceItemRef() == null || !accruedUsage(l.invoiceItemRef()))) {
                unmapped.add(l.productRef() == null ? l.id() : l.productRef());
            }
            if (l.invoiceItemRef() != null && accruedUsage(l.invoiceItemRef())) {
                // usage already accrued at period close: this line relieves 1150 instead of earning revenue again
                lines.add(new RevenueLine(l.id(), l.productRef(), io.ledgerbridge.ledger.domain.Accounts.UNBILLED, "usage_in_arrears",
                        l.netAmount(), hasPeriod ? start : null, hasPeriod ? end : null, false));
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
            entry = PostingRules.invoiceFinalized(key(event, "invoice", inv.id(), "finalized"), date, inv.currency(),
                    customer, inv.total(), inv.tax(), lines, memo);
        } catch (PostingRules.InvoiceDoesNotSum e) {
            String why = Boolean.TRUE.equals(inv.linesHaveMore())
                    ? "; its webhook lists only part of its lines (lines.has_more) and the Stripe API could not give the rest"
                    : "";
            openException(event, "invoice_does_not_sum", customer,
                    "Invoice " + inv.id() + " was not posted: " + e.getMessage() + why, Map.of("invoice", inv.id()));
            return PostingOutcome.exception("invoice does not sum: " + e.getMessage());
        }
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isEmpty()) {
            BookedInvoice same = batch.booked.get(invoiceId);
            Long postedTotal = same != null ? Long.valueOf(same.total()) : jdbc.query(
                    "select total from ar_invoice where invoice_id = ?", rs -> rs.next() ? rs.getLong(1) : null, invoiceId);
            if (postedTotal != null && postedTotal != inv.total()) {
                return conflict(event, "invoice", inv.id(), customer, key(event, "invoice", inv.id(), "finalized"),
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
            flushReceivables(batch);
            creditApplied(event, booked.opened(), credit).ifPresent(posted::add);
            batch.invoices.remove(invoiceId);
        }
        posted.addAll(drain("invoice:" + invoiceId, batch));
        return PostingOutcome.posted(posted, memo);
    }

    /** A Stripe invoice item the product pushed for usage it accrued at period close. */
    private boolean accruedUsage(String invoiceItem) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists (select 1 from usage_charge where stripe_invoice_item = ? and accrual_entry_id is not null)",
                Boolean.class, invoiceItem));
    }

    private static String describe(Invoice inv, String lineId) {
        return inv.lines().stream().filter(l -> l.id().equals(lineId)).map(InvoiceLine::description).findFirst().orElse(null);
    }

    private record OpenInvoice(String id, String customer, String currency, long total, long paid, long credited,
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

    private Optional<OpenInvoice> lockInvoice(String invoiceId) {
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
    private Optional<OpenInvoice> lockInvoice(String invoiceId, Batch batch) {
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

    /** The outcome of an event that needs an invoice the ledger has not booked yet. */
    private static PostingOutcome waitForInvoice(String invoiceId) {
        return PostingOutcome.waiting("invoice:" + invoiceId, "waiting for invoice " + invoiceId + " to be posted");
    }

    private PostingOutcome invoiceVoided(CanonicalEvent event, Invoice inv) {
        String invoiceId = ref(event, inv.id());
        Optional<OpenInvoice> found = lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return waitForInvoice(invoiceId);
        }
        JournalEntry original = store.read(found.get().entryId());
        JournalEntry reversal = original.reversal(key(event, "invoice", inv.id(), "void"), date(event.occurredAt()),
                "Stripe invoice " + (inv.number() == null ? inv.id() : inv.number()) + " voided", "invoice_voided");
        Optional<Long> id = store.post(reversal, event.inboxId());
        jdbc.update("update ar_invoice set status = 'void', updated_at = now() where invoice_id = ?", invoiceId);
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), reversal.memo());
    }

    private PostingOutcome invoiceUncollectible(CanonicalEvent event, Invoice inv) {
        String invoiceId = ref(event, inv.id());
        Optional<OpenInvoice> found = lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return waitForInvoice(invoiceId);
        }
        OpenInvoice open = found.get();
        if (open.open() <= 0) {
            return PostingOutcome.posted(List.of(), "nothing open on invoice " + inv.id() + " to write off");
        }
        String memo = "Stripe invoice " + (inv.number() == null ? inv.id() : inv.number()) + " marked uncollectible";
        JournalEntry entry = PostingRules.uncollectible(key(event, "invoice", inv.id(), "uncollectible"),
                date(event.occurredAt()), open.currency(), open.customer(), open.open(),
                key(event, "invoice", inv.id(), "finalized"), memo);
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isPresent()) {
            jdbc.update("""
                    update ar_invoice set amount_written_off = amount_written_off + ?, status = 'uncollectible',
                           updated_at = now() where invoice_id = ?""", open.open(), invoiceId);
        }
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }

    // ---- money in and out -----------------------------------------------------------------

    /**
     * A payment, posted once whichever of its events comes first (charge succeeded, captured or updated, payment
     * intent succeeded). A charge authorised and not captured posts nothing yet. A later event of a payment posted
     * before adds what the first one lacked: its fee, its settlement in another currency.
     */
    private PostingOutcome payment(CanonicalEvent event, Payment p, Batch batch) {
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
                return conflict(event, "payment", p.id(), null, key(event, "payment", p.id(), null), postedAmount, p.amount(),
                        p.currency());
            }
            return paymentPostedBefore(event, p, paymentId, batch);
        }
        String customer = p.customerRef() == null ? null : customers.resolve(event.source(), p.customerRef());
        long applied = 0;
        OpenInvoice invoice = null;
        if (p.invoiceRef() != null) {
            String invoiceId = ref(event, p.invoiceRef());
            Optional<OpenInvoice> found = lockInvoice(invoiceId, batch);
            if (found.isEmpty()) {
                return waitForInvoice(invoiceId);
            }
            invoice = found.get();
            if (customer == null) {
                customer = invoice.customer();
            }
            applied = Math.min(p.amount(), Math.max(0, invoice.open()));
        }
        LocalDate date = date(p.paidAt() != null ? p.paidAt() : event.occurredAt());
        boolean crossCurrency = crossCurrency(p);
        String memo = "Stripe payment " + p.id() + (p.invoiceRef() == null ? " (no invoice)" : " for invoice " + p.invoiceRef())
                + (p.amount() > applied ? "; " + (p.amount() - applied) + " unapplied" : "")
                + (crossCurrency ? "; settled in " + p.settlementCurrency() : "");
        List<Long> posted = new ArrayList<>();
        store.post(PostingRules.payment(key(event, "payment", p.id(), null), date, p.currency(), customer, p.amount(),
                applied, crossCurrency, memo), event.inboxId()).ifPresent(posted::add);
        if (crossCurrency) {
            store.post(PostingRules.settlement(key(event, "settlement", p.balanceTransactionRef(), null), date,
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
            openException(event, "short_payment", customer, "Payment " + p.id() + " of " + p.amount() + " "
                    + p.currency() + " leaves " + stillOpen + " open on invoice " + p.invoiceRef(),
                    Map.of("invoice", p.invoiceRef(), "payment", p.id(), "open", stillOpen));
        }
        posted.addAll(drain("payment:" + paymentId, batch));
        if (p.paymentIntentRef() != null) {
            posted.addAll(drain("payment-intent:" + ref(event, p.paymentIntentRef()), batch));
        }
        if (invoice != null && applied > 0) {
            posted.addAll(drain("settled:" + invoice.id(), batch));
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
        return store.post(PostingRules.fee(key(event, "fee", feeRef, null), date, p.settledIn(), customer, p.fee(),
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
        flushReceivables(batch);
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select customer_id, fee_status, settlement_currency, currency, amount, paid_at from ar_payment
                where payment_id = ? for update""", paymentId);
        Map<String, Object> row = rows.get(0);
        if ("known".equals(row.get("fee_status"))) {
            return PostingOutcome.posted(List.of(), "already posted");
        }
        String customer = (String) row.get("customer_id");
        LocalDate date = date(p.paidAt() != null ? p.paidAt() : event.occurredAt());
        List<Long> posted = new ArrayList<>();
        if (crossCurrency(p) && row.get("settlement_currency") == null) {
            // posted to 1010 in the charge's currency before its settlement was known: moved to 1030, then settled
            String memo = "Stripe payment " + p.id() + " settled as " + p.settlementAmount() + " " + p.settlementCurrency();
            store.post(PostingRules.settlementReclass(key(event, "settlement", p.balanceTransactionRef(), "reclass"), date,
                    p.currency(), customer, p.amount(), memo), event.inboxId()).ifPresent(posted::add);
            store.post(PostingRules.settlement(key(event, "settlement", p.balanceTransactionRef(), null), date,
                    p.settlementCurrency(), customer, p.settlementAmount(), memo), event.inboxId()).ifPresent(posted::add);
        }
        posted.addAll(fee(event, p, customer, date));
        jdbc.update("update ar_payment set fee_status = 'known', settlement_currency = ? where payment_id = ?",
                p.settledIn(), paymentId);
        return PostingOutcome.posted(posted, "fee of Stripe payment " + p.id() + " posted (" + p.fee() + " " + p.settledIn() + ")");
    }

    /** An invoice's open amount applied from money already held for the customer (unapplied cash or credit balance). */
    private Optional<Long> applyToInvoice(CanonicalEvent event, JournalEntry entry, String invoiceId, long amount) {
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

    /**
     * A payment linked to an invoice (invoice_payment.paid, or the charge and payment intent an older invoice.paid
     * names). A payment posted before as unapplied cash is applied now (Dr 2100 / Cr 1100); a payment not posted yet
     * waits for it (it applies itself then, or this link applies it when drained).
     */
    private PostingOutcome invoicePayment(CanonicalEvent event, InvoicePayment ip, Batch batch) {
        String invoiceId = ref(event, ip.invoiceRef());
        Optional<OpenInvoice> found = lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return waitForInvoice(invoiceId);
        }
        if ("payment_record".equals(ip.paymentType())) {
            // paid outside Stripe (API 2025-03-31 and later record such payments as payment records)
            OpenInvoice open = found.get();
            long amount = Math.min(ip.amount(), Math.max(0, open.open()));
            String memo = "Stripe invoice " + ip.invoiceRef() + " paid outside Stripe (" + ip.id() + ")";
            List<Long> posted = amount <= 0 ? List.of() : applyToInvoice(event, PostingRules.paidOutOfBand(
                    key(event, "invoice_payment", ip.id(), "out_of_band"), date(event.occurredAt()), open.currency(),
                    open.customer(), amount, memo), invoiceId, amount).map(List::of).orElse(List.of());
            List<Long> all = new ArrayList<>(posted);
            all.addAll(drain("settled:" + invoiceId, batch));
            return PostingOutcome.posted(all, memo);
        }
        if (ip.paymentIntentRef() == null && ip.chargeRef() == null) {
            openException(event, "no_posting_rule", found.get().customer(), "Stripe invoice payment " + ip.id() + " of "
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
            LocalDate date = date(event.occurredAt());
            PostingRules.Split split = split(reclass, 0, invoice.id(), date);
            store.post(PostingRules.reduction(event.source() + ":refund_reclass:" + payment + ":" + invoice.id(), date,
                    invoice.currency(), customer, reclass, split, io.ledgerbridge.ledger.domain.Accounts.UNAPPLIED_CASH,
                    "refund_reclassified", "Refunds of payment " + payment + " posted before it was linked to invoice "
                            + invoice.id() + ": out of the invoice's revenue, not unapplied cash"), event.inboxId())
                    .ifPresent(id -> {
                        posted.add(id);
                        reduceDeferral(invoice.id(), split.unearned(), date, id, Map.of());
                    });
        }
        String memo = "Stripe payment " + payment.substring(payment.indexOf(':') + 1) + " applied to invoice "
                + invoice.id().substring(invoice.id().indexOf(':') + 1) + " (" + linkId + ")";
        Optional<Long> id = applyToInvoice(event, PostingRules.application(event.source() + ":application:" + payment + ":" + invoice.id(),
                date(event.occurredAt()), invoice.currency(), customer, apply, "payment_applied", memo), invoice.id(), apply);
        if (id.isPresent()) {
            jdbc.update("""
                    update ar_payment set invoice_id = coalesce(invoice_id, ?), applied = applied + ?, unapplied = unapplied - ?
                    where payment_id = ?""", invoice.id(), apply, apply, payment);
        }
        id.ifPresent(posted::add);
        posted.addAll(drain("settled:" + invoice.id(), batch));
        return PostingOutcome.posted(posted, memo);
    }

    /**
     * Stripe says an invoice is paid. What settles it: the customer's credit balance (Dr 2100 / Cr 1100, shared
     * with the balance transaction that reports it), a payment outside the processor (Dr 1020 / Cr 1100), or the
     * charge and payment intent it names (before basil). From basil on the payments are linked by their own
     * invoice_payment events: while the invoice is still open in AR this waits for them, and a person is told
     * when it waits too long.
     */
    private PostingOutcome invoicePaid(CanonicalEvent event, Invoice inv, Batch batch) {
        String invoiceId = ref(event, inv.id());
        Optional<OpenInvoice> found = lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return waitForInvoice(invoiceId);
        }
        OpenInvoice open = found.get();
        List<Long> posted = new ArrayList<>();
        long credit = Math.min(inv.creditApplied(), Math.max(0, open.open()));
        if (credit > 0) {
            creditApplied(event, open, credit).ifPresent(id -> posted.add(id));
            open = lockInvoice(invoiceId).orElseThrow();
        }
        String label = inv.number() == null ? inv.id() : inv.number();
        if (Boolean.TRUE.equals(inv.paidOutOfBand())) {
            if (open.open() > 0) {
                applyToInvoice(event, PostingRules.paidOutOfBand(key(event, "invoice", inv.id(), "paid_out_of_band"),
                        date(event.occurredAt()), open.currency(), open.customer(), open.open(),
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
    private Optional<Long> creditApplied(CanonicalEvent event, OpenInvoice invoice, long amount) {
        String id = invoice.id().substring(invoice.id().indexOf(':') + 1);
        return applyToInvoice(event, PostingRules.application(key(event, "credit_applied", id, null), date(event.occurredAt()),
                invoice.currency(), invoice.customer(), amount, "credit_balance_applied",
                "Customer credit balance applied to Stripe invoice " + id), invoice.id(), amount);
    }

    /**
     * A change of the customer's credit balance: a credit applied to an invoice, a credit given by hand, or one
     * caused by a credit note or an overpayment (posted by those). Any other kind opens an exception.
     */
    private PostingOutcome balanceChange(CanonicalEvent event, BalanceChange b, Batch batch) {
        String what = "Stripe customer balance transaction " + b.id() + " (" + b.kind() + ", " + b.amount() + " " + b.currency() + ")";
        switch (b.kind()) {
            case "applied_to_invoice" -> {
                if (b.invoiceRef() == null || b.amount() <= 0) {
                    break;
                }
                String invoiceId = ref(event, b.invoiceRef());
                Optional<OpenInvoice> found = lockInvoice(invoiceId);
                if (found.isEmpty()) {
                    return waitForInvoice(invoiceId);
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
                Optional<Long> id = store.post(PostingRules.balanceCredit(key(event, "balance", b.id(), null),
                        date(b.createdAt() != null ? b.createdAt() : event.occurredAt()), b.currency(), customer, -b.amount(),
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
        openException(event, "no_posting_rule", customer, what + " has no posting rule: post it by hand or adjust the customer balance",
                Map.of("balanceTransaction", b.id(), "kind", b.kind(), "amount", b.amount(), "currency", b.currency()));
        return PostingOutcome.exception(what + " has no posting rule");
    }

    /**
     * A dispute as it stands: each balance transaction of its funds posted once (withdrawn: Dr 1060 / Dr 6200 /
     * Cr 1010; reinstated: Dr 1010 / Cr 1060 / Cr 6200), and a lost dispute's amount taken out of revenue as a
     * refund would be (Dr 4900 / 2000 / Cr 1060). An inquiry or a warning with no funds moved posts nothing.
     */
    private PostingOutcome dispute(CanonicalEvent event, Dispute d) {
        String paymentId = ref(event, d.paymentRef());
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select invoice_id, customer_id, unapplied, amount_refunded from ar_payment where payment_id = ? for update""",
                paymentId);
        Map<String, Object> pay = rows.isEmpty() ? null : rows.get(0);
        String customer = pay == null ? null : (String) pay.get("customer_id");
        List<Long> posted = new ArrayList<>();
        long held = 0;
        List<Dispute.Funds> funds = d.balanceTransactions() == null ? List.of() : d.balanceTransactions();
        for (Dispute.Funds f : funds) {
            held -= f.amount();
            LocalDate date = date(f.createdAt() != null ? f.createdAt() : event.occurredAt());
            store.post(PostingRules.disputeFunds(key(event, "dispute_funds", f.id(), null), date, f.currency(), customer,
                    f.amount(), f.fee(), "Stripe dispute " + d.id() + " of payment " + d.paymentRef() + ": funds "
                            + (f.amount() < 0 ? "withdrawn" : "reinstated") + (f.fee() != 0 ? ", fee " + f.fee() : "")),
                    event.inboxId()).ifPresent(posted::add);
        }
        String state = "Stripe dispute " + d.id() + " of payment " + d.paymentRef() + " (" + d.status() + ")";
        if (d.lost() && held > 0) {
            if (pay == null) {
                return PostingOutcome.waiting("payment:" + paymentId, state + ": waiting for payment " + paymentId + " to be posted");
            }
            long amount = Math.min(held, d.amount());
            String invoiceId = (String) pay.get("invoice_id");
            long unappliedLeft = Math.max(0, ((Number) pay.get("unapplied")).longValue() - ((Number) pay.get("amount_refunded")).longValue());
            LocalDate date = date(event.occurredAt());
            PostingRules.Split split = split(amount, Math.min(amount, unappliedLeft), invoiceId, date);
            Optional<Long> id = store.post(PostingRules.disputeLost(key(event, "dispute", d.id(), "lost"), date, d.currency(),
                    customer, amount, split, state + ": lost"), event.inboxId());
            if (id.isPresent()) {
                jdbc.update("update ar_payment set amount_refunded = amount_refunded + ? where payment_id = ?", amount, paymentId);
                reduceDeferral(invoiceId, split.unearned(), date, id.get(), Map.of());
                posted.add(id.get());
            }
            return PostingOutcome.posted(posted, state + ": lost, " + amount + " " + d.currency() + " taken out of revenue");
        }
        if ("won".equals(d.status()) && held > 0) {
            openException(event, "dispute_funds_held", customer, state + " was won but its reinstated funds are not in the event: "
                    + held + " " + d.currency() + " stays in 1060 until they are", Map.of("dispute", d.id(), "held", held));
            return PostingOutcome.exception(state + ": won, funds not reinstated yet");
        }
        return PostingOutcome.posted(posted, funds.isEmpty() ? state + ": no funds moved" : state);
    }

    private PostingOutcome refund(CanonicalEvent event, Refund r) {
        String paymentId = ref(event, r.paymentRef());
        if (r.status() != null && !"succeeded".equals(r.status())) {
            if (("failed".equals(r.status()) || "canceled".equals(r.status()))
                    && exists("select count(*) from journal_entry where entry_key = ?", key(event, "refund", r.id(), null))) {
                openException(event, "refund_reversed", null, "Stripe refund " + r.id() + " of payment " + r.paymentRef() + " ("
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
        LocalDate date = date(r.refundedAt() != null ? r.refundedAt() : event.occurredAt());
        PostingRules.Split split = split(r.amount(), Math.min(r.amount(), unappliedLeft), invoiceId, date);
        String memo = "Stripe refund " + r.id() + " of payment " + r.paymentRef();
        Optional<Long> id = store.post(PostingRules.refund(key(event, "refund", r.id(), null), date, r.currency(),
                customer, r.amount(), split, memo), event.inboxId());
        if (id.isPresent()) {
            jdbc.update("update ar_payment set amount_refunded = amount_refunded + ? where payment_id = ?", r.amount(), paymentId);
            reduceDeferral(invoiceId, split.unearned(), date, id.get(), Map.of());
        }
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }

    private PostingRules.Split split(long amount, long fromUnapplied, String invoiceId, LocalDate date) {
        if (invoiceId == null) {
            return PostingRules.split(amount, fromUnapplied, 0, 0, List.of(), date);
        }
        long total = jdbc.queryForObject("select total from ar_invoice where invoice_id = ?", Long.class, invoiceId);
        List<RevenueLine> lines = revenueLines(invoiceId);
        long tax = total - lines.stream().mapToLong(RevenueLine::amount).sum();
        return PostingRules.split(amount, fromUnapplied, total, tax, lines, date);
    }

    private PostingOutcome creditNote(CanonicalEvent event, CreditNote cn) {
        String invoiceId = ref(event, cn.invoiceRef());
        Optional<OpenInvoice> found = lockInvoice(invoiceId);
        if (found.isEmpty()) {
            return waitForInvoice(invoiceId);
        }
        OpenInvoice inv = found.get();
        boolean prePayment = !"post_payment".equals(cn.type());
        long amount = prePayment ? cn.total() : cn.creditAmount() + cn.outOfBandAmount();
        if (amount <= 0) {
            return PostingOutcome.posted(List.of(), "credit note " + cn.id() + " refunds only: posted from the refund");
        }
        LocalDate date = date(cn.issuedAt() != null ? cn.issuedAt() : event.occurredAt());
        String memo = "Stripe credit note " + (cn.number() == null ? cn.id() : cn.number()) + " against invoice "
                + cn.invoiceRef() + (prePayment ? "" : " credited to the customer balance");
        JournalEntry entry = PostingRules.creditNote(key(event, "credit_note", cn.id(), null), date, cn.currency(),
                inv.customer(), amount, split(amount, 0, invoiceId, date), prePayment, memo);
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
        id.ifPresent(entryId -> reduceDeferral(invoiceId, entry.lines().stream()
                .filter(l -> l.account().equals("2000")).mapToLong(JournalLine::debit).sum(), date, entryId, credited));
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }

    /**
     * A payout, posted when it is paid (Dr 1000 / Cr 1010) and reversed when it failed or was canceled, whichever
     * order the events come in. The fees of charges it settled that no webhook carried are posted from its balance
     * transactions (read through the Stripe API by the mapper).
     */
    private PostingOutcome payout(CanonicalEvent event, Payout po) {
        if ("failed".equals(po.status()) || "canceled".equals(po.status())) {
            return payoutFailed(event, po);
        }
        if (po.status() != null && !"paid".equals(po.status())) {
            return PostingOutcome.posted(List.of(), "Stripe payout " + po.id() + " is " + po.status() + ": nothing posted until it is paid");
        }
        String memo = "Stripe payout " + po.id() + " to the bank";
        LocalDate date = date(po.arrivalDate() != null ? po.arrivalDate() : event.occurredAt());
        List<Long> posted = new ArrayList<>();
        store.post(PostingRules.payout(key(event, "payout", po.id(), null), date, po.currency(), po.amount(), memo),
                event.inboxId()).ifPresent(posted::add);
        List<Map<String, Object>> failed = jdbc.queryForList("select status from payout_failure where payout_id = ?", ref(event, po.id()));
        if (!failed.isEmpty()) {
            paidPayout(event, po).ifPresent(paid -> posted.addAll(reversePayout(event, po, (String) failed.get(0).get("status"), paid)));
        }
        if (po.settlements() != null) {
            for (Payout.Settlement s : po.settlements()) {
                posted.addAll(feeFromPayout(event, po, s, date));
            }
        }
        return PostingOutcome.posted(posted, memo + (failed.isEmpty() ? "" : "; it " + failed.get(0).get("status") + " since: reversed"));
    }

    private List<Long> feeFromPayout(CanonicalEvent event, Payout po, Payout.Settlement s, LocalDate date) {
        String paymentId = ref(event, s.paymentRef());
        List<Map<String, Object>> rows = jdbc.queryForList(
                "select customer_id from ar_payment where payment_id = ? and fee_status <> 'known' for update", paymentId);
        if (rows.isEmpty() || s.fee() <= 0) {
            return List.of();
        }
        Optional<Long> id = store.post(PostingRules.fee(key(event, "fee", s.balanceTransactionRef(), null), date, s.currency(),
                (String) rows.get(0).get("customer_id"), s.fee(), "Stripe processing fee of payment " + s.paymentRef()
                        + ", known from payout " + po.id()), event.inboxId());
        jdbc.update("update ar_payment set fee_status = 'known', settlement_currency = ? where payment_id = ?", s.currency(), paymentId);
        return id.map(List::of).orElse(List.of());
    }

    private PostingOutcome payoutFailed(CanonicalEvent event, Payout po) {
        String status = po.status() == null ? "failed" : po.status();
        jdbc.update("""
                insert into payout_failure (payout_id, status, failure_code) values (?, ?, ?) on conflict (payout_id) do nothing""",
                ref(event, po.id()), status, po.failureCode());
        Optional<Long> paid = paidPayout(event, po);
        if (paid.isEmpty()) {
            return PostingOutcome.posted(List.of(), "Stripe payout " + po.id() + " " + status + " before it was paid: no money moved");
        }
        return PostingOutcome.posted(reversePayout(event, po, status, paid.get()), "Stripe payout " + po.id() + " " + status
                + (po.failureCode() == null ? "" : " (" + po.failureCode() + ")") + ": reversed");
    }

    /** The entry of a payout posted as paid, if it was. */
    private Optional<Long> paidPayout(CanonicalEvent event, Payout po) {
        return jdbc.queryForList("select id from journal_entry where entry_key = ?", Long.class,
                key(event, "payout", po.id(), null)).stream().findFirst();
    }

    /**
     * Reverses a payout posted as paid (Dr 1010 / Cr 1000), once whatever ended it (failed, canceled, and whichever
     * of its events says so).
     */
    private List<Long> reversePayout(CanonicalEvent event, Payout po, String status, long paidEntry) {
        JournalEntry reversal = store.read(paidEntry).reversal(key(event, "payout", po.id(), "reversed"), date(event.occurredAt()),
                "Stripe payout " + po.id() + " " + status + (po.failureCode() == null ? "" : " (" + po.failureCode() + ")")
                        + ": reversed", "payout_failed");
        return store.post(reversal, event.inboxId()).map(List::of).orElse(List.of());
    }

    // ---- helpers --------------------------------------------------------------------------

    /**
     * A new event for an invoice or payment already posted with another amount: nothing is posted, and a person sees
     * the conflict (a payload_conflict exception with the body that was posted and the one that came now; the event's
     * trace lists the exception; {@code ledgerbridge.ledger.payload.conflicts}).
     */
    private PostingOutcome conflict(CanonicalEvent event, String what, String id, String customer, String entryKey,
                                    long posted, long now, String currency) {
        List<Map<String, Object>> first = jdbc.queryForList("""
                select i.id, i.event_id, left(i.payload, 65536) as payload from journal_entry e
                join inbox_event i on i.id = any(e.source_event_ids) where e.entry_key = ? order by i.id limit 1""", entryKey);
        List<Map<String, Object>> current = event.inboxId() == null ? List.of()
                : jdbc.queryForList("select left(payload, 65536) as payload from inbox_event where id = ?", event.inboxId());
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put(what, id);
        details.put("postedAmount", posted);
        details.put("deliveredAmount", now);
        details.put("currency", currency);
        details.put("postedBy", first.isEmpty() ? null : first.get(0).get("event_id"));
        details.put("postedBody", first.isEmpty() ? null : first.get(0).get("payload"));
        details.put("deliveredBody", current.isEmpty() ? null : current.get(0).get("payload"));
        String summary = "Stripe " + what + " " + id + " was posted for " + posted + " " + currency + (first.isEmpty() ? ""
                : " (event " + first.get(0).get("event_id") + ")") + "; event " + event.sourceEventId() + " says " + now
                + ": nothing posted, which one is right?";
        openException(event, "payload_conflict", customer, summary, details);
        meters.counter("ledgerbridge.ledger.payload.conflicts", "source", event.source(), "object", what).increment();
        return PostingOutcome.exception(summary);
    }

    /**
     * Takes the unearned part of a refund or credit note out of the invoice's deferred lines: the
     * lines a credit note names, in proportion to what it credits on each; otherwise pro rata to what
     * each line still defers at the date (largest remainder, so the parts add up exactly). Recognition
     * then never recognises it.
     */
    private void reduceDeferral(String invoiceId, long unearned, LocalDate date, long entryId, Map<String, Long> credited) {
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

    /**
     * Applies the events that were waiting for {@code dependency}, in the order they arrived; returns the
     * entries they posted. In a batch, those are the ones the database holds (read for the whole batch
     * at its start where it could know the dependency) and those that started waiting earlier in it.
     */
    private List<Long> drain(String dependency, Batch batch) {
        List<CanonicalEvent> stored = batch.stored.remove(dependency);
        List<CanonicalEvent> waiting = new ArrayList<>(stored != null ? stored : storedWaiting(dependency));
        waiting.addAll(batch.waiting.getOrDefault(dependency, List.of()));
        batch.waiting.remove(dependency);
        // an event is drained once per dependency (it may wait again, for something else, after it was applied)
        waiting.removeIf(e -> e.inboxId() != null && !batch.drained.add(e.inboxId() + "@" + dependency));
        List<Long> posted = new ArrayList<>();
        for (CanonicalEvent e : waiting) {
            posted.addAll(apply(e, batch).entryIds());
        }
        return posted;
    }

    private List<CanonicalEvent> storedWaiting(String dependency) {
        return jdbc.query("""
                select id, canonical::text as canonical from inbox_event
                where status = 'waiting' and waiting_for = ? order by id for update""",
                (rs, i) -> waitingEvent(rs.getLong(1), rs.getString(2)), dependency);
    }

    private CanonicalEvent waitingEvent(long inboxId, String canonical) {
        try {
            return mapper.readValue(canonical, CanonicalEvent.class).withInboxId(inboxId);
        } catch (java.io.IOException ex) {
            throw new IllegalStateException("waiting event " + inboxId + " cannot be read back", ex);
        }
    }

    private void openException(CanonicalEvent event, String kind, String customer, String summary, Map<String, Object> details) {
        try {
            jdbc.update("""
                    insert into exception_item (kind, inbox_event_id, customer_id, summary, details, requested_by)
                    values (?, ?, ?, ?, ?::jsonb, 'ledger')""",
                    kind, event.inboxId(), customer, summary, mapper.writeValueAsString(details));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean exists(String sql, Object arg) {
        Integer n = jdbc.queryForObject(sql, Integer.class, arg);
        return n != null && n > 0;
    }

    private LocalDate date(Instant instant) {
        return LocalDate.ofInstant(instant, zone);
    }

    private static String ref(CanonicalEvent event, String id) {
        return event.source() + ":" + id;
    }

    private static String key(CanonicalEvent event, String kind, String id, String suffix) {
        return event.source() + ":" + kind + ":" + id + (suffix == null ? "" : ":" + suffix);
    }
}
