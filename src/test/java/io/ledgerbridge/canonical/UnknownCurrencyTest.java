package io.ledgerbridge.canonical;

import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A Stripe invoice in a currency ISO 4217 does not know is accepted at the door (the signature and
 * envelope are fine) and then dead-lettered by the mapping, naming the field and the value; nothing
 * is posted with a guessed exponent.
 */
@LedgerbridgeTest
class UnknownCurrencyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-05-01T00:00:00Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void anInvoiceInAnUnknownCurrencyIsDeadLetteredNamingTheFieldAndNothingIsPosted() throws Exception {
        String cus = "cus_" + uid();
        String eventId = "evt_" + uid();
        String body = event(eventId, "invoice.finalized",
                invoice("in_" + uid(), cus, "xxq", 120_000, START, START.plus(Duration.ofDays(365)), START, "prod_platform_annual"),
                START).toString();
        Http http = new Http(port);
        HttpResponse<String> r = http.stripe(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("status").asText()).isEqualTo("accepted");
        long id = answer.path("id").asLong();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("select status from inbox_event where id = ?", String.class, id))
                        .isEqualTo("dead_lettered"));
        String error = jdbc.queryForObject("select error_message from dead_letter where inbox_event_id = ?", String.class, id);
        assertThat(error).contains("'currency'").contains("XXQ").contains("ISO 4217");
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where ? = any(source_event_ids)", Integer.class, id))
                .isZero();
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where customer_id in "
                + "(select customer_id from customer_xref where external_id = ?)", Integer.class, cus)).isZero();

        JsonNode trace = JSON.readTree(http.get("/api/events/" + id, "viewer", "viewer-test").body());
        assertThat(trace.path("deadLetters").get(0).path("error").asText()).contains("'currency'").contains("XXQ");
        assertThat(trace.path("journalEntries")).isEmpty();
    }
}
