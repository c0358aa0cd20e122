package io.ledgerbridge.usage.domain;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A usage price of a contract (accounting.md "Usage rating", mirroring Stripe's tier modes).
 * Unit prices are in minor units of {@code currency} and may be fractional (USD 0.002 a unit is
 * 0.2 cents); flat fees, the minimum commitment and every rated amount are whole minor units.
 *
 * @param mode     per_unit, graduated or volume
 * @param unitPrice price per unit for per_unit (null otherwise)
 * @param tiers    for graduated and volume, in ascending order; the last tier has no upper bound
 * @param included units per period that are free
 * @param minimum  minimum commitment per period in minor units (0 for none): the shortfall is billed
 */
public record UsagePrice(String metric, String currency, Mode mode, BigDecimal unitPrice, List<Tier> tiers,
                         long included, long minimum) {

    /** Stripe's billing schemes for metered prices. */
    public enum Mode { PER_UNIT, GRADUATED, VOLUME }

    /**
     * One tier: units up to and including {@code upTo} (null: no upper bound) at {@code unitPrice},
     * plus {@code flatFee} once when the tier is used.
     */
    public record Tier(Long upTo, BigDecimal unitPrice, long flatFee) {
        public Tier {
            Objects.requireNonNull(unitPrice, "unitPrice");
            if (unitPrice.signum() < 0 || flatFee < 0 || (upTo != null && upTo <= 0)) {
                throw new IllegalArgumentException("a tier has a positive bound and non-negative prices");
            }
        }
    }

    public UsagePrice {
        Objects.requireNonNull(mode, "mode");
        tiers = tiers == null ? List.of() : List.copyOf(tiers);
        if (included < 0 || minimum < 0) {
            throw new IllegalArgumentException("included units and minimum are not negative");
        }
        if (mode == Mode.PER_UNIT && (unitPrice == null || unitPrice.signum() < 0)) {
            throw new IllegalArgumentException("per_unit needs a non-negative unit price");
        }
        if (mode != Mode.PER_UNIT) {
            if (tiers.isEmpty() || tiers.get(tiers.size() - 1).upTo() != null) {
                throw new IllegalArgumentException(mode + " needs tiers ending with an unbounded one");
            }
            for (int i = 1; i < tiers.size(); i++) {
                Long previous = tiers.get(i - 1).upTo();
                Long current = tiers.get(i).upTo();
                if (previous == null || (current != null && current <= previous)) {
                    throw new IllegalArgumentException("tiers must have ascending upper bounds");
                }
            }
        }
    }
}
