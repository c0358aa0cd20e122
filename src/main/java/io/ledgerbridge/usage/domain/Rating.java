package io.ledgerbridge.usage.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Rates one customer's usage of one metric over one billing period (accounting.md): included units
 * are free, then per_unit, graduated (each tier prices the units inside it) or volume (the tier the
 * total falls in prices every unit); a minimum commitment bills its shortfall. Amounts are computed
 * exactly and rounded half up to the minor unit once, at the line, never per event.
 */
public final class Rating {

    private Rating() {
    }

    /** A rated invoice line: what it is, how many units it prices, and its amount in minor units. */
    public record RatedLine(String kind, long quantity, long amount, String description) {
    }

    public static List<RatedLine> rate(UsagePrice price, long quantity) {
        if (quantity < 0) {
            throw new IllegalArgumentException("a period's quantity is not negative");
        }
        long billable = Math.max(0, quantity - price.included());
        BigDecimal exact = switch (price.mode()) {
            case PER_UNIT -> price.unitPrice().multiply(BigDecimal.valueOf(billable));
            case GRADUATED -> graduated(price, billable);
            case VOLUME -> volume(price, billable);
        };
        long usage = exact.setScale(0, RoundingMode.HALF_UP).longValueExact();
        List<RatedLine> lines = new ArrayList<>();
        lines.add(new RatedLine("usage", quantity, usage, price.metric() + ": " + quantity + " units"
                + (price.included() > 0 ? " (" + Math.min(quantity, price.included()) + " included)" : "")));
        if (price.minimum() > usage) {
            lines.add(new RatedLine("minimum_shortfall", 0, price.minimum() - usage,
                    price.metric() + ": minimum commitment shortfall"));
        }
        return lines;
    }

    private static BigDecimal graduated(UsagePrice price, long units) {
        BigDecimal total = BigDecimal.ZERO;
        long lower = 0;
        for (UsagePrice.Tier tier : price.tiers()) {
            if (units <= lower) {
                break;
            }
            long upper = tier.upTo() == null ? units : Math.min(units, tier.upTo());
            long inTier = upper - lower;
            total = total.add(tier.unitPrice().multiply(BigDecimal.valueOf(inTier))).add(BigDecimal.valueOf(tier.flatFee()));
            if (tier.upTo() == null) {
                break;
            }
            lower = tier.upTo();
        }
        return total;
    }

    private static BigDecimal volume(UsagePrice price, long units) {
        if (units == 0) {
            return BigDecimal.ZERO;
        }
        for (UsagePrice.Tier tier : price.tiers()) {
            if (tier.upTo() == null || units <= tier.upTo()) {
                return tier.unitPrice().multiply(BigDecimal.valueOf(units)).add(BigDecimal.valueOf(tier.flatFee()));
            }
        }
        throw new IllegalStateException("the last tier has no upper bound");
    }
}
