package io.ledgerbridge.faults;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.support.FakeStripeApi;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A Stripe history import killed as by {@code kill -9} (a child JVM halted at the crash point
 * {@code import.page-stored}: a page's events committed in the inbox, its cursor not moved yet), and the
 * product started again: the new instance resumes the import from its last committed cursor; every object's
 * events are in the inbox exactly once (set equality with what the fake Stripe API holds) and every invoice,
 * payment and fee is posted once.
 */
@LedgerbridgeTest
class StripeImportCrashTest {

    @Autowired
    JdbcTemplate parent;
    @Autowired
    Environment env;

    @Test
    void anImportKilledBetweenAPageAndItsCursorResumesLosingNothingPostingNothingTwice() throws Exception {
        int customers = 120;
        try (FaultRig rig = new FaultRig(parent, env, "import", "", 1)) {
            Set<String> expected = new HashSet<>();
            Instant base = Instant.parse("2019-06-03T00:00:00Z");
            for (int i = 0; i < customers; i++) {
                String cus = "cus_i" + rig.run + i;
                String inv = "in_i" + rig.run + i;
                String ch = "ch_i" + rig.run + i;
                Instant at = base.plusSeconds(3_600L * i);
                FakeStripeApi.add(invoice(inv, cus, "usd", 20_000 + i, at, at.plus(Duration.ofDays(30)), at, "prod_platform_annual"));
                FakeStripeApi.add(charge(ch, cus, inv, "usd", 20_000 + i, 610L, at.plusSeconds(60)));
                expected.add("import:" + inv + ":finalized");
                expected.add("import:" + ch + ":succeeded");
            }
            String range = "{\"from\":\"2019-06-01\",\"to\":\"2019-07-01\",\"openingBalances\":false}";
            try (ChildInstance first = ChildInstance.start(rig.home, "first",
                    rig.with("ledgerbridge.faults.halt-at", "import.page-stored", "ledgerbridge.faults.halt-after", "2"))) {
                HttpResponse<String> started = new Http(first.port).postAs("/api/stripe/imports", "admin", "admin-test", range);
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                assertThat(first.awaitExit(Duration.ofSeconds(120))).as("the child halts; its log:%n%s", first.tail()).isEqualTo(137);
                assertThat(Files.readString(first.log)).contains("halting at crash point 'import.page-stored'");
            }
            assertThat(rig.db.queryForObject("select status from stripe_import", String.class)).isEqualTo("running");
            try (ChildInstance second = ChildInstance.start(rig.home, "second", rig.props)) {
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(rig.db.queryForObject("select status from stripe_import", String.class)).isEqualTo("succeeded"));
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> rig.db.queryForObject(
                        "select count(*) from inbox_event where status = 'posted'", Integer.class) == expected.size());
            }
            List<String> stored = rig.db.queryForList("select event_id from inbox_event", String.class);
            assertThat(stored).hasSize(expected.size());
            assertThat(new HashSet<>(stored)).isEqualTo(expected);
            assertThat(rig.db.queryForObject("select count(*) from journal_entry", Integer.class)).isEqualTo(customers * 3);
            assertThat(rig.db.queryForObject("select count(distinct entry_key) from journal_entry", Integer.class)).isEqualTo(customers * 3);
            assertThat(rig.db.queryForObject("select coalesce(sum(debit - credit), 0) from journal_line where account_code = '1100'",
                    Long.class)).isZero();
            assertThat(rig.db.queryForObject("""
                    select count(*) from (select entry_id from journal_line group by entry_id having sum(debit) <> sum(credit)) x""",
                    Integer.class)).isZero();
            assertThat(rig.db.queryForObject("select count(*) from dead_letter", Integer.class)).isZero();
        }
    }
}
