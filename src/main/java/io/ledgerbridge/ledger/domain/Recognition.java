package io.ledgerbridge.ledger.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

/**
 * Ratable recognition with cumulative rounding (accounting.md): recognised through day d is
 * round_half_up(amount * days_elapsed(d) / total_days) over the service period [start, end).
 * A period's amount is a difference of two cumulatives, so a schedule sums exactly to its line.
 */
public final class Recognition {

    private Recognition() {
    }

    /** round_half_up(amount * elapsed / total), half away from zero for negative amounts. */
    public static long cumulative(long amount, long elapsedDays, long totalDays) {
        if (totalDays <= 0) {
            throw new IllegalArgumentException("a service period has at least one day");
        }
        long elapsed = Math.max(0, Math.min(elapsedDays, totalDays));
        return BigDecimal.valueOf(amount).multiply(BigDecimal.valueOf(elapsed))
                .divide(BigDecimal.valueOf(totalDays), 0, RoundingMode.HALF_UP).longValueExact();
    }

    /** Recognised through {@code through} (inclusive) of a line over [start, end). */
    public static long recognisedThrough(long amount, LocalDate start, LocalDate end, LocalDate through) {
        long total = ChronoUnit.DAYS.between(start, end);
        if (total <= 0) {
            return through.isBefore(start) ? 0 : amount;
        }
        return cumulative(amount, ChronoUnit.DAYS.between(start, through.plusDays(1)), total);
    }

    /** round_half_up(amount * part / whole): a pro-rata share. */
    public static long share(long amount, long part, long whole) {
        if (whole == 0) {
            return 0;
        }
        return BigDecimal.valueOf(amount).multiply(BigDecimal.valueOf(part))
                .divide(BigDecimal.valueOf(whole), 0, RoundingMode.HALF_UP).longValueExact();
    }
}
