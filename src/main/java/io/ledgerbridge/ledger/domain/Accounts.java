package io.ledgerbridge.ledger.domain;

/** The account codes the posting rules use (mappings/chart-of-accounts.yaml defines their names). */
public final class Accounts {
    public static final String CASH = "1000";
    public static final String STRIPE_CLEARING = "1010";
    public static final String OTHER_RECEIPTS = "1020";
    public static final String CURRENCY_EXCHANGE = "1030";
    public static final String DISPUTED_FUNDS = "1060";
    public static final String AR = "1100";
    public static final String DEFERRED_REVENUE = "2000";
    public static final String UNAPPLIED_CASH = "2100";
    public static final String SALES_TAX = "2200";
    public static final String REFUNDS_AND_CREDITS = "4900";
    public static final String PROCESSING_FEES = "6000";
    public static final String BAD_DEBT = "6100";
    public static final String DISPUTE_FEES = "6200";
    public static final String OPENING_BALANCE_EQUITY = "3900";
    public static final String UNBILLED = "1150";
    public static final String USAGE_REVENUE = "4100";

    private Accounts() {
    }
}
