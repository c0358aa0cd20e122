package io.ledgerbridge.usage;

import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** POST /usage over real HTTP: API key, the three formats, de-duplication across formats, held rows. */
@LedgerbridgeTest
class UsageHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CustomerDirectory customers;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private HttpResponse<String> usage(String contentType, String body) {
        return http.post("/usage", contentType, body, "X-Api-Key", "usage-test-key");
    }

    @Test
    void everyRowEndsAcceptedDuplicateOrHeldWhateverTheFeedFormat() throws Exception {
        String cus = "cus_" + uid();
        String golden = customers.resolve("stripe", cus);
        String e1 = "u_" + uid();
        String e2 = "u_" + uid();
        String json = """
                [{"event_id":"%s","customer":"%s","metric":"api_calls","quantity":1200,"timestamp":"2026-05-03T10:00:00Z","region":"eu"},
                 {"event_id":"%s","customer":"%s","metric":"api_calls","quantity":1200,"timestamp":"2026-05-03T10:00:00Z"},
                 {"event_id":"u_%s","customer":"cus_nobody_%s","metric":"api_calls","quantity":5,"timestamp":"2026-05-03T10:00:00Z"},
                 {"event_id":"u_%s","customer":"%s","metric":"api_calls","quantity":-3,"timestamp":"2026-05-03T10:00:00Z"},
                 {"event_id":"u_%s","customer":"%s","metric":"teleports","quantity":1,"timestamp":"2026-05-03T10:00:00Z"}]"""
                .formatted(e1, cus, e1, cus, uid(), uid(), uid(), cus, uid(), golden);
        HttpResponse<String> r = usage("application/json", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode s = JSON.readTree(r.body());
        assertThat(s.path("received").asInt()).isEqualTo(5);
        assertThat(s.path("accepted").asInt()).isEqualTo(1);
        assertThat(s.path("duplicates").asInt()).isEqualTo(1);
        assertThat(s.path("held").asInt()).isEqualTo(3);
        assertThat(jdbc.queryForObject("select count(*) from exception_item where kind = 'usage_held' and details->>'batch' = ?",
                Integer.class, s.path("id").asText())).isEqualTo(3);

        // the same event again by NDJSON and by CSV counts once; a new one by CSV is accepted
        String ndjson = "{\"event_id\":\"" + e1 + "\",\"customer\":\"" + cus + "\",\"metric\":\"api_calls\",\"quantity\":1200,"
                + "\"timestamp\":\"2026-05-03T10:00:00Z\"}\n";
        assertThat(JSON.readTree(usage("application/x-ndjson", ndjson).body()).path("duplicates").asInt()).isEqualTo(1);
        String csv = "event_id,customer,metric,quantity,timestamp\n" + e1 + "," + cus + ",api_calls,1200,2026-05-03T10:00:00Z\n"
                + e2 + "," + cus + ",api_calls,800,1777975200\n";
        JsonNode c = JSON.readTree(usage("text/csv", csv).body());
        assertThat(c.path("accepted").asInt()).isEqualTo(1);
        assertThat(c.path("duplicates").asInt()).isEqualTo(1);

        JsonNode summary = JSON.readTree(http.get("/api/usage?customer=" + golden + "&period=2026-05", "viewer", "viewer-test").body());
        assertThat(summary.path("metrics").get(0).path("metric").asText()).isEqualTo("api_calls");
        assertThat(summary.path("metrics").get(0).path("quantity").asLong()).isEqualTo(2000);
        assertThat(summary.path("held")).hasSize(2); // the negative quantity and the unknown metric of this customer
        for (JsonNode held : summary.path("held")) {
            assertThat(held.path("feed").asText()).isEqualTo("http");
            assertThat(held.path("batch").asText()).isEqualTo(s.path("id").asText());
            assertThat(held.path("reason").asText()).matches("negative quantity -3|unknown metric 'teleports'.*");
        }
    }

    @Test
    void badRequestsAreRefusedAndNamedAndNothingIsStored() throws Exception {
        String id = "u_" + uid();
        String row = "[{\"event_id\":\"" + id + "\",\"customer\":\"c\",\"metric\":\"api_calls\",\"quantity\":1,\"timestamp\":\"2026-05-03T10:00:00Z\"}]";
        assertThat(http.post("/usage", "application/json", row).statusCode()).isEqualTo(401);
        assertThat(http.post("/usage", "application/json", row, "X-Api-Key", "wrong").statusCode()).isEqualTo(401);
        assertThat(usage("text/plain", row).statusCode()).isEqualTo(415);
        HttpResponse<String> noColumn = usage("text/csv", "event_id,customer,metric,timestamp\nx,c,api_calls,2026-05-03T10:00:00Z\n");
        assertThat(noColumn.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noColumn.body()).path("message").asText()).contains("quantity");
        HttpResponse<String> badQuantity = usage("text/csv",
                "event_id,customer,metric,quantity,timestamp\n" + id + ",c,api_calls,1.5,2026-05-03T10:00:00Z\n");
        assertThat(badQuantity.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badQuantity.body()).path("message").asText()).contains("row 2").contains("quantity");
        assertThat(usage("application/json", "{\"not\":\"an array\"}").statusCode()).isEqualTo(400);
        assertThat(jdbc.queryForObject("select count(*) from usage_event where event_id = ?", Integer.class, id)).isZero();
    }
}
