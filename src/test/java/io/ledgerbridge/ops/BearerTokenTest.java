package io.ledgerbridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** Production sign-in: bearer tokens of the company's identity provider, roles from a claim, the four-eyes rule by subject. */
@LedgerbridgeTest
class BearerTokenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rolesComeFromTheTokenAndTheRequesterIsTheSubject() throws Exception {
        String viewer = FakeSaas.jwt("vic@company.test", List.of("viewer"), Duration.ofMinutes(5));
        assertThat(call("GET", "/api/ledger/accounts", viewer, null).statusCode()).isEqualTo(200);
        long exception = jdbc.queryForObject("""
                insert into exception_item (kind, summary, requested_by, notified_at) values ('token_check', 'needs a look', 'erin@company.test', now())
                returning id""", Long.class);
        HttpResponse<String> denied = call("POST", "/api/exceptions/" + exception + "/approve", viewer, "{\"reason\":\"ok\"}");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(denied.body()).path("error").asText()).isEqualTo("forbidden");

        String erin = FakeSaas.jwt("erin@company.test", List.of("approver"), Duration.ofMinutes(5));
        HttpResponse<String> self = call("POST", "/api/exceptions/" + exception + "/approve", erin, "{\"reason\":\"mine\"}");
        assertThat(self.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(self.body()).path("error").asText()).isEqualTo("self_approval");

        String dave = FakeSaas.jwt("dave@company.test", List.of("approver"), Duration.ofMinutes(5));
        HttpResponse<String> ok = call("POST", "/api/exceptions/" + exception + "/approve", dave, "{\"reason\":\"checked\"}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select decided_by from exception_item where id = ?", String.class, exception))
                .isEqualTo("dave@company.test");
        // an approver is not an admin
        assertThat(call("POST", "/api/revenue/recognize?through=2019-01-31", dave, null).statusCode()).isEqualTo(403);
    }

    @Test
    void anExpiredOrForgedTokenIsRefusedWithJson() throws Exception {
        HttpResponse<String> expired = call("GET", "/api/ledger/accounts",
                FakeSaas.jwt("vic@company.test", List.of("viewer"), Duration.ofMinutes(-10)), null);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(expired.body()).path("error").asText()).isEqualTo("unauthorized");
        String token = FakeSaas.jwt("vic@company.test", List.of("admin"), Duration.ofMinutes(5));
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "c2lnbmF0dXJl";
        assertThat(call("GET", "/api/ledger/accounts", forged, null).statusCode()).isEqualTo(401);
    }
}
