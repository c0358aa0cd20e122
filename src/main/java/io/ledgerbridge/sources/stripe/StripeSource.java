package io.ledgerbridge.sources.stripe;

import com.stripe.model.BalanceTransaction;
import com.stripe.model.Charge;
import com.stripe.model.CreditNote;
import com.stripe.model.Invoice;
import com.stripe.model.Payout;
import com.stripe.model.Refund;
import com.stripe.param.BalanceTransactionListParams;
import com.stripe.param.ChargeListParams;
import com.stripe.param.CreditNoteListParams;
import com.stripe.param.InvoiceListParams;
import com.stripe.param.PayoutListParams;
import com.stripe.param.RefundListParams;
import io.ledgerbridge.sources.stripe.StripeApi;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The source side of a reconciliation: what Stripe says happened on a day, read through its API
 * (stripe-java, auto-pagination): finalized invoices, succeeded charges, refunds, credit notes and
 * payouts arriving that day, each under the key the ledger books it by.
 */
public class StripeSource {

    /** One source transaction. */
    public record Txn(String key, String kind, long amount, String currency, LocalDate date, String ref) {
    }

    /** A payout's balance transactions summed (charges - refunds - fees), to check it is what it pays out. */
    public record PayoutComposition(String payoutId, long amount, long composed, int transactions) {
    }

    private final StripeApi stripe;
    private final ZoneId zone;

    public StripeSource(StripeApi stripe, ZoneId zone) {
        this.stripe = stripe;
        this.zone = zone;
    }

    public boolean configured() {
        return stripe.configured();
    }

    public List<Txn> day(LocalDate day) {
        long from = day.atStartOfDay(zone).toEpochSecond();
        long to = day.plusDays(1).atStartOfDay(zone).toEpochSecond();
        List<Txn> out = new ArrayList<>();
        // an invoice is often created a little before it is finalized: look two days back, keep the day's finalizations
        InvoiceListParams invoices = InvoiceListParams.builder().setLimit(100L)
                .setCreated(InvoiceListParams.Created.builder().setGte(from - 2 * 86_400).setLt(to).build()).build();
        for (Invoice i : stripe.call("invoice list", s -> s.invoices().list(invoices)).autoPagingIterable()) {
            Long finalized = i.getStatusTransitions() == null ? null : i.getStatusTransitions().getFinalizedAt();
            if (finalized != null && finalized >= from && finalized < to) {
                out.add(new Txn("stripe:invoice:" + i.getId() + ":finalized", "invoice", i.getTotal(), upper(i.getCurrency()),
                        date(finalized), i.getId()));
            }
        }
        ChargeListParams charges = ChargeListParams.builder().setLimit(100L)
                .setCreated(ChargeListParams.Created.builder().setGte(from).setLt(to).build()).build();
        for (Charge c : stripe.call("charge list", s -> s.charges().list(charges)).autoPagingIterable()) {
            if ("succeeded".equals(c.getStatus())) {
                out.add(new Txn("stripe:payment:" + c.getId(), "payment", c.getAmount(), upper(c.getCurrency()), date(c.getCreated()), c.getId()));
            }
        }
        RefundListParams refunds = RefundListParams.builder().setLimit(100L)
                .setCreated(RefundListParams.Created.builder().setGte(from).setLt(to).build()).build();
        for (Refund r : stripe.call("refund list", s -> s.refunds().list(refunds)).autoPagingIterable()) {
            if (!"failed".equals(r.getStatus()) && !"canceled".equals(r.getStatus())) {
                out.add(new Txn("stripe:refund:" + r.getId(), "refund", r.getAmount(), upper(r.getCurrency()), date(r.getCreated()), r.getId()));
            }
        }
        CreditNoteListParams notes = CreditNoteListParams.builder().setLimit(100L)
                .setCreated(CreditNoteListParams.Created.builder().setGte(from).setLt(to).build()).build();
        for (CreditNote n : stripe.call("credit note list", s -> s.creditNotes().list(notes)).autoPagingIterable()) {
            out.add(new Txn("stripe:credit_note:" + n.getId(), "credit_note", n.getTotal(), upper(n.getCurrency()), date(n.getCreated()),
                    n.getId()));
        }
        PayoutListParams payouts = PayoutListParams.builder().setLimit(100L)
                .setArrivalDate(PayoutListParams.ArrivalDate.builder().setGte(from).setLt(to).build()).build();
        for (Payout p : stripe.call("payout list", s -> s.payouts().list(payouts)).autoPagingIterable()) {
            if ("paid".equals(p.getStatus())) {
                out.add(new Txn("stripe:payout:" + p.getId(), "payout", p.getAmount(), upper(p.getCurrency()), date(p.getArrivalDate()),
                        p.getId()));
            }
        }
        return out;
    }

    /** The balance transactions of a payout, summed without the payout itself. */
    public PayoutComposition composition(String payoutId, long amount) {
        BalanceTransactionListParams params = BalanceTransactionListParams.builder().setPayout(payoutId).setLimit(100L).build();
        long composed = 0;
        int n = 0;
        for (BalanceTransaction t : stripe.call("balance transactions of a payout", s -> s.balanceTransactions().list(params))
                .autoPagingIterable()) {
            if (!"payout".equals(t.getType())) {
                composed += t.getNet();
                n++;
            }
        }
        return new PayoutComposition(payoutId, amount, composed, n);
    }

    private LocalDate date(long epochSecond) {
        return Instant.ofEpochSecond(epochSecond).atZone(zone).toLocalDate();
    }

    private static String upper(String currency) {
        return currency == null ? "XXX" : currency.toUpperCase(Locale.ROOT);
    }
}
