package io.ledgerbridge.scenario;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.refund;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.support.ConsumerLag;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A seeded scenario: a generated history of invoices, payments (short, exact and over), fees, refunds
 * and a payout, delivered shuffled, with duplicates, jittered latencies and re-publications of
 * events already processed (what a consumer crash between commit and offset commit looks like).
 * The invariants hold for any seed; a failure prints the seed: replay it with
 * {@code ./mvnw -B verify -Dtest=SeededScenarioTest -Dscenario.seed=<seed>}.
 */
@LedgerbridgeTest
class SeededScenarioTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Environment env;

    private record Customer(String id, long invoiced, long paid, long fee, long refunded) {
    }

    @Test
    void anyShuffledDuplicatedInterruptedHistoryPostsEachFactOnce() throws Exception {
        long seed = Long.getLong("scenario.seed", new Random().nextLong());
        String replay = "scenario seed " + seed + " (replay: -Dtest=SeededScenarioTest -Dscenario.seed=" + seed + ")";
        System.out.println("SCENARIO " + replay);
        Random random = new Random(seed);
        String run = Long.toString(Math.abs(seed) % 1_000_000_000L, 36) + Long.toString(System.nanoTime() % 100_000, 36);
        Instant start = Instant.parse("2022-06-01T00:00:00Z");
        Instant end = Instant.parse("2023-06-01T00:00:00Z");
        List<String> events = new ArrayList<>();
        List<Customer> customers = new ArrayList<>();
        long clearing = 0;
        for (int c = 0; c < 12; c++) {
            String cus = "cus_sc" + run + "c" + c;
            String inv = "in_sc" + run + "c" + c;
            String ch = "ch_sc" + run + "c" + c;
            long amount = 10_000 + random.nextInt(490_000);
            Instant invoiced = start.plusSeconds(3_600L * (1 + random.nextInt(48)));
            events.add(event("evt_sc" + run + "i" + c, "invoice.finalized",
                    invoice(inv, cus, "usd", amount, start, end, invoiced, "prod_platform_annual"), invoiced).toString());
            // paid in full, short or over
            int kind = random.nextInt(3);
            long paid = kind == 0 ? amount : kind == 1 ? amount - 1 - random.nextInt((int) Math.min(amount - 1, 5_000)) : amount + 1 + random.nextInt(2_000);
            long fee = 30 + paid * 29 / 1000;
            Instant paidAt = invoiced.plusSeconds(86_400L * (1 + random.nextInt(10)));
            events.add(event("evt_sc" + run + "p" + c, "charge.succeeded", charge(ch, cus, inv, "usd", paid, fee, paidAt), paidAt).toString());
            long refunded = 0;
            if (random.nextInt(3) == 0) {
                refunded = 1 + random.nextInt((int) Math.min(paid, 20_000));
                Instant refundedAt = paidAt.plusSeconds(86_400L * (1 + random.nextInt(20)));
                events.add(event("evt_sc" + run + "r" + c, "refund.created",
                        refund("re_sc" + run + "c" + c, ch, "usd", refunded, refundedAt), refundedAt).toString());
            }
            customers.add(new Customer(cus, amount, paid, fee, refunded));
            clearing += paid - fee - refunded;
        }
        long paidOut = clearing / 2;
        Instant arrival = Instant.parse("2022-08-15T00:00:00Z");
        events.add(event("evt_sc" + run + "po", "payout.paid", payout("po_sc" + run, "usd", paidOut, arrival), arrival).toString());

        // deliveries: shuffled, some events two or three times, with jitter, from six senders at once
        List<String> deliveries = new ArrayList<>();
        for (String e : events) {
            int copies = 1 + (random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0);
            for (int i = 0; i < copies; i++) {
                deliveries.add(e);
            }
        }
        Collections.shuffle(deliveries, random);
        Http http = new Http(port);
        ExecutorService senders = Executors.newFixedThreadPool(6);
        List<Future<Integer>> answers = new ArrayList<>();
        List<Integer> jitter = new ArrayList<>();
        for (int i = 0; i < deliveries.size(); i++) {
            jitter.add(random.nextInt(15));
        }
        for (int i = 0; i < deliveries.size(); i++) {
            String body = deliveries.get(i);
            int sleep = jitter.get(i);
            answers.add(senders.submit(() -> {
                Thread.sleep(sleep);
                return http.stripe(body).statusCode();
            }));
        }
        for (Future<Integer> a : answers) {
            assertThat(a.get(60, TimeUnit.SECONDS)).as(replay).isEqualTo(200);
        }
        senders.shutdown();
        assertThat(jdbc.queryForObject("select count(*) from inbox_event where event_id like ?", Integer.class, "evt_sc" + run + "%"))
                .as(replay).isEqualTo(events.size());
        // a crash after the effects committed but before the offsets did: some events are published again
        List<Long> ids = jdbc.queryForList("select id from inbox_event where event_id like ? order by id", Long.class, "evt_sc" + run + "%");
        await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                "select count(*) from inbox_event where event_id like ? and status in ('posted', 'exception')", Integer.class,
                "evt_sc" + run + "%") == events.size());
        for (Long id : ids) {
            if (random.nextInt(3) == 0) {
                jdbc.update("update pipeline_state set published_at = null where id = ?", id);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from inbox_event where event_id like ? and published_at is null", Integer.class, "evt_sc" + run + "%") == 0);
        // ... and read again by both stages (each commits a poll's offsets once it is done with it)
        String brokers = env.getRequiredProperty("ledgerbridge.kafka.brokers");
        String groups = env.getRequiredProperty("ledgerbridge.kafka.group-prefix");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                ConsumerLag.of(brokers, groups + "-canonical", env.getRequiredProperty("ledgerbridge.kafka.topics.ingress")) == 0
                        && ConsumerLag.of(brokers, groups + "-ledger", env.getRequiredProperty("ledgerbridge.kafka.topics.canonical")) == 0);

        // every acknowledged event has its outcome; each fact is posted once; every entry balances
        assertThat(jdbc.queryForList("select distinct status from inbox_event where event_id like ?", String.class, "evt_sc" + run + "%"))
                .as(replay).allMatch(s -> s.equals("posted") || s.equals("exception"));
        int refunds = (int) customers.stream().filter(c -> c.refunded() > 0).count();
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key like ?", Integer.class, "stripe:%sc" + run + "%"))
                .as(replay).isEqualTo(customers.size() * 2 + refunds + 1 + customers.size());
        assertThat(jdbc.queryForObject("""
                select count(*) from (select e.id from journal_entry e join journal_line l on l.entry_id = e.id
                                      where e.entry_key like ? group by e.id having sum(l.debit) <> sum(l.credit)) x""",
                Integer.class, "stripe:%sc" + run + "%")).as(replay).isZero();
        // per customer: AR is what is still owed; an overpayment waits as unapplied cash
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Customer c : customers) {
            expected.put(c.id(), new long[] {c.invoiced() - Math.min(c.paid(), c.invoiced()), Math.max(0, c.paid() - c.invoiced())});
        }
        for (Customer c : customers) {
            String golden = jdbc.queryForObject("select customer_id from customer_xref where system = 'stripe' and external_id = ?",
                    String.class, c.id());
            Long ar = jdbc.queryForObject("""
                    select coalesce(sum(l.debit - l.credit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                    where l.account_code = '1100' and e.customer_id = ?""", Long.class, golden);
            assertThat(ar).as(replay + ": AR of " + c).isEqualTo(expected.get(c.id())[0]);
        }
        Long stripeClearing = jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                where l.account_code = '1010' and e.entry_key like ?""", Long.class, "stripe:%sc" + run + "%");
        assertThat(stripeClearing).as(replay + ": Stripe clearing").isEqualTo(clearing - paidOut);
    }
}
