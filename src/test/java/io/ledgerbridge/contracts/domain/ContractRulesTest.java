package io.ledgerbridge.contracts.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.contracts.domain.ContractRules.Problem;
import io.ledgerbridge.contracts.domain.ContractRules.SkuKind;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContractRulesTest {

    private static final ContractRules RULES = new ContractRules(true, 100, new BigDecimal("0.5"), true, 45, true, true,
            Set.of("USD", "EUR"), true, List.of("customerLegalName", "startDate", "termMonths", "billingFrequency",
            "paymentTermsDays", "currency"));
    private static final Map<String, SkuKind> SKUS = Map.of("PLAT", SkuKind.RECURRING, "ONBOARD", SkuKind.ONE_TIME,
            "API", SkuKind.USAGE);
    private static final ContractRules.Catalogue CATALOGUE = sku -> SKUS.getOrDefault(sku, SkuKind.UNKNOWN);

    static Contract contract(String frequency, int term, int netDays, String currency, String po, boolean poRequired,
                             List<Contract.Line> lines) {
        return new Contract("docusign", "env-1", null, "salesforce", "006A", "Acme Corporation", "Alex", "ap@acme.example",
                "acme.example", LocalDate.of(2026, 1, 15), term, frequency, netDays, currency, po, poRequired, "sam@seller.test",
                lines, List.of());
    }

    static Deal deal(long amount, String currency) {
        return new Deal("salesforce", "006A", "Acme", "Closed Won", true, "001A", "Acme Corporation", "acme.example", amount,
                currency, LocalDate.of(2026, 1, 12), "sam@seller.test", "Sam Seller", null);
    }

    private static List<String> codes(List<Problem> problems) {
        return problems.stream().map(Problem::code).toList();
    }

    @Test
    void theTotalCountsRecurringLinesEveryPeriodOneTimeLinesOnceAndUsageNot() {
        Contract c = contract("quarterly", 12, 30, "USD", "PO-1", true, List.of(
                new Contract.Line("PLAT", null, 2, 250_000, null),
                new Contract.Line("ONBOARD", null, 1, 150_000, new BigDecimal("10")),
                new Contract.Line("API", null, 1, 0, null)));
        // 2 x 2,500.00 x 4 quarters + 1,500.00 less 10%
        assertThat(ContractRules.total(c, CATALOGUE)).isEqualTo(2_000_000 + 135_000);
        assertThat(ContractRules.periods(contract("annual", 18, 30, "USD", null, false, List.of()))).isEqualTo(2);
    }

    @Test
    void aDiscountIsRoundedHalfUpOnceAtTheLine() {
        assertThat(ContractRules.lineAmount(new Contract.Line("PLAT", null, 3, 333, new BigDecimal("12.5")))).isEqualTo(874); // 874.125
        assertThat(ContractRules.lineAmount(new Contract.Line("PLAT", null, 1, 1, new BigDecimal("50")))).isEqualTo(1); // 0.5 -> 1
    }

    @Test
    void standardTermsPass() {
        Contract c = contract("annual", 12, 30, "USD", "PO-1", true, List.of(new Contract.Line("PLAT", null, 1, 1_200_000, null)));
        assertThat(RULES.check(c, deal(1_200_000, "USD"), CATALOGUE, null)).isEmpty();
    }

    @Test
    void theCrmAmountMustMatchWithinTheLargerTolerance() {
        Contract c = contract("annual", 12, 30, "USD", null, false, List.of(new Contract.Line("PLAT", null, 1, 1_200_000, null)));
        // 0.5 % of 1,206,000 = 6,030 > 100: a difference of 6,000 passes, 6,031 does not
        assertThat(RULES.check(c, deal(1_206_000, "USD"), CATALOGUE, null)).isEmpty();
        assertThat(codes(RULES.check(c, deal(1_206_031 + 1, "USD"), CATALOGUE, null))).containsExactly("amount_mismatch");
        // small deals: the absolute tolerance of 100 minor units applies
        Contract small = contract("annual", 12, 30, "USD", null, false, List.of(new Contract.Line("PLAT", null, 1, 1_000, null)));
        assertThat(RULES.check(small, deal(1_100, "USD"), CATALOGUE, null)).isEmpty();
        assertThat(codes(RULES.check(small, deal(1_101, "USD"), CATALOGUE, null))).containsExactly("amount_mismatch");
    }

    @Test
    void eachBrokenRuleIsNamed() {
        Contract c = contract("annual", 12, 60, "EUR", null, true, List.of(new Contract.Line("GOLD", null, 1, 1_200_000, null)));
        assertThat(codes(RULES.check(c, deal(1_200_000, "USD"), CATALOGUE, null)))
                .containsExactly("unmapped_sku", "currency_mismatch", "payment_terms", "missing_po");
        assertThat(codes(RULES.check(c, null, CATALOGUE, null))).contains("no_deal");
        Contract gbp = contract("annual", 12, 30, "GBP", "PO", true, List.of(new Contract.Line("PLAT", null, 1, 100, null)));
        assertThat(codes(RULES.check(gbp, deal(100, "GBP"), CATALOGUE, null))).containsExactly("currency_not_billed");
        Contract missing = new Contract("docusign", "env-2", null, null, null, null, null, null, null, null, null, null, null,
                null, null, false, null, List.of(), List.of());
        assertThat(codes(RULES.check(missing, null, CATALOGUE, null))).containsSequence("missing_term", "missing_term")
                .contains("no_lines", "no_deal");
    }

    @Test
    void anAmendmentThatChangesBillingNeedsApprovalAndARenewalOfTheSameTermsDoesNot() {
        Contract active = contract("annual", 12, 30, "USD", "PO-1", true, List.of(new Contract.Line("PLAT", null, 1, 1_200_000, null)));
        Contract same = contract("annual", 12, 30, "USD", "PO-2", true, List.of(new Contract.Line("PLAT", null, 1, 1_200_000, null)));
        Contract more = contract("annual", 12, 30, "USD", "PO-2", true, List.of(new Contract.Line("PLAT", null, 2, 1_200_000, null)));
        assertThat(RULES.check(same, deal(1_200_000, "USD"), CATALOGUE, active)).isEmpty();
        assertThat(codes(RULES.check(more, deal(2_400_000, "USD"), CATALOGUE, active))).containsExactly("amendment_changes_billing");
        assertThat(ContractRules.changesBilling(active, contract("monthly", 12, 30, "USD", "PO-1", true, active.lines()))).isTrue();
        assertThat(ContractRules.changesBilling(active, contract("annual", 12, 45, "USD", "PO-1", true, active.lines()))).isTrue();
    }
}
