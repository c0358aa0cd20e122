package io.ledgerbridge.revenue;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Period close, late events and the deferred revenue waterfall. Uses 2019 and CHF, which no other
 * test touches, because closing a period is visible to every test sharing the database.
 */
@LedgerbridgeTest
class PeriodsAndWaterfallTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    private long post(Http http, String type, ObjectNode object, Instant created) throws Exception {
        HttpResponse<String> r = http.stripe(event("evt_" + uid(), type, object, created).toString());
        long id = JSON.readTree(r.body()).path("id").asLong();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                jdbc.queryForObject("select status from inbox_event where id = ?", String.class, id)).isEqualTo("posted"));
        return id;
    }

    @Test
    void aClosedPeriodTakesNoEntryLateEventsMoveToTheNextOpenOneAndTheWaterfallAddsUp() throws Exception {
        Http http = new Http(port);
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        Instant start = Instant.parse("2019-03-01T00:00:00Z");
        post(http, "invoice.finalized", invoice(inv, cus, "chf", 366_000, start, Instant.parse("2020-03-01T00:00:00Z"),
                start, "prod_platform_annual"), start);

        assertThat(http.postAs("/api/periods/2019-03/close", "approver", "approver-test", null).statusCode()).isEqualTo(403);
        HttpResponse<String> closed = http.postAs("/api/periods/2019-03/close", "admin", "admin-test", null);
        assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
        assertThat(http.postAs("/api/periods/2019-03/close", "admin", "admin-test", null).statusCode()).isEqualTo(409);
        assertThat(http.postAs("/api/periods/2019-13/close", "admin", "admin-test", null).statusCode()).isEqualTo(400);

        // a payment dated inside the closed month is posted on the first day of the next open one, saying so
        Instant paid = Instant.parse("2019-03-20T12:00:00Z");
        long payment = post(http, "charge.succeeded", charge("ch_" + uid(), cus, inv, "chf", 366_000, null, paid), paid);
        Map<String, Object> late = jdbc.queryForMap("""
                select entry_date::text as d, original_date::text as o, memo from journal_entry where ? = any(source_event_ids)""", payment);
        assertThat(late.get("d")).isEqualTo("2019-04-01");
        assertThat(late.get("o")).isEqualTo("2019-03-20");
        assertThat((String) late.get("memo")).contains("2019-03-20").contains("closed");

        assertThatThrownBy(() -> jdbc.update("""
                insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule)
                values (?, date '2019-03-31', 'CHF', 'x', 'test')""", "test:closed:" + uid()))
                .hasMessageContaining("closed");

        JsonNode run = JSON.readTree(http.postAs("/api/revenue/recognize?through=2019-04-30", "admin", "admin-test", null).body());
        assertThat(run.path("amount").asLong()).isGreaterThanOrEqualTo(61_000);

        JsonNode periods = JSON.readTree(http.get("/api/periods", "viewer", "viewer-test").body());
        boolean sawClosed = false;
        for (JsonNode p : periods) {
            if (p.path("period").asText().equals("2019-03")) {
                assertThat(p.path("status").asText()).isEqualTo("closed");
                sawClosed = true;
            }
            if (p.path("period").asText().equals("2019-04")) {
                assertThat(p.path("lateEntries").asLong()).isGreaterThanOrEqualTo(2); // payment and March recognition
            }
        }
        assertThat(sawClosed).isTrue();

        JsonNode waterfall = JSON.readTree(http.get("/api/revenue/waterfall?from=2019-03&to=2019-04", "viewer", "viewer-test").body());
        JsonNode march = null;
        JsonNode april = null;
        for (JsonNode row : waterfall) {
            if (row.path("currency").asText().equals("CHF")) {
                if (row.path("month").asText().equals("2019-03")) {
                    march = row;
                } else {
                    april = row;
                }
            }
        }
        assertThat(march).isNotNull();
        assertThat(march.path("opening").asLong()).isZero();
        assertThat(march.path("billed").asLong()).isEqualTo(366_000);
        assertThat(march.path("recognised").asLong()).isZero();
        assertThat(march.path("closing").asLong()).isEqualTo(366_000);
        assertThat(april.path("opening").asLong()).isEqualTo(366_000);
        assertThat(april.path("recognised").asLong()).isEqualTo(61_000); // March (31 days) re-dated to April 1, and April (30 days)
        assertThat(april.path("closing").asLong()).isEqualTo(305_000);

        HttpResponse<String> csv = http.get("/api/revenue/waterfall?from=2019-03&to=2019-04&format=csv", "viewer", "viewer-test");
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.body()).startsWith("month,currency,opening,billed,recognised,reduced,closing\n")
                .contains("2019-04,CHF,366000,0,61000,0,305000");
        assertThat(http.get("/api/revenue/waterfall?from=2019-04&to=2019-03", "viewer", "viewer-test").statusCode()).isEqualTo(400);
    }
}
