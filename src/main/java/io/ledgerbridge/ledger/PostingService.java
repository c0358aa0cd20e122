package io.ledgerbridge.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.CreditNote;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.canonical.InvoiceLine;
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

    public PostingService(JdbcTemplate jdbc, LedgerStore store, CustomerDirectory customers, LedgerMappings mappings,
                          ObjectMapper mapper, @Value("${ledgerbridge.timezone:UTC}") String timezone) {
        this.jdbc = jdbc;
        this.store = store;
        this.customers = customers;
        this.mappings = mappings;
        this.mapper = mapper;
        this.zone = ZoneId.of(timezone);
    }

    @Transactional
    public PostingOutcome apply(CanonicalEvent event) {
        PostingOutcome outcome = switch (event.type()) {
            case CUSTOMER_UPSERTED -> {
                customers.upsert(event.source(), event.customer());
                yield PostingOutcome.posted(List.of(), "customer record updated");
            }
            case INVOICE_FINALIZED -> invoiceFinalized(event, event.invoice());
            case INVOICE_VOIDED -> invoiceVoided(event, event.invoice());
            case INVOICE_UNCOLLECTIBLE -> invoiceUncollectible(event, event.invoice());
            case PAYMENT_SUCCEEDED -> payment(event, event.payment());
            case REFUND_ISSUED -> refund(event, event.refund());
            case CREDIT_NOTE_ISSUED -> creditNote(event, event.creditNote());
            case PAYOUT_PAID -> payout(event, event.payout());
            case IGNORED -> new PostingOutcome("ignored", List.of(), event.ignoredReason(), null);
            case DEAL_CLOSED_WON, CONTRACT_SIGNED -> throw new io.ledgerbridge.pipeline.UnroutableEventException(
                    event.type() + " has no posting rule: deals and contracts go to the contract stage");
        };
        if (event.inboxId() != null) {
            jdbc.update("""
                    update inbox_event set status = ?, status_reason = ?, waiting_for = ?, processed_at = now()
                    where id = ?""", outcome.status(), outcome.message(), outcome.waitingFor(), event.inboxId());
        }
        return outcome;
    }

    // ---- invoices -------------------------------------------------------------------------

    private PostingOutcome invoiceFinalized(CanonicalEvent event, Invoice inv) {
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
            openException(event, "invoice_does_not_sum", customer,
                    "Invoice " + inv.id() + " was not posted: " + e.getMessage(), Map.of("invoice", inv.id()));
            return PostingOutcome.exception("invoice does not sum: " + e.getMessage());
        }
        Optional<Long> id = store.post(entry, event.inboxId());
        if (id.isEmpty()) {
            return PostingOutcome.posted(List.of(), "already posted");
        }
        jdbc.update("""
                insert into ar_invoice (invoice_id, customer_id, currency, total, invoice_date, entry_id)
                values (?, ?, ?, ?, ?, ?)""", invoiceId, customer, inv.currency(), inv.total(), Date.valueOf(date), id.get());
        jdbc.batchUpdate("""
                insert into invoice_line (invoice_id, line_id, description, product, amount, account_code, method,
                                          period_start, period_end, deferred)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", lines.stream().map(l -> new Object[] {
                invoiceId, l.lineId(), describe(inv, l.lineId()), l.product(), l.amount(), l.account(), l.method(),
                l.periodStart() == null ? null : Date.valueOf(l.periodStart()),
                l.periodEnd() == null ? null : Date.valueOf(l.periodEnd()), l.deferred()}).toList());
        if (!relieved.isEmpty()) {
            jdbc.update("update usage_charge set invoiced_in = ?, relief_entry_id = ? where stripe_invoice_item = any(?)",
                    invoiceId, id.get(), relieved.toArray(String[]::new));
        }
        List<Long> posted = new ArrayList<>(List.of(id.get()));
        posted.addAll(drain("invoice:" + invoiceId));
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
    }

    private Optional<OpenInvoice> lockInvoice(String invoiceId) {
        return jdbc.query("""
                select invoice_id, customer_id, currency, total, amount_paid, amount_credited, amount_written_off, status, entry_id
                from ar_invoice where invoice_id = ? for update""",
                (rs, i) -> new OpenInvoice(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getLong(9)), invoiceId).stream().findFirst();
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

    private PostingOutcome payment(CanonicalEvent event, Payment p) {
        String paymentId = ref(event, p.id());
        if (exists("select count(*) from ar_payment where payment_id = ?", paymentId)) {
            return PostingOutcome.posted(List.of(), "already posted");
        }
        String customer = p.customerRef() == null ? null : customers.resolve(event.source(), p.customerRef());
        long applied = 0;
        OpenInvoice invoice = null;
        if (p.invoiceRef() != null) {
            String invoiceId = ref(event, p.invoiceRef());
            Optional<OpenInvoice> found = lockInvoice(invoiceId);
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
        String memo = "Stripe payment " + p.id() + (p.invoiceRef() == null ? " (no invoice)" : " for invoice " + p.invoiceRef())
                + (p.amount() > applied ? "; " + (p.amount() - applied) + " unapplied" : "");
        List<Long> posted = new ArrayList<>();
        store.post(PostingRules.payment(key(event, "payment", p.id(), null), date, p.currency(), customer, p.amount(),
                applied, memo), event.inboxId()).ifPresent(posted::add);
        if (p.fee() != null && p.fee() > 0) {
            String feeRef = p.balanceTransactionRef() != null ? p.balanceTransactionRef() : p.id();
            store.post(PostingRules.fee(key(event, "fee", feeRef, null), date, p.currency(), customer, p.fee(),
                    "Stripe processing fee of payment " + p.id()), event.inboxId()).ifPresent(posted::add);
        }
        jdbc.update("""
                insert into ar_payment (payment_id, invoice_id, customer_id, currency, amount, applied, unapplied, entry_id)
                values (?, ?, ?, ?, ?, ?, ?, ?)""", paymentId, invoice == null ? null : invoice.id(), customer,
                p.currency(), p.amount(), applied, p.amount() - applied, posted.isEmpty() ? null : posted.get(0));
        if (invoice != null) {
            long stillOpen = invoice.open() - applied;
            jdbc.update("""
                    update ar_invoice set amount_paid = amount_paid + ?, status = case when ? = 0 then 'paid' else status end,
                           updated_at = now() where invoice_id = ?""", applied, stillOpen, invoice.id());
            if (stillOpen > 0) {
                openException(event, "short_payment", customer, "Payment " + p.id() + " of " + p.amount() + " "
                        + p.currency() + " leaves " + stillOpen + " open on invoice " + p.invoiceRef(),
                        Map.of("invoice", p.invoiceRef(), "payment", p.id(), "open", stillOpen));
            }
        }
        posted.addAll(drain("payment:" + paymentId));
        return PostingOutcome.posted(posted, memo);
    }

    private PostingOutcome refund(CanonicalEvent event, Refund r) {
        String paymentId = ref(event, r.paymentRef());
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

    private PostingOutcome payout(CanonicalEvent event, Payout po) {
        String memo = "Stripe payout " + po.id() + " to the bank";
        Optional<Long> id = store.post(PostingRules.payout(key(event, "payout", po.id(), null),
                date(po.arrivalDate() != null ? po.arrivalDate() : event.occurredAt()), po.currency(), po.amount(), memo),
                event.inboxId());
        return PostingOutcome.posted(id.map(List::of).orElse(List.of()), memo);
    }

    // ---- helpers --------------------------------------------------------------------------

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

    /** Applies the events that were waiting for {@code dependency}; returns the entries they posted. */
    private List<Long> drain(String dependency) {
        List<Map<String, Object>> waiting = jdbc.queryForList("""
                select id, canonical::text as canonical from inbox_event
                where status = 'waiting' and waiting_for = ? order by id for update""", dependency);
        List<Long> posted = new ArrayList<>();
        for (Map<String, Object> row : waiting) {
            try {
                CanonicalEvent e = mapper.readValue((String) row.get("canonical"), CanonicalEvent.class)
                        .withInboxId(((Number) row.get("id")).longValue());
                posted.addAll(apply(e).entryIds());
            } catch (java.io.IOException ex) {
                throw new IllegalStateException("waiting event " + row.get("id") + " cannot be read back", ex);
            }
        }
        return posted;
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
