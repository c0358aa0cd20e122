package io.ledgerbridge.inbox;

import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.Signers;
import io.ledgerbridge.support.StripeSigner;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Replay protection is a window on both sides of now: a signature timestamped ahead of the clock by
 * more than the tolerance (300 s) is refused like a stale one, with 401 and a JSON body saying why;
 * one inside the tolerance, either side, passes (clocks drift).
 */
@LedgerbridgeTest
class SignatureWindowTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private HttpResponse<String> stripeSignedAt(String eventId, Instant signedAt) {
        String body = event(eventId, "payout.paid", payout("po_" + uid(), "usd", 1000, Instant.now()), Instant.now()).toString();
        return http.post("/webhooks/stripe", "application/json", body,
                "Stripe-Signature", StripeSigner.sign(body, signedAt.getEpochSecond(), StripeSigner.TEST_SECRET));
    }

    private HttpResponse<String> hubspotSignedAt(String eventId, Instant signedAt) {
        String body = "[{\"eventId\":\"" + eventId + "\",\"subscriptionType\":\"deal.propertyChange\",\"objectId\":"
                + Math.abs(eventId.hashCode()) + ",\"propertyName\":\"dealstage\",\"propertyValue\":\"appointmentscheduled\"}]";
        String uri = "http://localhost:" + port + "/webhooks/hubspot";
        long millis = signedAt.toEpochMilli();
        return http.post("/webhooks/hubspot", "application/json", body,
                "X-HubSpot-Signature-v3", Signers.hubspot(uri, body, millis),
                "X-HubSpot-Request-Timestamp", Long.toString(millis));
    }

    private int stored(String source, String eventId) {
        return jdbc.queryForObject("select count(*) from inbox_event where source = ? and event_id = ?", Integer.class,
                source, eventId);
    }

    private static void assertRefusedForTheFuture(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("status").asText()).isEqualTo("rejected");
        assertThat(answer.path("error").asText()).isEqualTo("invalid_signature");
        assertThat(answer.path("message").asText()).contains("in the future").contains("tolerance");
    }

    @Test
    void stripeRefusesATimestampTenMinutesAhead() throws Exception {
        String id = "evt_" + uid();
        assertRefusedForTheFuture(stripeSignedAt(id, Instant.now().plus(Duration.ofMinutes(10))));
        assertThat(stored("stripe", id)).isZero();
    }

    @Test
    void stripeRefusesATimestampAYearAhead() throws Exception {
        String id = "evt_" + uid();
        assertRefusedForTheFuture(stripeSignedAt(id, Instant.now().plus(Duration.ofDays(365))));
        assertThat(stored("stripe", id)).isZero();
    }

    @Test
    void stripeAcceptsATimestampInsideTheToleranceEitherSide() throws Exception {
        String ahead = "evt_" + uid();
        HttpResponse<String> r = stripeSignedAt(ahead, Instant.now().plusSeconds(240));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("status").asText()).isEqualTo("accepted");
        String behind = "evt_" + uid();
        assertThat(stripeSignedAt(behind, Instant.now().minusSeconds(240)).statusCode()).isEqualTo(200);
        assertThat(stored("stripe", ahead) + stored("stripe", behind)).isEqualTo(2);
    }

    @Test
    void hubspotRefusesATimestampAheadAndAcceptsOneInsideTheTolerance() throws Exception {
        String future = "hs-" + uid();
        HttpResponse<String> refused = hubspotSignedAt(future, Instant.now().plus(Duration.ofMinutes(10)));
        assertRefusedForTheFuture(refused);
        assertThat(stored("hubspot", future)).isZero();
        assertRefusedForTheFuture(hubspotSignedAt("hs-" + uid(), Instant.now().plus(Duration.ofDays(365))));

        String inside = "hs-" + uid();
        HttpResponse<String> accepted = hubspotSignedAt(inside, Instant.now().plusSeconds(240));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(stored("hubspot", inside)).isEqualTo(1);
    }
}
