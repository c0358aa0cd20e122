package io.ledgerbridge.platform.faults;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash points for fault tests: when {@code ledgerbridge.faults.halt-at} names a point, the process
 * stops dead there (as {@code kill -9} would: no shutdown hooks, no graceful close, open transactions
 * lost) on its {@code ledgerbridge.faults.halt-after}-th pass. Unset in production, where every point
 * is one comparison. The points: {@code ingress.verified} (signature checked, nothing stored),
 * {@code ingress.stored} (inbox committed, no answer sent), {@code relay.published} (broker
 * acknowledged, inbox not marked published), {@code ledger.committed} (ledger committed, the Kafka
 * offset not), {@code erp.posted} (the ERP booked the journal, the posting not recorded). With
 * {@code ledgerbridge.faults.fail-at} and {@code fail-percent}, a share of the passes through a point
 * fail after their work is done instead ({@code ingress.stored}: the event is stored, the sender gets
 * a 503 and delivers it again).
 */
public final class Faults {

    private static final Logger log = LoggerFactory.getLogger(Faults.class);
    private static volatile String haltAt = "";
    private static volatile int haltAfter = 1;
    private static final AtomicInteger passes = new AtomicInteger();
    private static volatile String failAt = "";
    private static volatile int failPercent;

    private Faults() {
    }

    /** Arms (or, with an empty name, disarms) a crash point. */
    public static void arm(String point, int after) {
        haltAt = point == null ? "" : point;
        haltAfter = Math.max(1, after);
        passes.set(0);
        if (!haltAt.isEmpty()) {
            log.warn("FAULT INJECTION ARMED: the process halts at crash point '{}' (pass {}); never set this in production",
                    haltAt, haltAfter);
        }
    }

    /** Makes {@link #fails} answer true at a point for about {@code percent}% of passes (or never, with 0). */
    public static void flaky(String point, int percent) {
        failAt = point == null ? "" : point;
        failPercent = Math.max(0, Math.min(100, percent));
        if (!failAt.isEmpty() && failPercent > 0) {
            log.warn("FAULT INJECTION ARMED: {}% of passes through '{}' fail after their work is done; never set this in production",
                    failPercent, failAt);
        }
    }

    /** Whether this pass through a point should fail although its work is done (a lost answer). */
    public static boolean fails(String name) {
        return failPercent > 0 && failAt.equals(name)
                && java.util.concurrent.ThreadLocalRandom.current().nextInt(100) < failPercent;
    }

    /** Whether a crash point is armed (so callers can skip preparing one). */
    public static boolean armed() {
        return !haltAt.isEmpty();
    }

    /** Marks a crash point. */
    public static void point(String name) {
        if (!haltAt.isEmpty() && haltAt.equals(name) && passes.incrementAndGet() >= haltAfter) {
            log.error("Fault injection: halting at crash point '{}'", name);
            System.err.println("HALT " + name);
            Runtime.getRuntime().halt(137);
        }
    }
}
