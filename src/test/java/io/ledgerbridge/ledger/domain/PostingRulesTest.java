package io.ledgerbridge.ledger.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ledgerbridge.ledger.LedgerMappings;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The posting rules of accounting.md, to the cent, without a database. */
class PostingRulesTest {

    /** The rules with the default chart of accounts (mappings/chart-of-accounts.yaml). */
    private static final PostingRules RULES = new PostingRules(LedgerMappings.readChart(Path.of("mappings")).roles());

    private static final LocalDate START = LocalDate.of(2026, 1, 15);
    private static final LocalDate END = LocalDate.of(2027, 1, 15);
    private static final RevenueLine ANNUAL = new RevenueLine("il_1", "prod_platform_annual", "4000", "ratable",
            1_200_000, START, END, true);

    private static Map<String, Long> balances(List<JournalEntry> entries) {
        Map<String, Long> b = new HashMap<>();
        for (JournalEntry e : entries) {
            for (JournalLine l : e.lines()) {
                b.merge(l.account(), l.debit() - l.credit(), Long::sum);
            }
        }
        return b;
    }

    @Test
    void workedExampleInvoicePaymentFee() {
        JournalEntry invoice = RULES.invoiceFinalized("k:inv", START, "USD", "c", 1_200_000, 0, List.of(ANNUAL), "m");
        JournalEntry payment = RULES.payment("k:pay", LocalDate.of(2026, 1, 20), "USD", "c", 1_200_000, 1_200_000, "m");
        JournalEntry fee = RULES.fee("k:fee", LocalDate.of(2026, 1, 20), "USD", "c", 34_830, "m");
        assertThat(invoice.lines()).containsExactly(JournalLine.debit("1100", 1_200_000, "c", null),
                JournalLine.credit("2000", 1_200_000, "c", "prod_platform_annual"));
        Map<String, Long> b = balances(List.of(invoice, payment, fee));
        assertThat(b.get("1100")).isZero();
        assertThat(b.get("2000")).isEqualTo(-1_200_000);
        assertThat(b.get("1010")).isEqualTo(1_200_000 - 34_830);
        assertThat(b.get("6000")).isEqualTo(34_830);
    }

    @Test
    void workedExampleRecognitionCumulatives() {
        assertThat(Recognition.recognisedThrough(1_200_000, START, END, LocalDate.of(2026, 1, 31))).isEqualTo(55_890);
        assertThat(Recognition.recognisedThrough(1_200_000, START, END, LocalDate.of(2026, 2, 28))).isEqualTo(147_945);
        assertThat(Recognition.recognisedThrough(1_200_000, START, END, LocalDate.of(2026, 3, 31))).isEqualTo(249_863);
        assertThat(1_200_000 - 249_863).isEqualTo(950_137);
        assertThat(Recognition.recognisedThrough(1_200_000, START, END, LocalDate.of(2027, 1, 14))).isEqualTo(1_200_000);
        assertThat(Recognition.recognisedThrough(1_200_000, START, END, LocalDate.of(2026, 1, 14))).isZero();
    }

    @Test
    void earnedLinesGoToRevenueTaxTo2200AndNegativeLinesAreDebits() {
        RevenueLine usage = new RevenueLine("il_u", "prod_api_usage", "4100", "usage_in_arrears", 25_000,
                LocalDate.of(2025, 12, 1), LocalDate.of(2026, 1, 1), false);
        RevenueLine credit = new RevenueLine("il_p", "prod_platform_annual", "4000", "ratable", -10_000, START, END, true);
        JournalEntry e = RULES.invoiceFinalized("k", START, "USD", "c", 1_215_000 + 1_500, 1_500,
                List.of(ANNUAL, usage, credit), "m");
        assertThat(e.lines()).contains(JournalLine.credit("4100", 25_000, "c", "prod_api_usage"),
                new JournalLine("2000", 10_000, 0, "c", "prod_platform_annual"), JournalLine.credit("2200", 1_500, "c", null));
        assertThatThrownBy(() -> RULES.invoiceFinalized("k", START, "USD", "c", 999, 0, List.of(ANNUAL), "m"))
                .isInstanceOf(PostingRules.InvoiceDoesNotSum.class);
    }

    @Test
    void partialAndOverPayments() {
        JournalEntry partial = RULES.payment("k", START, "USD", "c", 400, 400, "m");
        assertThat(partial.lines()).containsExactly(JournalLine.debit("1010", 400, "c", null), JournalLine.credit("1100", 400, "c", null));
        JournalEntry over = RULES.payment("k", START, "USD", "c", 1_000, 700, "m");
        assertThat(balances(List.of(over))).containsEntry("1100", -700L).containsEntry("2100", -300L).containsEntry("1010", 1_000L);
    }

    @Test
    void refundSplitsEarnedAndUnearnedProRata() {
        // earned through 2026-02-10: 27 of 365 days -> 88,767 of 1,200,000
        PostingRules.Split split = PostingRules.split(100_000, 0, 1_200_000, 0, List.of(ANNUAL), LocalDate.of(2026, 2, 10));
        assertThat(split).isEqualTo(new PostingRules.Split(0, 0, 7_397, 92_603));
        JournalEntry refund = RULES.refund("k", LocalDate.of(2026, 2, 10), "USD", "c", 100_000, split, "m");
        assertThat(balances(List.of(refund))).containsEntry("4900", 7_397L).containsEntry("2000", 92_603L)
                .containsEntry("1010", -100_000L);
    }

    @Test
    void creditNotesAgainstTheReceivableOrTheCustomerBalance() {
        PostingRules.Split split = PostingRules.split(120_000, 0, 1_200_000, 0, List.of(ANNUAL), START.minusDays(1));
        assertThat(split.earned()).isZero();
        JournalEntry pre = RULES.creditNote("k", START, "USD", "c", 120_000, split, true, "m");
        assertThat(balances(List.of(pre))).containsEntry("2000", 120_000L).containsEntry("1100", -120_000L);
        JournalEntry post = RULES.creditNote("k", START, "USD", "c", 120_000, split, false, "m");
        assertThat(balances(List.of(post))).containsEntry("2100", -120_000L);
    }

    @Test
    void voidReversesAndUncollectibleWritesOff() {
        JournalEntry invoice = RULES.invoiceFinalized("k:inv", START, "USD", "c", 1_200_000, 0, List.of(ANNUAL), "m");
        JournalEntry reversal = invoice.reversal("k:void", START.plusDays(3), "void", "invoice_voided");
        assertThat(balances(List.of(invoice, reversal)).values()).allMatch(v -> v == 0);
        assertThat(reversal.corrects()).isEqualTo("k:inv");
        JournalEntry bad = RULES.uncollectible("k:u", START, "USD", "c", 50_000, "k:inv", "m");
        assertThat(balances(List.of(bad))).containsEntry("6100", 50_000L).containsEntry("1100", -50_000L);
    }

    @Test
    void anUnbalancedEntryCannotExist() {
        assertThatThrownBy(() -> new JournalEntry("k", START, "USD", "m", "r", null, null,
                List.of(JournalLine.debit("1100", 100, null, null), JournalLine.credit("4000", 99, null, null))))
                .isInstanceOf(UnbalancedEntryException.class);
        assertThatThrownBy(() -> new JournalLine("1100", 0, 0, null, null)).isInstanceOf(UnbalancedEntryException.class);
    }

    @Test
    void zeroAndThreeDecimalCurrenciesBalanceToTheMinorUnit() {
        RevenueLine jpy = new RevenueLine("l", "p", "4000", "ratable", 99_999, START, END, true);
        JournalEntry e = RULES.invoiceFinalized("k", START, "JPY", "c", 99_999, 0, List.of(jpy), "m");
        assertThat(e.total()).isEqualTo(99_999);
        RevenueLine kwd = new RevenueLine("l", "p", "4000", "ratable", 1_234_567, START, END, true);
        PostingRules.Split s = PostingRules.split(333_333, 0, 1_234_567, 0, List.of(kwd), LocalDate.of(2026, 7, 1));
        assertThat(s.earned() + s.unearned()).isEqualTo(333_333);
    }

    /** Random invoices, payments and refunds: every entry balances and every split adds up. Prints its seed. */
    @Test
    void propertyEveryEntryBalances() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try {
            for (int i = 0; i < 2_000; i++) {
                LocalDate start = LocalDate.of(2024, 1, 1).plusDays(random.nextInt(1500));
                LocalDate end = start.plusDays(1 + random.nextInt(800));
                List<RevenueLine> lines = new ArrayList<>();
                long sum = 0;
                for (int n = 1 + random.nextInt(5); n > 0; n--) {
                    long amount = random.nextInt(10) == 0 ? -random.nextInt(50_000) : 1 + random.nextInt(5_000_000);
                    lines.add(new RevenueLine("l" + n, "p", "4000", "ratable", amount, start, end, random.nextBoolean()));
                    sum += amount;
                }
                long tax = random.nextInt(100_000);
                long total = sum + tax;
                JournalEntry inv = RULES.invoiceFinalized("k" + i, start, "USD", "c", total, tax, lines, "m");
                assertThat(inv.lines().stream().mapToLong(JournalLine::debit).sum())
                        .isEqualTo(inv.lines().stream().mapToLong(JournalLine::credit).sum());
                if (total > 0) {
                    long refund = 1 + (long) (random.nextDouble() * total);
                    LocalDate at = start.plusDays(random.nextInt(900));
                    PostingRules.Split split = PostingRules.split(refund, 0, total, tax, lines, at);
                    assertThat(split.unapplied() + split.tax() + split.earned() + split.unearned()).isEqualTo(refund);
                    if (split.earned() >= 0 && split.unearned() >= 0) {
                        RULES.refund("r" + i, at, "USD", "c", refund, split, "m");
                    }
                }
                for (int d = 0; d <= 3; d++) {
                    LocalDate through = start.plusDays(random.nextInt(900));
                    long total0 = lines.get(0).amount();
                    long r = Recognition.recognisedThrough(total0, start, end, through);
                    assertThat(Math.abs(r)).isLessThanOrEqualTo(Math.abs(total0));
                }
                assertThat(Recognition.recognisedThrough(lines.get(0).amount(), start, end, end.minusDays(1)))
                        .isEqualTo(lines.get(0).amount());
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("property failed with seed " + seed + ": " + e.getMessage(), e);
        }
    }
}
