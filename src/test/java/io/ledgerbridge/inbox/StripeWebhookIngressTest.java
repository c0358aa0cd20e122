package io.ledgerbridge.inbox;

import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.StripeSigner;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** The contract of POST /webhooks/stripe over real HTTP: every status of contract.md and idempotency. */
@LedgerbridgeTest
class StripeWebhookIngressTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;
    @Autowired
    MeterRegistry meters;

    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private static String payoutEvent(String eventId) {
        return event(eventId, "payout.paid", payout("po_" + uid(), "usd", 1000, Instant.now()), Instant.now()).toString();
    }

    private int stored(String eventId) {
        return jdbc.queryForObject("select count(*) from inbox_event where source = 'stripe' and event_id = ?",
                Integer.class, eventId);
    }

    @Test
    void acceptsASignedEventAndStoresItRaw() throws Exception {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        HttpResponse<String> r = http.stripe(body);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("status").asText()).isEqualTo("accepted");
        assertThat(answer.path("eventId").asText()).isEqualTo(id);
        String raw = jdbc.queryForObject("select payload from inbox_event where id = ?", String.class,
                answer.path("id").asLong());
        assertThat(raw).isEqualTo(body);
    }

    @Test
    void deliveredFiveTimesSequentiallyIsStoredOnce() throws Exception {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = http.stripe(body);
            assertThat(r.statusCode()).isEqualTo(200);
            statuses.add(JSON.readTree(r.body()).path("status").asText());
        }
        assertThat(statuses).containsExactly("accepted", "duplicate", "duplicate", "duplicate", "duplicate");
        assertThat(stored(id)).isEqualTo(1);
    }

    @Test
    void deliveredFiveTimesConcurrentlyIsStoredOnce() throws Exception {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(() -> http.stripe(body));
            }
            List<String> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(calls)) {
                assertThat(f.get().statusCode()).isEqualTo(200);
                statuses.add(JSON.readTree(f.get().body()).path("status").asText());
            }
            assertThat(statuses).filteredOn("accepted"::equals).hasSize(1);
            assertThat(statuses).filteredOn("duplicate"::equals).hasSize(4);
        } finally {
            pool.shutdownNow();
        }
        assertThat(stored(id)).isEqualTo(1);
    }

    /**
     * Group commit: a burst from many connections is stored a group a statement. Each distinct event is
     * stored once and accepted once; every repeat, in the same group or a later one, is answered as a
     * duplicate naming the same inbox id. The group metrics account for every delivery.
     */
    @Test
    void aBurstOfDistinctAndRepeatedEventsIsStoredOnceEachInGroups() throws Exception {
        DistributionSummary groups = meters.get("ledgerbridge.inbox.group.events").summary();
        long groupsBefore = groups.count();
        double eventsBefore = groups.totalAmount();
        long timedBefore = meters.get("ledgerbridge.inbox.group").timer().count();
        List<String> ids = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("evt_" + uid());
            bodies.add(payoutEvent(ids.get(i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<JsonNode> answers = new ArrayList<>();
        try {
            List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (String body : bodies) {
                    calls.add(() -> http.stripe(body));
                }
            }
            for (Future<HttpResponse<String>> f : pool.invokeAll(calls)) {
                assertThat(f.get().statusCode()).as(f.get().body()).isEqualTo(200);
                answers.add(JSON.readTree(f.get().body()));
            }
        } finally {
            pool.shutdownNow();
        }
        for (String id : ids) {
            List<JsonNode> mine = answers.stream().filter(a -> a.path("eventId").asText().equals(id)).toList();
            assertThat(mine).hasSize(4);
            assertThat(mine).filteredOn(a -> a.path("status").asText().equals("accepted")).hasSize(1);
            assertThat(mine.stream().map(a -> a.path("id").asLong()).distinct().count()).as(id).isEqualTo(1);
            assertThat(stored(id)).isEqualTo(1);
        }
        // 160 deliveries, each in exactly one group's statement; as many groups timed as counted
        assertThat(groups.totalAmount() - eventsBefore).isEqualTo(160.0);
        long groupCount = groups.count() - groupsBefore;
        assertThat(groupCount).isBetween(1L, 160L);
        assertThat(meters.get("ledgerbridge.inbox.group").timer().count() - timedBefore).isEqualTo(groupCount);
        assertThat(http.get("/actuator/prometheus", null, null).body())
                .contains("ledgerbridge_inbox_group_events_count").contains("ledgerbridge_inbox_group_seconds_count");
    }

    @Test
    void refusesABadSignatureWith401AndStoresNothing() throws Exception {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        String wrong = StripeSigner.sign(body, Instant.now().getEpochSecond(), "whsec_someone_else");
        HttpResponse<String> r = http.post("/webhooks/stripe", "application/json", body, "Stripe-Signature", wrong);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("invalid_signature");
        assertThat(r.body()).doesNotContain(id);
        assertThat(stored(id)).isZero();

        HttpResponse<String> missing = http.post("/webhooks/stripe", "application/json", body);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(stored(id)).isZero();
    }

    @Test
    void refusesATamperedBodyWith401() {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        String signature = StripeSigner.signNow(body);
        HttpResponse<String> r = http.post("/webhooks/stripe", "application/json", body.replace("1000", "9000"),
                "Stripe-Signature", signature);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(stored(id)).isZero();
    }

    @Test
    void refusesAStaleTimestampWith401() {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        String stale = StripeSigner.sign(body, Instant.now().minusSeconds(301).getEpochSecond(), StripeSigner.TEST_SECRET);
        HttpResponse<String> r = http.post("/webhooks/stripe", "application/json", body, "Stripe-Signature", stale);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(stored(id)).isZero();
    }

    @Test
    void refusesMalformedJsonWith400NamingTheProblem() throws Exception {
        String body = "{\"id\": \"evt_" + uid() + "\", \"type\": ";
        HttpResponse<String> r = http.stripe(body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("message").asText()).contains("not valid JSON");

        String noType = "{\"id\":\"evt_" + uid() + "\",\"object\":\"event\",\"data\":{\"object\":{}}}";
        HttpResponse<String> r2 = http.stripe(noType);
        assertThat(r2.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r2.body()).path("message").asText()).contains("'type'");

        String noObject = "{\"id\":\"evt_" + uid() + "\",\"type\":\"invoice.finalized\",\"data\":{}}";
        HttpResponse<String> r3 = http.stripe(noObject);
        assertThat(r3.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r3.body()).path("message").asText()).contains("data.object");
    }

    @Test
    void refusesAnOversizeBodyWith413() throws Exception {
        String id = "evt_" + uid();
        String big = "{\"id\":\"" + id + "\",\"type\":\"payout.paid\",\"data\":{\"object\":{\"pad\":\""
                + "x".repeat(1_100_000) + "\"}}}";
        HttpResponse<String> r = http.stripe(big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("payload_too_large");
        assertThat(stored(id)).isZero();
    }

    @Test
    void refusesOtherContentTypesWith415() throws Exception {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        String sig = StripeSigner.signNow(body);
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", null}) {
            HttpResponse<String> r = http.post("/webhooks/stripe", type, body, "Stripe-Signature", sig);
            assertThat(r.statusCode()).as("content type %s", type).isEqualTo(415);
            assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("unsupported_media_type");
        }
        assertThat(stored(id)).isZero();
        assertThat(http.post("/webhooks/stripe", "application/json; charset=utf-8", body, "Stripe-Signature", sig)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void answers503WhenTheInboxCannotStoreAndAcknowledgesNothing() throws Exception {
        String id = "evt_" + uid();
        String body = payoutEvent(id);
        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            lock.createStatement().execute("lock table inbox_event in access exclusive mode");
            HttpResponse<String> r = http.stripe(body);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("storage_unavailable");
            // the sender was answered at the store timeout; the blocked statement is cancelled by its own query
            // timeout a moment later. Released before that, it would commit after all (the retry is then a
            // duplicate, as InboxStore documents): this test is about the statement that fails, so it waits for it
            await("the blocked inbox statement is cancelled by its query timeout").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50)).until(() -> jdbc.queryForObject("""
                            select count(*) from pg_stat_activity
                            where wait_event_type = 'Lock' and query like '%insert into received_event%'""", Integer.class) == 0);
            lock.rollback();
        }
        assertThat(stored(id)).isZero();
        // the sender's retry is then accepted, not answered "duplicate"
        HttpResponse<String> retry = http.stripe(body);
        assertThat(JSON.readTree(retry.body()).path("status").asText()).isEqualTo("accepted");
    }
}
