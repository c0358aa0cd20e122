package io.ledgerbridge.ledger.domain;

import java.util.Locale;

/**
 * What an account is for, as the posting rules name it. A company's chart of accounts
 * ({@code mappings/chart-of-accounts.yaml}, {@code role:}) says which of its accounts plays each role;
 * the codes in the comments are those of the default chart.
 */
public enum AccountRole {
    /** 1000 Cash - Operating Bank. */
    CASH,
    /** 1010 the processor's balance (Stripe Clearing). */
    PROCESSOR_CLEARING,
    /** 1020 invoices paid outside the processor. */
    OTHER_RECEIPTS_CLEARING,
    /** 1030 the trading account of cross-currency settlement. */
    CURRENCY_EXCHANGE,
    /** 1060 funds the processor withdrew while a dispute is open. */
    DISPUTED_FUNDS,
    /** 1100 Accounts Receivable. */
    RECEIVABLE,
    /** 1150 usage accrued at period close, not invoiced yet. */
    UNBILLED_RECEIVABLE,
    /** 2000 Deferred Revenue. */
    DEFERRED_REVENUE,
    /** 2100 the customer's credit balance / unapplied cash. */
    UNAPPLIED_CASH,
    /** 2200 Sales Tax Payable. */
    SALES_TAX_PAYABLE,
    /** 3900 balances brought in by a history import. */
    OPENING_BALANCE_EQUITY,
    /** 4100 Usage Revenue (accrued at period close). */
    USAGE_REVENUE,
    /** 4900 refunds and credits (contra revenue). */
    REFUNDS_AND_CREDITS,
    /** 6000 Payment Processing Fees. */
    PROCESSING_FEES,
    /** 6100 Bad Debt Expense. */
    BAD_DEBT,
    /** 6200 Dispute Fees. */
    DISPUTE_FEES;

    /** The role as the chart of accounts spells it ({@code processor_clearing}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
