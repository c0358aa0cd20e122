package io.ledgerbridge.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The product dies at each crash point as under {@code kill -9} (a child JVM halted by
 * {@code ledgerbridge.faults.halt-at}) while signed Stripe webhooks arrive; it is started again and
 * the sender retries what was not acknowledged, as Stripe does, and delivers the rest once more.
 * Every event then ends exactly once (in the inbox once, posted), every invoice, payment and fee is
 * one balanced journal entry, and with an ERP the journal is booked there once.
 */
@LedgerbridgeTest
class CrashPointsTest {

    @Autowired
    JdbcTemplate parent;
    @Autowired
    Environment env;

    @ParameterizedTest(name = "halt at {0} (pass {1})")
    @CsvSource({
            "ingress.verified, 5, ''",
            "ingress.stored, 5, ''",
            "relay.published, 1, ''",
            "ledger.committed, 2, ''",
            "erp.posted, 3, netsuite"})
    void everyAcknowledgedEventEndsOnceAfterACrash(String point, int pass, String erp) throws Exception {
        try (FaultRig rig = new FaultRig(parent, env, point, erp, 8)) {
            int acknowledged = 0;
            try (ChildInstance first = ChildInstance.start(rig.home, "first",
                    rig.with("ledgerbridge.faults.halt-at", point, "ledgerbridge.faults.halt-after", Integer.toString(pass)))) {
                Http http = new Http(first.port);
                for (int i = 0; i < rig.bodies.size() && first.alive(); i++) {
                    acknowledged += FaultRig.deliver(http, rig.bodies.get(i)) ? 1 : 0;
                }
                Integer exit = first.awaitExit(Duration.ofSeconds(90));
                assertThat(exit).as("the child halts at %s; its log:%n%s", point, first.tail()).isEqualTo(137);
                assertThat(Files.readString(first.log)).contains("halting at crash point '" + point + "'");
            }
            assertThat(acknowledged).as("events acknowledged before the crash").isPositive();
            try (ChildInstance second = ChildInstance.start(rig.home, "second", rig.props)) {
                Http http = new Http(second.port);
                // the sender retries every delivery it has no 2xx for and (as Stripe may) delivers the rest again
                for (String body : rig.bodies) {
                    assertThat(FaultRig.deliver(http, body)).isTrue();
                }
                rig.assertEveryEventPostedOnce(erp);
            }
        }
    }
}
