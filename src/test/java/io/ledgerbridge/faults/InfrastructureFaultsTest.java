package io.ledgerbridge.faults;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL goes away under load and comes back; a burst arrives at ten times the usual concurrency
 * while a fifth of the answers are lost after the event was stored; the dead-letter store refuses
 * writes while a poison event needs it; the Kafka broker is killed and started again. Senders retry until they get a
 * 2xx, as Stripe does. Each event ends exactly once; nothing acknowledged is lost; the ledger rebuilt
 * from the inbox by a fresh instance is line for line the one that came through the faults.
 */
@LedgerbridgeTest
class InfrastructureFaultsTest {

    @Autowired
    JdbcTemplate parent;
    @Autowired
    Environment env;

    /** Delivers every body from {@code threads} senders, each retrying until a 2xx; returns the statuses seen. */
    private static Map<Integer, AtomicInteger> deliverAll(Http http, List<String> bodies, int threads) throws Exception {
        return deliverAll(http, bodies, threads, new CountDownLatch(0));
    }

    /** As above, counting each acknowledged delivery down on {@code acknowledged}. */
    private static Map<Integer, AtomicInteger> deliverAll(Http http, List<String> bodies, int threads, CountDownLatch acknowledged)
            throws Exception {
        Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> sent = new ArrayList<>();
            for (String body : bodies) {
                sent.add(pool.submit(() -> {
                    for (int attempt = 0; attempt < 60; attempt++) {
                        int status = FaultRig.status(http, body);
                        seen.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                        if (status / 100 == 2) {
                            acknowledged.countDown();
                            return true;
                        }
                        Thread.sleep(250L * Math.min(attempt + 1, 4)); // the sender's back-off before its retry
                    }
                    return false;
                }));
            }
            for (Future<Boolean> f : sent) {
                assertThat(f.get()).as("delivered within 60 attempts").isTrue();
            }
        } finally {
            pool.shutdown();
        }
        return seen;
    }

    @Test
    void postgresqlDownAndBackLosesNothingAcknowledged() throws Exception {
        try (FaultRig rig = new FaultRig(parent, env, "pgdown", "netsuite", 100);
             ChildInstance child = ChildInstance.start(rig.home, "pgdown", rig.props)) {
            Http http = new Http(child.port);
            ExecutorService outage = Executors.newSingleThreadExecutor();
            // the database goes away once the first deliveries were acknowledged, with most of them still to come
            CountDownLatch firstAcknowledged = new CountDownLatch(10);
            Future<?> down = outage.submit(() -> {
                firstAcknowledged.await();
                rig.database(false);
                Thread.sleep(6_000); // the outage lasts 6 s: the fault itself, nothing to wait for
                rig.database(true);
                return null;
            });
            Map<Integer, AtomicInteger> seen = deliverAll(http, rig.bodies, 4, firstAcknowledged);
            down.get();
            outage.shutdown();
            // while the database was away the product said so (503) instead of acknowledging
            assertThat(seen).containsKey(503);
            assertThat(seen.keySet()).allMatch(s -> s == 200 || s == 503, "only 200 or 503: " + seen);
            rig.assertEveryEventPostedOnce("netsuite");
            await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/actuator/health/readiness", null, null).statusCode() == 200);
            assertThat(child.alive()).isTrue();
        }
    }

    @Test
    void aBurstWithAFifthOfTheAnswersLostPostsEachEventOnce() throws Exception {
        try (FaultRig rig = new FaultRig(parent, env, "burst", "", 100);
             ChildInstance child = ChildInstance.start(rig.home, "burst",
                     rig.with("ledgerbridge.faults.fail-at", "ingress.stored", "ledgerbridge.faults.fail-percent", "20"))) {
            Map<Integer, AtomicInteger> seen = deliverAll(new Http(child.port), rig.bodies, 64);
            int failed = seen.getOrDefault(503, new AtomicInteger()).get();
            int attempts = seen.values().stream().mapToInt(AtomicInteger::get).sum();
            assertThat(failed).as("about a fifth of %s deliveries answered 503: %s", attempts, seen)
                    .isBetween(attempts / 10, attempts * 3 / 10);
            rig.assertEveryEventPostedOnce("");
            rig.assertLedgerRebuildsIdenticallyFromTheInbox(env);
        }
    }

    @Test
    void aDeadLetterThatCannotBeWrittenIsNotLostAndIsWrittenOnceTheStoreIsBack() throws Exception {
        try (FaultRig rig = new FaultRig(parent, env, "dlfail", "", 6);
             ChildInstance child = ChildInstance.start(rig.home, "dlfail", rig.props)) {
            rig.db.execute("""
                    create function lb_test_refuse_dead_letter() returns trigger language plpgsql as $$
                    begin raise exception 'dead-letter store unavailable (fault test)'; end $$""");
            rig.db.execute("""
                    create trigger lb_test_refuse before insert on dead_letter
                    for each row execute function lb_test_refuse_dead_letter()""");
            Http http = new Http(child.port);
            var poison = charge("ch_p" + rig.run, "cus_p" + rig.run, null, "usd", 1000, null, Instant.parse("2023-03-02T10:00:00Z"));
            poison.put("amount", "one thousand");
            poison.put("amount_captured", "one thousand");
            String poisonId = "evt_p" + uid();
            assertThat(FaultRig.deliver(http, event(poisonId, "charge.succeeded", poison,
                    Instant.parse("2023-03-02T10:00:00Z")).toString())).isTrue();
            for (String body : rig.bodies) {
                assertThat(FaultRig.deliver(http, body)).isTrue();
            }
            // the poison event cannot be dead-lettered: it stays without an outcome, it is not dropped (for 6 s on end)
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(rig.db.queryForObject("select status from inbox_event where event_id = ?", String.class, poisonId))
                        .isIn("received", "published");
                assertThat(rig.db.queryForObject("select count(*) from dead_letter", Integer.class)).isZero();
            });
            rig.db.execute("drop trigger lb_test_refuse on dead_letter");
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> "dead_lettered".equals(
                    rig.db.queryForObject("select status from inbox_event where event_id = ?", String.class, poisonId)));
            assertThat(rig.db.queryForObject("""
                    select count(*) from dead_letter d join inbox_event i on i.id = d.inbox_event_id where i.event_id = ?""",
                    Integer.class, poisonId)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> rig.db.queryForObject(
                    "select count(*) from inbox_event where status = 'posted'", Integer.class) == rig.bodies.size());
            assertThat(rig.db.queryForObject("select count(*) from journal_entry", Integer.class)).isEqualTo(rig.customers * 3);
            assertThat(rig.db.queryForObject("select count(distinct entry_key) from journal_entry", Integer.class))
                    .isEqualTo(rig.customers * 3);
        }
    }

    @Test
    void aKafkaBrokerKilledAndRestartedLosesNothingAcknowledged() throws Exception {
        try (FaultRig rig = new FaultRig(parent, env, "kafka", "", 10);
             BrokerProcess broker = BrokerProcess.create(rig.home.resolve("broker"))) {
            broker.start();
            try (ChildInstance child = ChildInstance.start(rig.home, "kafka", rig.with("ledgerbridge.kafka.brokers", broker.bootstrap()))) {
                Http http = new Http(child.port);
                int half = rig.bodies.size() / 2;
                for (String body : rig.bodies.subList(0, half)) {
                    assertThat(FaultRig.deliver(http, body)).isTrue();
                }
                broker.kill();
                // the inbox is in PostgreSQL: webhooks are still acknowledged while the broker is away
                for (String body : rig.bodies.subList(half, rig.bodies.size())) {
                    assertThat(FaultRig.deliver(http, body)).isTrue();
                }
                Thread.sleep(3_000); // the broker stays away 3 s more: the fault itself, nothing to wait for
                broker.start();
                rig.assertEveryEventPostedOnce("");
                assertThat(child.alive()).isTrue();
            }
        }
    }
}
