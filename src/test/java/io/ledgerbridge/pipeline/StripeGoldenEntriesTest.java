package io.ledgerbridge.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Golden fixtures end to end: every Stripe fixture of mappings/fixtures/stripe, delivered signed over
 * HTTP, produces exactly the journal entries of its {@code <type>.entries.json}.
 */
@LedgerbridgeTest
class StripeGoldenEntriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of("mappings/fixtures/stripe");
    /** Delivery order: prerequisites before what depends on them (out-of-order delivery is tested elsewhere). */
    private static final List<String> ORDER = List.of("customer.created", "invoice.finalized",
            "_invoice.finalized.credit-note-target", "_invoice.finalized.void-target", "charge.succeeded", "invoice.paid",
            "refund.created", "payout.paid", "credit_note.created", "invoice.voided");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void everyFixturePostsExactlyItsGoldenEntries() throws Exception {
        Http http = new Http(port);
        for (String name : ORDER) {
            String body = Files.readString(FIXTURES.resolve(name + ".json"));
            assertThat(http.stripe(body).statusCode()).as(name).isEqualTo(200);
            String eventId = JSON.readTree(body).path("id").asText();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                    "select status from inbox_event where source = 'stripe' and event_id = ?", String.class, eventId))
                    .as(name).isIn("posted", "ignored"));
        }
        for (String name : ORDER) {
            Path expectedFile = FIXTURES.resolve(name + ".entries.json");
            if (!Files.exists(expectedFile)) {
                continue;
            }
            String eventId = JSON.readTree(Files.readString(FIXTURES.resolve(name + ".json"))).path("id").asText();
            assertThat(actualEntries(eventId)).as(name).isEqualTo(JSON.readTree(expectedFile.toFile()).path("entries"));
        }
        assertThat(jdbc.queryForList("""
                select entry_id from journal_line group by entry_id having sum(debit) <> sum(credit)""")).isEmpty();
    }

    private JsonNode actualEntries(String eventId) throws java.io.IOException {
        ArrayNode out = JSON.createArrayNode();
        List<Map<String, Object>> entries = jdbc.queryForList("""
                select e.id, e.posting_rule, e.entry_date::text as d from journal_entry e
                join inbox_event i on i.id = any(e.source_event_ids)
                where i.source = 'stripe' and i.event_id = ? order by e.id""", eventId);
        for (Map<String, Object> e : entries) {
            ObjectNode entry = out.addObject();
            entry.put("postingRule", (String) e.get("posting_rule"));
            entry.put("date", (String) e.get("d"));
            ArrayNode lines = entry.putArray("lines");
            jdbc.queryForList("select account_code, debit, credit from journal_line where entry_id = ? order by line_no",
                    e.get("id")).forEach(l -> lines.addObject().put("account", (String) l.get("account_code"))
                    .put("debit", ((Number) l.get("debit")).longValue()).put("credit", ((Number) l.get("credit")).longValue()));
        }
        return JSON.readTree(out.toString());
    }
}
