package io.ledgerbridge.ledger.domain;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * How much of a deferred line is recognised through a day (accounting.md): ratable lines evenly
 * per day over [start, end) with cumulative rounding; point-in-time and usage-in-arrears lines in
 * full on the last day of their period. What refunds and credit notes took out of the deferral
 * ({@code reduced}) is never recognised, so a schedule sums exactly to {@code amount - reduced}.
 */
public final class RecognitionSchedule {

    private RecognitionSchedule() {
    }

    /** One month of a schedule: the month, what it recognises and the cumulative at its end. */
    public record Month(YearMonth month, LocalDate through, long amount, long cumulative) {
    }

    /** Recognised through {@code through} (inclusive), cumulative. */
    public static long cumulative(RevenueLine line, long reduced, LocalDate through) {
        if (!line.deferred()) {
            return 0;
        }
        long amount = line.amount() - reduced;
        if ("ratable".equals(line.method())) {
            return Recognition.recognisedThrough(amount, line.periodStart(), line.periodEnd(), through);
        }
        return through.isBefore(lastDay(line)) ? 0 : amount;
    }

    /** The last day of service: the day before the exclusive period end. */
    public static LocalDate lastDay(RevenueLine line) {
        return line.periodEnd().minusDays(1);
    }

    /** The month ends (and {@code through} itself) at which a run through {@code through} books, after {@code after}. */
    public static List<LocalDate> checkpoints(RevenueLine line, LocalDate after, LocalDate through) {
        List<LocalDate> out = new ArrayList<>();
        LocalDate from = after == null ? line.periodStart() : after.plusDays(1);
        if (from.isAfter(through)) {
            return out;
        }
        LocalDate stop = through.isAfter(lastDay(line)) ? lastDay(line) : through;
        for (YearMonth m = YearMonth.from(from); !m.atDay(1).isAfter(stop); m = m.plusMonths(1)) {
            LocalDate end = m.atEndOfMonth();
            out.add(end.isAfter(stop) ? stop : end);
        }
        return out;
    }

    /** The whole schedule of a line, month by month from its first to its last day of service. */
    public static List<Month> months(RevenueLine line, long reduced) {
        List<Month> out = new ArrayList<>();
        long previous = 0;
        for (LocalDate at : checkpoints(line, null, lastDay(line))) {
            long cumulative = cumulative(line, reduced, at);
            out.add(new Month(YearMonth.from(at), at, cumulative - previous, cumulative));
            previous = cumulative;
        }
        return out;
    }
}
