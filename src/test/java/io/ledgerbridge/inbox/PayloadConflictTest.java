package io.ledgerbridge.inbox;
import io.ledgerbridge.inbox.InboxStore;

import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.Signers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The same event id delivered again with a different body: the sender is answered "duplicate" as
 * before (and the first body stays the one processed), but the conflict is opened as a payload_conflict
 * exception with both bodies, listed on the event's trace and counted, for every webhook source.
 */
@LedgerbridgeTest
class PayloadConflictTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;

    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private static String payoutEvent(String eventId, long amount, String padding) {
        ObjectNode payout = payout("po_" + eventId.substring(4), "usd", amount, Instant.parse("2026-05-04T00:00:00Z"));
        if (padding != null) {
            payout.putObject("metadata").put("note", padding);
        }
        return event(eventId, "payout.paid", payout, Instant.parse("2026-05-04T00:00:00Z")).toString();
    }

    private double conflicts(String source) {
        Counter c = meters.find("ledgerbridge.inbox.payload.conflicts").tag("source", source).counter();
        return c == null ? 0 : c.count();
    }

    private JsonNode answer(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private List<Map<String, Object>> exceptions(long inboxId) {
        return jdbc.queryForList("""
                select id, status, summary, details::text as details from exception_item
                where kind = 'payload_conflict' and inbox_event_id = ? order by id""", inboxId);
    }

    private JsonNode trace(long inboxId) throws Exception {
        HttpResponse<String> r = http.get("/api/events/" + inboxId, "viewer", "viewer-test");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void aStripeEventIdAgainWithAnotherBodyIsAnsweredDuplicateAndOpensAPayloadConflict() throws Exception {
        String id = "evt_" + uid();
        String first = payoutEvent(id, 1000, null);
        String other = payoutEvent(id, 9000, null);
        double before = conflicts("stripe");

        JsonNode accepted = answer(http.stripe(first));
        assertThat(accepted.path("status").asText()).isEqualTo("accepted");
        long inboxId = accepted.path("id").asLong();
        // the same body again is a plain duplicate: no conflict
        assertThat(answer(http.stripe(first)).path("status").asText()).isEqualTo("duplicate");
        assertThat(exceptions(inboxId)).isEmpty();
        assertThat(conflicts("stripe")).isEqualTo(before);

        JsonNode again = answer(http.stripe(other));
        assertThat(again.path("status").asText()).isEqualTo("duplicate");
        assertThat(again.path("id").asLong()).isEqualTo(inboxId);
        assertThat(jdbc.queryForObject("select payload from inbox_event where id = ?", String.class, inboxId)).isEqualTo(first);

        List<Map<String, Object>> opened = exceptions(inboxId);
        assertThat(opened).hasSize(1);
        assertThat(opened.get(0).get("status")).isEqualTo("open");
        assertThat((String) opened.get(0).get("summary")).contains(id).contains("different body");
        JsonNode details = JSON.readTree((String) opened.get(0).get("details"));
        assertThat(details.path("source").asText()).isEqualTo("stripe");
        assertThat(details.path("eventId").asText()).isEqualTo(id);
        assertThat(details.path("stored").path("payload").asText()).isEqualTo(first);
        assertThat(details.path("stored").path("sha256").asText()).isEqualTo(InboxStore.sha256(first));
        assertThat(details.path("stored").path("truncated").asBoolean()).isFalse();
        assertThat(details.path("delivered").path("payload").asText()).isEqualTo(other);
        assertThat(details.path("delivered").path("sha256").asText()).isEqualTo(InboxStore.sha256(other));
        assertThat(details.path("delivered").path("truncated").asBoolean()).isFalse();
        assertThat(conflicts("stripe")).isEqualTo(before + 1);

        // the same conflicting body once more: counted, on the trace, but no second exception
        assertThat(answer(http.stripe(other)).path("status").asText()).isEqualTo("duplicate");
        assertThat(exceptions(inboxId)).hasSize(1);
        assertThat(conflicts("stripe")).isEqualTo(before + 2);

        JsonNode trace = trace(inboxId);
        assertThat(trace.path("conflicts")).hasSize(1);
        JsonNode conflict = trace.path("conflicts").get(0);
        assertThat(conflict.path("payloadSha256").asText()).isEqualTo(InboxStore.sha256(other));
        assertThat(conflict.path("deliveries").asInt()).isEqualTo(2);
        assertThat(conflict.path("exceptionId").asLong()).isEqualTo(((Number) opened.get(0).get("id")).longValue());
        assertThat(conflict.path("exceptionStatus").asText()).isEqualTo("open");
        assertThat(trace.path("exceptions").findValuesAsText("kind")).contains("payload_conflict");

        // a third body is a conflict of its own
        assertThat(answer(http.stripe(payoutEvent(id, 1, null))).path("status").asText()).isEqualTo("duplicate");
        assertThat(exceptions(inboxId)).hasSize(2);
        assertThat(trace(inboxId).path("conflicts")).hasSize(2);
    }

    @Test
    void largeBodiesAreKeptBoundedInTheExceptionWithTheirHashes() throws Exception {
        String id = "evt_" + uid();
        String first = payoutEvent(id, 1000, "a".repeat(100_000));
        String other = payoutEvent(id, 1000, "b".repeat(100_000));
        long inboxId = answer(http.stripe(first)).path("id").asLong();
        assertThat(answer(http.stripe(other)).path("status").asText()).isEqualTo("duplicate");

        JsonNode details = JSON.readTree((String) exceptions(inboxId).get(0).get("details"));
        for (String side : new String[] {"stored", "delivered"}) {
            JsonNode body = details.path(side);
            assertThat(body.path("truncated").asBoolean()).as(side).isTrue();
            assertThat(body.path("payload").asText()).as(side).hasSize(InboxStore.CONFLICT_BODY_LIMIT);
            assertThat(body.path("bytes").asInt()).as(side).isGreaterThan(100_000);
        }
        assertThat(details.path("stored").path("payload").asText()).isEqualTo(first.substring(0, InboxStore.CONFLICT_BODY_LIMIT));
        assertThat(details.path("delivered").path("sha256").asText()).isEqualTo(InboxStore.sha256(other));
        assertThat(details.path("stored").path("sha256").asText()).isEqualTo(InboxStore.sha256(first));
    }

    @Test
    void everyWebhookSourceThroughTheInboxOpensItsConflicts() throws Exception {
        String eventId = "sf-" + uid();
        String first = salesforce(eventId, "Prospecting");
        String other = salesforce(eventId, "Qualification");
        double before = conflicts("salesforce");

        long inboxId = answer(salesforcePost(first)).path("id").asLong();
        JsonNode again = answer(salesforcePost(other));
        assertThat(again.path("status").asText()).isEqualTo("duplicate");

        List<Map<String, Object>> opened = exceptions(inboxId);
        assertThat(opened).hasSize(1);
        JsonNode details = JSON.readTree((String) opened.get(0).get("details"));
        assertThat(details.path("source").asText()).isEqualTo("salesforce");
        assertThat(details.path("stored").path("payload").asText()).isEqualTo(first);
        assertThat(details.path("delivered").path("payload").asText()).isEqualTo(other);
        assertThat(conflicts("salesforce")).isEqualTo(before + 1);
        assertThat(trace(inboxId).path("conflicts")).hasSize(1);
    }

    private static String salesforce(String eventId, String stage) {
        ObjectNode body = JSON.createObjectNode();
        body.put("eventId", eventId);
        body.put("eventType", "opportunity.updated");
        ObjectNode opp = body.putObject("opportunity");
        opp.put("Id", "006" + eventId.substring(3));
        opp.put("AccountId", "001" + eventId.substring(3));
        opp.put("StageName", stage);
        opp.put("IsWon", false);
        opp.put("SystemModstamp", "2026-05-04T00:00:00Z");
        return body.toString();
    }

    private HttpResponse<String> salesforcePost(String body) {
        return http.post("/webhooks/salesforce", "application/json", body,
                "X-Signature", Signers.hex(Signers.SALESFORCE_SECRET, body));
    }
}
