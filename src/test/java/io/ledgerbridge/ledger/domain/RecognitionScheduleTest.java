package io.ledgerbridge.ledger.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Schedules, as properties over random lines: they sum exactly, never leak a cent, never go backwards. */
class RecognitionScheduleTest {

    @Test
    void theWorkedExampleSchedule() {
        RevenueLine line = new RevenueLine("l", "p", "4000", "ratable", 1_200_000, LocalDate.of(2026, 1, 15),
                LocalDate.of(2027, 1, 15), true);
        List<RecognitionSchedule.Month> months = RecognitionSchedule.months(line, 0);
        assertThat(months).hasSize(13);
        assertThat(months.subList(0, 3)).extracting(RecognitionSchedule.Month::amount).containsExactly(55_890L, 92_055L, 101_918L);
        assertThat(months.get(12).through()).isEqualTo(LocalDate.of(2027, 1, 14));
        assertThat(months.get(12).cumulative()).isEqualTo(1_200_000);
    }

    @Test
    void pointInTimeLinesAreEarnedOnTheirLastDay() {
        RevenueLine line = new RevenueLine("l", "p", "4200", "point_in_time", 50_000, LocalDate.of(2026, 2, 1),
                LocalDate.of(2026, 5, 1), true);
        assertThat(RecognitionSchedule.cumulative(line, 0, LocalDate.of(2026, 4, 29))).isZero();
        assertThat(RecognitionSchedule.cumulative(line, 0, LocalDate.of(2026, 4, 30))).isEqualTo(50_000);
        assertThat(RecognitionSchedule.months(line, 0)).extracting(RecognitionSchedule.Month::amount).containsExactly(0L, 0L, 50_000L);
    }

    @Test
    void largestRemainderAddsUpExactly() {
        assertThat(Allocation.largestRemainder(100, new long[] {1, 1, 1})).containsExactly(34, 33, 33);
        assertThat(Allocation.largestRemainder(7, new long[] {0, 5, 0})).containsExactly(0, 7, 0);
    }

    /** Random lines across leap years and month ends, 0/2/3-decimal sized amounts, with reductions. Prints its seed. */
    @Test
    void propertySchedulesSumToTheLineAndRecognisedPlusDeferredIsBilled() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try {
            for (int i = 0; i < 3_000; i++) {
                LocalDate start = LocalDate.of(2023, 1, 1).plusDays(random.nextInt(2000));
                LocalDate end = start.plusDays(1 + random.nextInt(1100));
                long scale = new long[] {1, 100, 1000}[random.nextInt(3)];
                long amount = (random.nextInt(20) == 0 ? -1 : 1) * (1 + (long) random.nextInt(1_000_000)) * scale / 7;
                String method = random.nextInt(5) == 0 ? "point_in_time" : "ratable";
                RevenueLine line = new RevenueLine("l", "p", "4000", method, amount, start, end, true);
                long reduced = amount > 0 && random.nextBoolean() ? random.nextInt((int) Math.min(amount, Integer.MAX_VALUE)) : 0;
                List<RecognitionSchedule.Month> months = RecognitionSchedule.months(line, reduced);
                assertThat(months.stream().mapToLong(RecognitionSchedule.Month::amount).sum()).isEqualTo(amount - reduced);
                long previous = 0;
                for (RecognitionSchedule.Month m : months) {
                    assertThat(m.cumulative() - previous).isEqualTo(m.amount());
                    if (amount - reduced >= 0) {
                        assertThat(m.amount()).isGreaterThanOrEqualTo(0);
                    }
                    previous = m.cumulative();
                }
                for (int k = 0; k < 4; k++) {
                    LocalDate at = start.minusDays(5).plusDays(random.nextInt(1200));
                    long recognised = RecognitionSchedule.cumulative(line, reduced, at);
                    long deferred = amount - reduced - recognised;
                    assertThat(recognised + deferred + reduced).isEqualTo(amount);
                    assertThat(Math.abs(recognised)).isLessThanOrEqualTo(Math.abs(amount - reduced));
                }
                // a run in several steps ends where one run ends
                LocalDate mid = start.plusDays(random.nextInt((int) Math.max(1, end.toEpochDay() - start.toEpochDay())));
                long stepped = 0;
                for (LocalDate at : RecognitionSchedule.checkpoints(line, null, mid)) {
                    stepped = RecognitionSchedule.cumulative(line, reduced, at);
                }
                for (LocalDate at : RecognitionSchedule.checkpoints(line, mid, end)) {
                    stepped = RecognitionSchedule.cumulative(line, reduced, at);
                }
                assertThat(stepped).isEqualTo(amount - reduced);
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("property failed with seed " + seed + ": " + e.getMessage(), e);
        }
    }
}
