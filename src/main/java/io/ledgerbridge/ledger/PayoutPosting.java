package io.ledgerbridge.ledger;

import static io.ledgerbridge.ledger.PostingKeys.key;
import static io.ledgerbridge.ledger.PostingKeys.ref;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Payout;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.PostingRules;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Payouts to the bank: paid, reversed when they fail or are canceled, and the fees their balance transactions make known. */
@Component
class PayoutPosting {

    private final JdbcTemplate jdbc;
    private final LedgerStore store;
    private final PostingRules rules;
    private final LedgerDates dates;

    PayoutPosting(JdbcTemplate jdbc, LedgerStore store, PostingRules rules, LedgerDates dates) {
        this.jdbc = jdbc;
        this.store = store;
        this.rules = rules;
        this.dates = dates;
    }

    /**
     * A payout, posted when it is paid (Dr 1000 / Cr 1010) and reversed when it failed or was canceled, whichever
     * order the events come in. The fees of charges it settled that no webhook carried are posted from its balance
     * transactions (read through the Stripe API by the mapper).
     */
    PostingOutcome payout(CanonicalEvent event, Payout po) {
        if ("failed".equals(po.status()) || "canceled".equals(po.status())) {
            return payoutFailed(event, po);
        }
        if (po.status() != null && !"paid".equals(po.status())) {
            return PostingOutcome.posted(List.of(), "Stripe payout " + po.id() + " is " + po.status() + ": nothing posted until it is paid");
        }
        String memo = "Stripe payout " + po.id() + " to the bank";
        LocalDate date = dates.date(po.arrivalDate() != null ? po.arrivalDate() : event.occurredAt());
        List<Long> posted = new ArrayList<>();
        store.post(rules.payout(key(event, "payout", po.id(), null), date, po.currency(), po.amount(), memo),
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
        Optional<Long> id = store.post(rules.fee(key(event, "fee", s.balanceTransactionRef(), null), date, s.currency(),
                (String) rows.get(0).get("customer_id"), s.fee(), "Stripe processing fee of payment " + s.paymentRef()
                        + ", known from payout " + po.id()), event.inboxId());
        jdbc.update("update ar_payment set fee_status = 'known', settlement_currency = ? where payment_id = ?", s.currency(), paymentId);
        return id.map(List::of).orElse(List.of());
    }

    PostingOutcome payoutFailed(CanonicalEvent event, Payout po) {
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
        JournalEntry reversal = store.read(paidEntry).reversal(key(event, "payout", po.id(), "reversed"), dates.date(event.occurredAt()),
                "Stripe payout " + po.id() + " " + status + (po.failureCode() == null ? "" : " (" + po.failureCode() + ")")
                        + ": reversed", "payout_failed");
        return store.post(reversal, event.inboxId()).map(List::of).orElse(List.of());
    }
}
