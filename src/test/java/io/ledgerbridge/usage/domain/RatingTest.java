package io.ledgerbridge.usage.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Usage rating per accounting.md, to the minor unit. */
class RatingTest {

    private static UsagePrice.Tier tier(Long upTo, String unitPrice, long flat) {
        return new UsagePrice.Tier(upTo, new BigDecimal(unitPrice), flat);
    }

    private static long total(List<Rating.RatedLine> lines) {
        return lines.stream().mapToLong(Rating.RatedLine::amount).sum();
    }

    @Test
    void perUnitWithASubCentPriceRoundsOnceAtTheLine() {
        // USD 0.002 a call = 0.2 cents; 1,234,567 calls = 246,913.4 cents -> 246,913
        UsagePrice price = new UsagePrice("api_calls", "USD", UsagePrice.Mode.PER_UNIT, new BigDecimal("0.2"), null, 0, 0);
        assertThat(total(Rating.rate(price, 1_234_567))).isEqualTo(246_913);
        // per-event rounding would have billed 0 for each call: rounding happens once
        assertThat(total(Rating.rate(price, 1))).isZero();
        assertThat(total(Rating.rate(price, 3))).isEqualTo(1); // 0.6 -> 1
    }

    @Test
    void graduatedTiersPriceTheUnitsInsideThem() {
        UsagePrice price = new UsagePrice("seats", "USD", UsagePrice.Mode.GRADUATED, null, List.of(
                tier(1_000L, "10", 0), tier(10_000L, "5", 0), tier(null, "1", 0)), 0, 0);
        // 1,000 x 10 + 9,000 x 5 + 2,500 x 1
        assertThat(total(Rating.rate(price, 12_500))).isEqualTo(10_000 + 45_000 + 2_500);
        assertThat(total(Rating.rate(price, 1_000))).isEqualTo(10_000);
        assertThat(total(Rating.rate(price, 1_001))).isEqualTo(10_005);
    }

    @Test
    void volumeTiersPriceEveryUnitAtTheTierTheTotalFallsIn() {
        UsagePrice price = new UsagePrice("gb", "USD", UsagePrice.Mode.VOLUME, null, List.of(
                tier(1_000L, "10", 0), tier(10_000L, "5", 2_500), tier(null, "1", 0)), 0, 0);
        assertThat(total(Rating.rate(price, 1_000))).isEqualTo(10_000);
        assertThat(total(Rating.rate(price, 1_001))).isEqualTo(5_005 + 2_500);
        assertThat(total(Rating.rate(price, 12_500))).isEqualTo(12_500);
        assertThat(total(Rating.rate(price, 0))).isZero();
    }

    @Test
    void includedUnitsAreFreeAndAMinimumBillsItsShortfall() {
        UsagePrice price = new UsagePrice("api_calls", "USD", UsagePrice.Mode.PER_UNIT, new BigDecimal("0.5"), null, 10_000, 20_000);
        List<Rating.RatedLine> under = Rating.rate(price, 30_000); // 20,000 billable x 0.5 = 10,000 < 20,000 minimum
        assertThat(under).extracting(Rating.RatedLine::kind).containsExactly("usage", "minimum_shortfall");
        assertThat(under).extracting(Rating.RatedLine::amount).containsExactly(10_000L, 10_000L);
        List<Rating.RatedLine> over = Rating.rate(price, 60_000);
        assertThat(over).hasSize(1);
        assertThat(total(over)).isEqualTo(25_000);
        assertThat(total(Rating.rate(price, 5_000))).isEqualTo(20_000);
    }

    @Test
    void invalidPricesAndQuantitiesAreRefused() {
        assertThatThrownBy(() -> new UsagePrice("m", "USD", UsagePrice.Mode.GRADUATED, null, List.of(tier(10L, "1", 0)), 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UsagePrice("m", "USD", UsagePrice.Mode.VOLUME, null,
                List.of(tier(10L, "1", 0), tier(5L, "1", 0), tier(null, "1", 0)), 0, 0)).isInstanceOf(IllegalArgumentException.class);
        UsagePrice ok = new UsagePrice("m", "USD", UsagePrice.Mode.PER_UNIT, BigDecimal.ONE, null, 0, 0);
        assertThatThrownBy(() -> Rating.rate(ok, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Graduated pricing equals the sum of per-unit pricing tier by tier; volume equals one tier's price. Prints its seed. */
    @Test
    void propertyGraduatedIsTheSumOfItsTiers() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try {
            for (int i = 0; i < 5_000; i++) {
                long b1 = 1 + random.nextInt(1000);
                long b2 = b1 + 1 + random.nextInt(10_000);
                BigDecimal p1 = BigDecimal.valueOf(random.nextInt(100_000), 3);
                BigDecimal p2 = BigDecimal.valueOf(random.nextInt(100_000), 3);
                BigDecimal p3 = BigDecimal.valueOf(random.nextInt(100_000), 3);
                List<UsagePrice.Tier> tiers = List.of(new UsagePrice.Tier(b1, p1, 0), new UsagePrice.Tier(b2, p2, 0),
                        new UsagePrice.Tier(null, p3, 0));
                long q = random.nextInt(50_000);
                long graduated = total(Rating.rate(new UsagePrice("m", "USD", UsagePrice.Mode.GRADUATED, null, tiers, 0, 0), q));
                BigDecimal expected = p1.multiply(BigDecimal.valueOf(Math.min(q, b1)))
                        .add(p2.multiply(BigDecimal.valueOf(Math.max(0, Math.min(q, b2) - b1))))
                        .add(p3.multiply(BigDecimal.valueOf(Math.max(0, q - b2))));
                assertThat(graduated).isEqualTo(expected.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
                long volume = total(Rating.rate(new UsagePrice("m", "USD", UsagePrice.Mode.VOLUME, null, tiers, 0, 0), q));
                BigDecimal unit = q <= b1 ? p1 : q <= b2 ? p2 : p3;
                assertThat(volume).isEqualTo(unit.multiply(BigDecimal.valueOf(q)).setScale(0, java.math.RoundingMode.HALF_UP)
                        .longValueExact());
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("property failed with seed " + seed + ": " + e.getMessage(), e);
        }
    }
}
