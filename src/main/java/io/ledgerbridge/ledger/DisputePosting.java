package io.ledgerbridge.ledger;

import static io.ledgerbridge.ledger.PostingKeys.key;
import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Dispute;
import io.ledgerbridge.ledger.domain.PostingRules;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Disputes: the funds the processor withdraws and reinstates, and a lost dispute taken out of revenue. */
@Component
class DisputePosting {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final PostingRules rules;
    private final Receivables receivables;
    private final PostingExceptions exceptions;
    private final LedgerDates dates;

    DisputePosting(JdbcTemplate jdbc, LedgerStore store, PostingRules rules, Receivables receivables,
                   PostingExceptions exceptions, LedgerDates dates) {
        this.jdbc = jdbc;
        this.store = store;
        this.rules = rules;
        this.receivables = receivables;
        this.exceptions = exceptions;
        this.dates = dates;
    }

    /**
     * A dispute as it stands: each balance transaction of its funds posted once (withdrawn: Dr 1060 / Dr 6200 /
     * Cr 1010; reinstated: Dr 1010 / Cr 1060 / Cr 6200), and a lost dispute's amount taken out of revenue as a
     * refund would be (Dr 4900 / 2000 / Cr 1060). An inquiry or a warning with no funds moved posts nothing.
     */
    PostingOutcome dispute(CanonicalEvent event, Dispute d) {
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
            LocalDate date = dates.date(f.createdAt() != null ? f.createdAt() : event.occurredAt());
            store.post(rules.disputeFunds(key(event, "dispute_funds", f.id(), null), date, f.currency(), customer,
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
            LocalDate date = dates.date(event.occurredAt());
            PostingRules.Split split = receivables.split(amount, Math.min(amount, unappliedLeft), invoiceId, date);
            Optional<Long> id = store.post(rules.disputeLost(key(event, "dispute", d.id(), "lost"), date, d.currency(),
                    customer, amount, split, state + ": lost"), event.inboxId());
            if (id.isPresent()) {
                jdbc.update("update ar_payment set amount_refunded = amount_refunded + ? where payment_id = ?", amount, paymentId);
                receivables.reduceDeferral(invoiceId, split.unearned(), date, id.get(), Map.of());
                posted.add(id.get());
            }
            return PostingOutcome.posted(posted, state + ": lost, " + amount + " " + d.currency() + " taken out of revenue");
        }
        if ("won".equals(d.status()) && held > 0) {
            exceptions.open(event, "dispute_funds_held", customer, state + " was won but its reinstated funds are not in the event: "
                    + held + " " + d.currency() + " stays in 1060 until they are", Map.of("dispute", d.id(), "held", held));
            return PostingOutcome.exception(state + ": won, funds not reinstated yet");
        }
        return PostingOutcome.posted(posted, funds.isEmpty() ? state + ": no funds moved" : state);
    }
}
