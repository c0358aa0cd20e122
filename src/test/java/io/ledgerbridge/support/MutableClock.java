package io.ledgerbridge.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.springframework.context.annotation.Primary;

/**
 * The clock of the test context (imported by {@link LedgerbridgeTest}, primary over the product's
 * system clock): the system's time plus an offset a test sets, so time keeps flowing but a test can
 * put the product on another day or an hour ahead. The context is shared: a test that moves the clock
 * puts it back with {@link #reset()} (in a finally block or an {@code @AfterEach}).
 */
@Primary
public class MutableClock extends Clock {

    private final Clock system = Clock.systemUTC();
    private volatile Duration offset = Duration.ZERO;

    /** Moves the product's time by {@code amount} (negative: back). */
    public void advance(Duration amount) {
        offset = offset.plus(amount);
    }

    /** Puts the product's time at {@code instant}; it flows on from there. */
    public void setTo(Instant instant) {
        offset = Duration.between(system.instant(), instant);
    }

    /** Back to the system's time. */
    public void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public Instant instant() {
        return system.instant().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        MutableClock self = this;
        return new Clock() {
            @Override
            public Instant instant() {
                return self.instant();
            }

            @Override
            public ZoneId getZone() {
                return zone;
            }

            @Override
            public Clock withZone(ZoneId other) {
                return self.withZone(other);
            }
        };
    }
}
