package io.ledgerbridge.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.AccountRoles;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The posting rules post to the account the chart of accounts gives each role; a role missing or given twice stops start-up. */
class ChartOfAccountsRolesTest {

    private static final Path DEFAULT = Path.of("mappings/chart-of-accounts.yaml");
    private static final LocalDate DAY = LocalDate.of(2026, 1, 15);

    @TempDir
    Path dir;

    private Path chart(String from, String to) throws IOException {
        String yaml = Files.readString(DEFAULT);
        assertThat(yaml).contains(from);
        Files.writeString(dir.resolve("chart-of-accounts.yaml"), yaml.replace(from, to));
        return dir;
    }

    @Test
    void theDefaultChartGivesTheCodesThePostingRulesAlwaysUsed() {
        AccountRoles roles = LedgerMappings.readChart(Path.of("mappings")).roles();
        assertThat(roles.code(AccountRole.CASH)).isEqualTo("1000");
        assertThat(roles.code(AccountRole.PROCESSOR_CLEARING)).isEqualTo("1010");
        assertThat(roles.code(AccountRole.OTHER_RECEIPTS_CLEARING)).isEqualTo("1020");
        assertThat(roles.code(AccountRole.CURRENCY_EXCHANGE)).isEqualTo("1030");
        assertThat(roles.code(AccountRole.DISPUTED_FUNDS)).isEqualTo("1060");
        assertThat(roles.code(AccountRole.RECEIVABLE)).isEqualTo("1100");
        assertThat(roles.code(AccountRole.UNBILLED_RECEIVABLE)).isEqualTo("1150");
        assertThat(roles.code(AccountRole.DEFERRED_REVENUE)).isEqualTo("2000");
        assertThat(roles.code(AccountRole.UNAPPLIED_CASH)).isEqualTo("2100");
        assertThat(roles.code(AccountRole.SALES_TAX_PAYABLE)).isEqualTo("2200");
        assertThat(roles.code(AccountRole.OPENING_BALANCE_EQUITY)).isEqualTo("3900");
        assertThat(roles.code(AccountRole.USAGE_REVENUE)).isEqualTo("4100");
        assertThat(roles.code(AccountRole.REFUNDS_AND_CREDITS)).isEqualTo("4900");
        assertThat(roles.code(AccountRole.PROCESSING_FEES)).isEqualTo("6000");
        assertThat(roles.code(AccountRole.BAD_DEBT)).isEqualTo("6100");
        assertThat(roles.code(AccountRole.DISPUTE_FEES)).isEqualTo("6200");
        assertThat(roles.code("subscription_revenue")).contains("4000");
        assertThat(roles.code("services_revenue")).contains("4200");
        assertThat(roles.code("fx_gain_loss")).contains("7000");
    }

    @Test
    void aRenamedAccountIsWhereTheRulesPost() throws IOException {
        PostingRules rules = new PostingRules(LedgerMappings.readChart(
                chart("{code: \"1100\", name: Accounts Receivable", "{code: \"1105\", name: Accounts Receivable")).roles());
        RevenueLine annual = new RevenueLine("il_1", "prod_platform_annual", "4000", "ratable", 1_200_000, DAY,
                DAY.plusYears(1), true);
        JournalEntry invoice = rules.invoiceFinalized("k:inv", DAY, "USD", "c", 1_200_000, 0, List.of(annual), "m");
        assertThat(invoice.lines()).containsExactly(JournalLine.debit("1105", 1_200_000, "c", null),
                JournalLine.credit("2000", 1_200_000, "c", "prod_platform_annual"));
        JournalEntry payment = rules.payment("k:pay", DAY, "USD", "c", 1_000, 700, "m");
        assertThat(payment.lines()).containsExactly(JournalLine.debit("1010", 1_000, "c", null),
                JournalLine.credit("1105", 700, "c", null), JournalLine.credit("2100", 300, "c", null));
        assertThat(rules.uncollectible("k:u", DAY, "USD", "c", 50, "k:inv", "m").lines())
                .containsExactly(JournalLine.debit("6100", 50, "c", null), JournalLine.credit("1105", 50, "c", null));
        assertThat(rules.account(AccountRole.RECEIVABLE)).isEqualTo("1105");
    }

    @Test
    void aRoleNoAccountPlaysStopsStartUpNamingIt() throws IOException {
        chart(", role: processor_clearing}", "}");
        assertThatThrownBy(() -> LedgerMappings.readChart(dir))
                .isInstanceOf(MappingException.class)
                .hasMessageStartingWith("chart-of-accounts.yaml:")
                .hasMessageContaining("no account has the role processor_clearing");
    }

    @Test
    void aRoleGivenTwiceStopsStartUpNamingIt() throws IOException {
        chart("role: unbilled_receivable}", "role: receivable}");
        assertThatThrownBy(() -> LedgerMappings.readChart(dir))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("role 'receivable' is given to accounts 1100 and 1150")
                .hasMessageContaining("chart-of-accounts.yaml:15:");
    }

    @Test
    void theDomainRefusesRolesWithoutTheOnesTheRulesNeed() {
        assertThatThrownBy(() -> AccountRoles.of(Map.of("cash", "1000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("processor_clearing").hasMessageContaining("dispute_fees");
    }
}
