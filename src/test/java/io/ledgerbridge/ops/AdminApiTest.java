package io.ledgerbridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** The admin and ops API over real HTTP: roles, JSON errors, trial balance, dead letters, exceptions, docs, metrics, Hawtio. */
@LedgerbridgeTest
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    io.ledgerbridge.platform.jobs.JobProgress jobs;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    @Test
    void aJobRunReportsItsProgressAndCanBeCancelled() throws Exception {
        long id = jobs.start("test_job", "a test run", 200L, "admin");
        jobs.advance(id, 50, null, java.util.Map.of("read", 60, "stored", 50));
        JsonNode run = JSON.readTree(http.get("/api/jobs/" + id, "viewer", "viewer-test").body());
        assertThat(run.path("status").asText()).isEqualTo("running");
        assertThat(run.path("done").asLong()).isEqualTo(50);
        assertThat(run.path("fraction").asDouble()).isEqualTo(0.25);
        assertThat(run.path("detail").path("read").asInt()).isEqualTo(60);
        assertThat(http.get("/api/jobs?kind=test_job&status=running", "viewer", "viewer-test").body()).contains("\"id\":" + id);
        assertThat(http.get("/api/jobs?status=sleeping", "viewer", "viewer-test").statusCode()).isEqualTo(400);
        assertThat(http.postAs("/api/jobs/" + id + "/cancel", "viewer", "viewer-test", null).statusCode()).isEqualTo(403);
        assertThat(http.postAs("/api/jobs/" + id + "/cancel", "admin", "admin-test", null).statusCode()).isEqualTo(200);
        assertThat(jobs.cancelRequested(id)).isTrue();
        jobs.finish(id, "cancelled", "stopped at 50 of 200");
        assertThat(http.postAs("/api/jobs/" + id + "/cancel", "admin", "admin-test", null).statusCode()).isEqualTo(409);
        JsonNode ended = JSON.readTree(http.get("/api/jobs/" + id, "viewer", "viewer-test").body());
        assertThat(ended.path("status").asText()).isEqualTo("cancelled");
        assertThat(ended.path("finishedAt").isNull()).isFalse();
        assertThat(http.get("/api/jobs/999999999", "viewer", "viewer-test").statusCode()).isEqualTo(404);
    }

    @Test
    void theApiNeedsAuthenticationAndAnswersJson() throws Exception {
        HttpResponse<String> anonymous = http.get("/api/ledger/accounts", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(anonymous.body()).path("error").asText()).isEqualTo("unauthorized");
        assertThat(http.get("/api/ledger/accounts", "viewer", "wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> accounts = http.get("/api/ledger/accounts", "viewer", "viewer-test");
        assertThat(accounts.statusCode()).isEqualTo(200);
        assertThat(accounts.body()).contains("\"code\":\"1100\"").contains("Accounts Receivable");
    }

    @Test
    void aViewerCannotReplayAndBadParametersAreNamed() throws Exception {
        HttpResponse<String> forbidden = http.postAs("/api/dead-letters/1/replay", "viewer", "viewer-test", null);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(forbidden.body()).path("error").asText()).isEqualTo("forbidden");
        HttpResponse<String> bad = http.get("/api/ledger/trial-balance?asOf=yesterday", "viewer", "viewer-test");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("field").asText()).isEqualTo("asOf");
        assertThat(http.get("/api/events/999999999", "viewer", "viewer-test").statusCode()).isEqualTo(404);
    }

    @Test
    void trialBalanceDebitsEqualCreditsPerCurrency() throws Exception {
        String key = "test:manual:" + UUID.randomUUID();
        Long id = jdbc.queryForObject("""
                insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule)
                values (?, date '2026-01-15', 'JPY', 'test entry', 'test') returning id""", Long.class, key);
        jdbc.update("""
                insert into journal_line (entry_id, line_no, account_code, debit, credit)
                values (?, 1, '1100', 5000, 0), (?, 2, '4200', 0, 5000)""", id, id);
        JsonNode tb = JSON.readTree(http.get("/api/ledger/trial-balance?currency=JPY", "viewer", "viewer-test").body());
        assertThat(tb.path("balanced").asBoolean()).isTrue();
        JsonNode total = tb.path("totals").get(0);
        assertThat(total.path("debit").asLong()).isEqualTo(total.path("credit").asLong()).isGreaterThanOrEqualTo(5000);
        assertThat(tb.toString()).contains("\"balanceFormatted\"");
    }

    @Test
    void aDeadLetterIsReplayedOnceByAnAdmin() throws Exception {
        Long id = jdbc.queryForObject("""
                insert into dead_letter (route_id, replay_uri, payload, headers, error_class, error_message)
                values ('test-route', 'log:replay-test', '{"inboxId":null}', '{}'::jsonb, 'java.lang.IllegalStateException', 'boom')
                returning id""", Long.class);
        HttpResponse<String> listed = http.get("/api/dead-letters?status=open", "viewer", "viewer-test");
        assertThat(listed.body()).contains("\"id\":" + id);
        HttpResponse<String> replay = http.postAs("/api/dead-letters/" + id + "/replay", "admin", "admin-test", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select status from dead_letter where id = ?", String.class, id)).isEqualTo("replayed");
        assertThat(http.postAs("/api/dead-letters/" + id + "/replay", "admin", "admin-test", null).statusCode()).isEqualTo(409);
        assertThat(jdbc.queryForObject("select count(*) from audit_record where subject_type = 'dead_letter' and subject_id = ?",
                Integer.class, id.toString())).isEqualTo(1);
    }

    @Test
    void exceptionsAreDecidedWithAReasonByAnotherApprover() throws Exception {
        Long id = jdbc.queryForObject("""
                insert into exception_item (kind, summary, requested_by) values ('test', 'needs a look', 'approver') returning id""",
                Long.class);
        assertThat(http.postAs("/api/exceptions/" + id + "/approve", "approver2", "approver2-test", "{}").statusCode()).isEqualTo(400);
        assertThat(http.postAs("/api/exceptions/" + id + "/approve", "viewer", "viewer-test", "{\"reason\":\"ok\"}").statusCode())
                .isEqualTo(403);
        HttpResponse<String> self = http.postAs("/api/exceptions/" + id + "/approve", "approver", "approver-test", "{\"reason\":\"mine\"}");
        assertThat(self.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(self.body()).path("error").asText()).isEqualTo("self_approval");
        HttpResponse<String> ok = http.postAs("/api/exceptions/" + id + "/approve", "approver2", "approver2-test",
                "{\"reason\":\"terms checked with sales\"}");
        assertThat(ok.statusCode()).isEqualTo(200);
        var row = jdbc.queryForMap("select status, decided_by, decision_reason, decided_at from exception_item where id = ?", id);
        assertThat(row.get("status")).isEqualTo("approved");
        assertThat(row.get("decided_by")).isEqualTo("approver2");
        assertThat(row.get("decision_reason")).isEqualTo("terms checked with sales");
        assertThat(row.get("decided_at")).isNotNull();
        assertThat(http.postAs("/api/exceptions/" + id + "/reject", "approver2", "approver2-test", "{\"reason\":\"x\"}").statusCode())
                .isEqualTo(409);
    }

    @Test
    void openApiDocumentsTheApiAndTheWebhooks() throws Exception {
        HttpResponse<String> doc = http.get("/api/openapi.json", "viewer", "viewer-test");
        assertThat(doc.statusCode()).isEqualTo(200);
        JsonNode paths = JSON.readTree(doc.body()).path("paths");
        assertThat(paths.has("/api/ledger/trial-balance")).isTrue();
        assertThat(paths.has("/api/events/{id}")).isTrue();
        for (String path : new String[] {"/webhooks/stripe", "/webhooks/docusign", "/webhooks/pandadoc", "/webhooks/hubspot",
                "/webhooks/salesforce", "/api/contracts/{id}", "/api/customers/{id}", "/api/exceptions/{id}/approve"}) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        assertThat(paths.path("/webhooks/hubspot").path("post").path("parameters").findValuesAsText("name"))
                .contains("X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp");
    }

    @Test
    void opsEndpointsHealthMetricsAndHawtio() throws Exception {
        HttpResponse<String> health = http.get("/actuator/health/readiness", null, null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/health", "admin", "admin-test").body()).contains("\"kafka\"").contains("\"db\"");
        String prometheus = http.get("/actuator/prometheus", null, null).body();
        assertThat(prometheus).contains("ledgerbridge_processing_lag_seconds").contains("ledgerbridge_inbox_events");
        assertThat(http.get("/actuator/hawtio/", null, null).statusCode()).isEqualTo(401);
        assertThat(http.get("/actuator/hawtio/", "viewer", "viewer-test").statusCode()).isEqualTo(403);
        assertThat(http.get("/actuator/hawtio/", "admin", "admin-test").statusCode()).isEqualTo(200);
        HttpResponse<String> jolokia = http.get(
                "/actuator/jolokia/read/org.apache.camel:context=ledgerbridge,type=routes,name=%22ingress-stripe-webhook%22/ExchangesTotal",
                "admin", "admin-test");
        assertThat(jolokia.statusCode()).isEqualTo(200);
        assertThat(jolokia.body()).contains("\"status\":200");
    }
}
