package io.ledgerbridge.ledger.domain;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The posting rules of accounting.md as pure functions: source facts in, balanced entries out.
 * Amounts are minor units; every entry is checked by {@link JournalEntry} itself. The rules name
 * {@link AccountRole account roles}; the company's chart of accounts gives their codes (the codes in
 * the comments below are those of the default chart).
 */
public final class PostingRules {

    private final AccountRoles roles;
    private final String cash;
    private final String processorClearing;
    private final String otherReceipts;
    private final String currencyExchange;
    private final String disputedFunds;
    private final String receivable;
    private final String unbilled;
    private final String deferredRevenue;
    private final String unappliedCash;
    private final String salesTax;
    private final String usageRevenue;
    private final String refundsAndCredits;
    private final String processingFees;
    private final String badDebt;
    private final String disputeFees;

    public PostingRules(AccountRoles roles) {
        this.roles = roles;
        this.cash = roles.code(AccountRole.CASH);
        this.processorClearing = roles.code(AccountRole.PROCESSOR_CLEARING);
        this.otherReceipts = roles.code(AccountRole.OTHER_RECEIPTS_CLEARING);
        this.currencyExchange = roles.code(AccountRole.CURRENCY_EXCHANGE);
        this.disputedFunds = roles.code(AccountRole.DISPUTED_FUNDS);
        this.receivable = roles.code(AccountRole.RECEIVABLE);
        this.unbilled = roles.code(AccountRole.UNBILLED_RECEIVABLE);
        this.deferredRevenue = roles.code(AccountRole.DEFERRED_REVENUE);
        this.unappliedCash = roles.code(AccountRole.UNAPPLIED_CASH);
        this.salesTax = roles.code(AccountRole.SALES_TAX_PAYABLE);
        this.usageRevenue = roles.code(AccountRole.USAGE_REVENUE);
        this.refundsAndCredits = roles.code(AccountRole.REFUNDS_AND_CREDITS);
        this.processingFees = roles.code(AccountRole.PROCESSING_FEES);
        this.badDebt = roles.code(AccountRole.BAD_DEBT);
        this.disputeFees = roles.code(AccountRole.DISPUTE_FEES);
    }

    /** The code of the account that plays the role in this chart. */
    public String account(AccountRole role) {
        return roles.code(role);
    }

    /** Thrown when an invoice's lines and tax do not add up to its total: never posted, held for a person. */
    public static final class InvoiceDoesNotSum extends RuntimeException {
        public InvoiceDoesNotSum(String message) {
            super(message);
        }
    }

    /**
     * Invoice finalized: Dr AR total; Cr 2000 for lines whose service period ends after the entry
     * date, Cr the line's revenue account for lines already earned; Cr 2200 tax.
     */
    public JournalEntry invoiceFinalized(String key, LocalDate date, String currency, String customer,
                                                long total, long tax, List<RevenueLine> lines, String memo) {
        long sum = tax;
        for (RevenueLine l : lines) {
            sum = Math.addExact(sum, l.amount());
        }
        if (sum != total) {
            throw new InvoiceDoesNotSum("lines " + (sum - tax) + " + tax " + tax + " = " + sum + ", but the invoice total is " + total);
        }
        List<JournalLine> out = new ArrayList<>();
        if (total != 0) {
            out.add(JournalLine.debit(receivable, total, customer, null));
        }
        for (RevenueLine l : lines) {
            if (l.amount() != 0) {
                out.add(JournalLine.credit(l.deferred() ? deferredRevenue : l.account(), l.amount(), customer, l.product()));
            }
        }
        if (tax != 0) {
            out.add(JournalLine.credit(salesTax, tax, customer, null));
        }
        return new JournalEntry(key, date, currency, memo, "invoice_finalized", customer, null, out);
    }

    /** Payment: Dr 1010 gross; Cr AR what is applied to the invoice; Cr 2100 the rest (overpayment or no invoice). */
    public JournalEntry payment(String key, LocalDate date, String currency, String customer, long amount,
                                       long applied, String memo) {
        return payment(key, date, currency, customer, amount, applied, false, memo);
    }

    /**
     * Payment, with the debit on 1030 Currency Exchange instead of 1010 when the processor settles it in another
     * currency ({@code crossCurrency}): the settlement entry then moves it to 1010 in the settlement currency.
     */
    public JournalEntry payment(String key, LocalDate date, String currency, String customer, long amount,
                                       long applied, boolean crossCurrency, String memo) {
        if (applied < 0 || applied > amount) {
            throw new IllegalArgumentException("applied " + applied + " outside [0, " + amount + "]");
        }
        List<JournalLine> out = new ArrayList<>();
        out.add(JournalLine.debit(crossCurrency ? currencyExchange : processorClearing, amount, customer, null));
        if (applied > 0) {
            out.add(JournalLine.credit(receivable, applied, customer, null));
        }
        if (amount - applied > 0) {
            out.add(JournalLine.credit(unappliedCash, amount - applied, customer, null));
        }
        return new JournalEntry(key, date, currency, memo, "payment_succeeded", customer, null, out);
    }

    /**
     * A charge settled in another currency than its own, in the settlement currency: Dr 1010 what the processor
     * credited / Cr 1030. With the charge-currency side (1030 debited by the payment) 1030's balances, valued at
     * the functional currency, are the realized FX result.
     */
    public JournalEntry settlement(String key, LocalDate date, String settlementCurrency, String customer,
                                          long settledAmount, String memo) {
        return twoLines(key, date, settlementCurrency, memo, "cross_currency_settlement", customer,
                processorClearing, currencyExchange, settledAmount);
    }

    /** A payment posted to 1010 in its own currency, found later to settle in another: Dr 1030 / Cr 1010 in the charge currency. */
    public JournalEntry settlementReclass(String key, LocalDate date, String currency, String customer, long amount,
                                                 String memo) {
        return twoLines(key, date, currency, memo, "cross_currency_settlement", customer,
                currencyExchange, processorClearing, amount);
    }

    /** Dr {@code debit} / Cr {@code credit} the one amount. */
    private static JournalEntry twoLines(String key, LocalDate date, String currency, String memo, String rule, String customer,
                                         String debit, String credit, long amount) {
        return new JournalEntry(key, date, currency, memo, rule, customer, null, List.of(
                JournalLine.debit(debit, amount, customer, null),
                JournalLine.credit(credit, amount, customer, null)));
    }

    /** Unapplied cash applied to an invoice when a payment is linked to it later: Dr 2100 / Cr 1100. */
    public JournalEntry application(String key, LocalDate date, String currency, String customer, long amount,
                                           String rule, String memo) {
        return twoLines(key, date, currency, memo, rule, customer, unappliedCash, receivable, amount);
    }

    /** An invoice paid outside the processor: Dr 1020 Other Receipts Clearing / Cr 1100. */
    public JournalEntry paidOutOfBand(String key, LocalDate date, String currency, String customer, long amount,
                                             String memo) {
        return twoLines(key, date, currency, memo, "invoice_paid_out_of_band", customer, otherReceipts, receivable, amount);
    }

    /** A credit given to a customer's balance by hand: Dr 4900 / Cr 2100. */
    public JournalEntry balanceCredit(String key, LocalDate date, String currency, String customer, long amount,
                                             String memo) {
        return twoLines(key, date, currency, memo, "customer_balance_credit", customer,
                refundsAndCredits, unappliedCash, amount);
    }

    /**
     * A dispute's balance transaction: funds withdrawn ({@code amount} negative, with the dispute fee: Dr 1060 /
     * Dr 6200 / Cr 1010) or reinstated ({@code amount} positive, a fee returned as a negative fee: Dr 1010 /
     * Cr 1060 / Cr 6200). 1010 moves by the net, as the processor balance did.
     */
    public JournalEntry disputeFunds(String key, LocalDate date, String currency, String customer, long amount,
                                            long fee, String memo) {
        List<JournalLine> out = new ArrayList<>();
        long net = Math.subtractExact(amount, fee);
        if (amount < 0) {
            out.add(JournalLine.debit(disputedFunds, -amount, customer, null));
        }
        if (fee > 0) {
            out.add(JournalLine.debit(disputeFees, fee, customer, null));
        }
        if (net > 0) {
            out.add(JournalLine.debit(processorClearing, net, customer, null));
        } else if (net < 0) {
            out.add(JournalLine.credit(processorClearing, -net, customer, null));
        }
        if (amount > 0) {
            out.add(JournalLine.credit(disputedFunds, amount, customer, null));
        }
        if (fee < 0) {
            out.add(JournalLine.credit(disputeFees, -fee, customer, null));
        }
        return new JournalEntry(key, date, currency, memo, amount < 0 ? "dispute_funds_withdrawn" : "dispute_funds_reinstated",
                customer, null, out);
    }

    /** A lost dispute: Dr 2100 / 2200 / 4900 / 2000 per the split, as for a refund / Cr 1060 Disputed Funds. */
    public JournalEntry disputeLost(String key, LocalDate date, String currency, String customer, long amount,
                                           Split split, String memo) {
        return reduction(key, date, currency, customer, amount, split, disputedFunds, "dispute_lost", memo);
    }

    /** Processor fee: Dr 6000 / Cr 1010. */
    public JournalEntry fee(String key, LocalDate date, String currency, String customer, long fee, String memo) {
        return twoLines(key, date, currency, memo, "processor_fee", customer, processingFees, processorClearing, fee);
    }

    /** A customer's rated usage of a period, not invoiced yet: Dr 1150 Unbilled / Cr 4100 Usage Revenue per metric. */
    public JournalEntry usageAccrued(String key, LocalDate date, String currency, String customer,
                                            java.util.Map<String, Long> amountByMetric, String memo) {
        List<JournalLine> lines = new java.util.ArrayList<>();
        long total = 0;
        for (java.util.Map.Entry<String, Long> e : amountByMetric.entrySet()) {
            if (e.getValue() > 0) {
                lines.add(JournalLine.credit(usageRevenue, e.getValue(), customer, e.getKey()));
                total = Math.addExact(total, e.getValue());
            }
        }
        lines.add(0, JournalLine.debit(unbilled, total, customer, null));
        return new JournalEntry(key, date, currency, memo, "usage_accrued", customer, null, lines);
    }

    /** Payout paid: Dr 1000 Cash / Cr 1010. */
    public JournalEntry payout(String key, LocalDate date, String currency, long amount, String memo) {
        return new JournalEntry(key, date, currency, memo, "payout_paid", null, null, List.of(
                JournalLine.debit(cash, amount, null, null),
                JournalLine.credit(processorClearing, amount, null, null)));
    }

    /**
     * How a reduction of revenue (refund, credit note) splits: first what came from unapplied cash,
     * then tax pro rata, then earned (4900) and unearned (2000) pro rata to what was recognised at the date.
     */
    public record Split(long unapplied, long tax, long earned, long unearned) {
        long total() {
            return unapplied + tax + earned + unearned;
        }
    }

    /** Splits {@code amount} against an invoice as of {@code date}. */
    public static Split split(long amount, long fromUnapplied, long invoiceTotal, long invoiceTax,
                              List<RevenueLine> lines, LocalDate date) {
        long rest = amount - fromUnapplied;
        if (rest <= 0 || invoiceTotal == 0) {
            return new Split(fromUnapplied, 0, rest > 0 ? rest : 0, 0);
        }
        long tax = Recognition.share(rest, invoiceTax, invoiceTotal);
        long revenue = rest - tax;
        long lineTotal = 0;
        long earnedTotal = 0;
        for (RevenueLine l : lines) {
            lineTotal += l.amount();
            earnedTotal += l.earnedThrough(date);
        }
        long earned = lineTotal == 0 ? revenue : Recognition.share(revenue, earnedTotal, lineTotal);
        return new Split(fromUnapplied, tax, earned, revenue - earned);
    }

    /** Refund: Dr 2100 / 2200 / 4900 / 2000 per the split; Cr 1010 the refund amount. */
    public JournalEntry refund(String key, LocalDate date, String currency, String customer, long amount,
                                      Split split, String memo) {
        return reduction(key, date, currency, customer, amount, split, processorClearing, "refund", memo);
    }

    /** Credit note: Dr 2200 / 4900 / 2000 per the split; Cr AR (against an open invoice) or 2100 (to the customer balance). */
    public JournalEntry creditNote(String key, LocalDate date, String currency, String customer, long amount,
                                          Split split, boolean againstReceivable, String memo) {
        return reduction(key, date, currency, customer, amount, split, againstReceivable ? receivable : unappliedCash,
                "credit_note", memo);
    }

    /** A reduction of revenue (refund, credit note, lost dispute) per the split, credited to {@code creditAccount}. */
    public JournalEntry reduction(String key, LocalDate date, String currency, String customer, long amount,
                                          Split split, String creditAccount, String rule, String memo) {
        if (split.total() != amount) {
            throw new UnbalancedEntryException("split " + split + " does not add up to " + amount);
        }
        List<JournalLine> out = new ArrayList<>();
        if (split.unapplied() > 0) {
            out.add(JournalLine.debit(unappliedCash, split.unapplied(), customer, null));
        }
        if (split.tax() > 0) {
            out.add(JournalLine.debit(salesTax, split.tax(), customer, null));
        }
        if (split.earned() > 0) {
            out.add(JournalLine.debit(refundsAndCredits, split.earned(), customer, null));
        }
        if (split.unearned() > 0) {
            out.add(JournalLine.debit(deferredRevenue, split.unearned(), customer, null));
        }
        out.add(JournalLine.credit(creditAccount, amount, customer, null));
        return new JournalEntry(key, date, currency, memo, rule, customer, null, out);
    }

    /** Uncollectible: Dr 6100 Bad Debt / Cr AR the open remainder. */
    public JournalEntry uncollectible(String key, LocalDate date, String currency, String customer, long open,
                                             String corrects, String memo) {
        return new JournalEntry(key, date, currency, memo, "invoice_uncollectible", customer, corrects, List.of(
                JournalLine.debit(badDebt, open, customer, null),
                JournalLine.credit(receivable, open, customer, null)));
    }
}
