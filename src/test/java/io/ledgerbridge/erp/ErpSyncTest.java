package io.ledgerbridge.erp;

import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.support.FakeErp;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.MutableClock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** The ledger's outbox to NetSuite, QuickBooks Online and Xero, against fakes shaped like their APIs, with their failures. */
@LedgerbridgeTest
class ErpSyncTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    LedgerStore ledger;
    @Autowired
    PostingRules rules;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    ErpSync sync;
    @Autowired
    MutableClock clock;

    private long payout(LocalDate date, long amount) {
        return tx.execute(s -> ledger.post(rules.payout("test:payout:po_" + uid(), date, "USD", amount, "payout for the ERP test"),
                null).orElseThrow());
    }

    private String status(String erp, long entry) {
        return jdbc.queryForList("select status from erp_posting where erp = ? and entry_id = ?", String.class, erp, entry)
                .stream().findFirst().orElse(null);
    }

    private void awaitConfirmed(String erp, long entry) {
        await().atMost(WAIT).until(() -> "confirmed".equals(status(erp, entry)));
    }

    @Test
    void anEntryReachesEveryErpOnceInItsShapeAndIsReadBack() {
        long entry = payout(LocalDate.of(2026, 3, 4), 1_065_170);
        String key = "lb-je-" + entry;
        for (String erp : List.of("netsuite", "quickbooks", "xero")) {
            awaitConfirmed(erp, entry);
            assertThat(FakeErp.docs(erp, key)).hasSize(1);
            assertThat(FakeErp.docs(erp, key).get(0).total()).isEqualTo(1_065_170);
            assertThat(FakeErp.creates(erp, key)).isEqualTo(1);
        }
        JsonNode ns = FakeErp.docs("netsuite", key).get(0).body();
        assertThat(ns.path("subsidiary").path("id").asText()).isEqualTo("1");
        assertThat(ns.path("line").path("items").findValuesAsText("id")).contains("1", "110", "3");
        assertThat(ns.path("line").path("items").get(0).path("debit").decimalValue()).isEqualByComparingTo("10651.70");
        JsonNode qbo = FakeErp.docs("quickbooks", key).get(0).body();
        assertThat(qbo.path("DocNumber").asText()).isEqualTo(key);
        assertThat(qbo.path("Line").get(1).path("JournalEntryLineDetail").path("PostingType").asText()).isEqualTo("Credit");
        JsonNode xero = FakeErp.docs("xero", key).get(0).body();
        assertThat(xero.path("JournalLines").get(1).path("LineAmount").decimalValue()).isEqualByComparingTo("-10651.70");
        Map<String, Object> row = jdbc.queryForMap("select erp_id, erp_date::text as d, erp_status from erp_posting where erp = 'netsuite' and entry_id = ?", entry);
        assertThat(row.get("erp_id")).isEqualTo(FakeErp.docs("netsuite", key).get(0).id());
        assertThat(row.get("d")).isEqualTo("2026-03-04");
    }

    @Test
    void aTimeoutAfterTheErpCommittedIsFoundNotPostedTwice() {
        FakeErp.commitThenTimeout("netsuite", 1);
        long entry = payout(LocalDate.of(2026, 3, 5), 4_200);
        awaitConfirmed("netsuite", entry);
        assertThat(FakeErp.creates("netsuite", "lb-je-" + entry)).isEqualTo(1);
        assertThat(FakeErp.docs("netsuite", "lb-je-" + entry)).hasSize(1);
        assertThat(jdbc.queryForObject("select attempts from erp_posting where erp = 'netsuite' and entry_id = ?", Integer.class, entry))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aPostingAStoppedInstanceLeftMidCallIsFoundAfterTheRestartNotPostedAgain() {
        // the instance claimed the posting, NetSuite committed the journal, and the instance died before it heard back
        long entry = tx.execute(s -> {
            long id = ledger.post(rules.payout("test:payout:po_" + uid(), LocalDate.of(2026, 3, 9), "USD", 5_500, "cut off"), null)
                    .orElseThrow();
            jdbc.update("""
                    update erp_posting set status = 'sending', attempts = 1, next_attempt_at = now() + interval '2 seconds'
                    where erp = 'netsuite' and entry_id = ?""", id);
            FakeErp.seedNetSuite("lb-je-" + id, LocalDate.of(2026, 3, 9), 5_500);
            return id;
        });
        awaitConfirmed("netsuite", entry);
        assertThat(FakeErp.creates("netsuite", "lb-je-" + entry)).isZero();
        assertThat(FakeErp.docs("netsuite", "lb-je-" + entry)).hasSize(1);
    }

    @Test
    void a429StormIsWaitedOutAndAnExpiredTokenIsRenewedMidRun() {
        FakeErp.failNext("xero", 3, 429, 1);
        FakeErp.expireTokens("quickbooks");
        int issued = FakeErp.tokensIssued("quickbooks");
        long entry = payout(LocalDate.of(2026, 3, 6), 9_900);
        awaitConfirmed("xero", entry);
        awaitConfirmed("quickbooks", entry);
        assertThat(FakeErp.creates("xero", "lb-je-" + entry)).isEqualTo(1);
        assertThat(FakeErp.tokensIssued("quickbooks")).isGreaterThan(issued);
        // QuickBooks rotated the refresh token: the newest one is kept for the next renewal, across restarts
        assertThat(jdbc.queryForObject("select refresh_token from erp_credential where erp = 'quickbooks'", String.class))
                .startsWith("quickbooks-refresh-");
    }

    @Test
    void anAccessTokenIsKeptUntilAMinuteBeforeItExpiresThenRenewed() {
        // a token in hand (issued now or earlier, for an hour)
        awaitConfirmed("quickbooks", payout(LocalDate.of(2026, 3, 10), 1_100));
        int issued = FakeErp.tokensIssued("quickbooks");
        awaitConfirmed("quickbooks", payout(LocalDate.of(2026, 3, 10), 1_200));
        assertThat(FakeErp.tokensIssued("quickbooks")).isEqualTo(issued);
        // an hour later by the product's clock, the token has expired: the next posting renews it first
        clock.advance(Duration.ofHours(1));
        try {
            awaitConfirmed("quickbooks", payout(LocalDate.of(2026, 3, 10), 1_300));
            assertThat(FakeErp.tokensIssued("quickbooks")).isEqualTo(issued + 1);
        } finally {
            clock.reset();
        }
    }

    @Test
    void aClosedErpPeriodBooksTheJournalInTheNextOpenMonthAndSaysSo() {
        FakeErp.closePeriodsBefore("netsuite", LocalDate.of(2024, 4, 1));
        try {
            long entry = payout(LocalDate.of(2024, 3, 10), 7_700);
            awaitConfirmed("netsuite", entry);
            Map<String, Object> row = jdbc.queryForMap("select erp_date::text as d, last_error from erp_posting where erp = 'netsuite' and entry_id = ?", entry);
            assertThat(row.get("d")).isEqualTo("2024-04-01");
            assertThat((String) row.get("last_error")).contains("dated 2024-03-10", "closed");
            assertThat(FakeErp.docs("netsuite", "lb-je-" + entry).get(0).body().path("memo").asText()).contains("dated 2024-03-10");
        } finally {
            FakeErp.closePeriodsBefore("netsuite", null);
        }
    }

    @Test
    void aRefusalIsADeadLetterAndAnExceptionInPlainWordsAndReplayPostsIt() throws Exception {
        FakeErp.refuseAccount("quickbooks", "35");
        long entry;
        try {
            entry = payout(LocalDate.of(2026, 3, 7), 3_300);
            await().atMost(WAIT).until(() -> "failed".equals(status("quickbooks", entry)));
        } finally {
            FakeErp.refuseAccount("quickbooks", null);
        }
        String entryKey = jdbc.queryForObject("select entry_key from journal_entry where id = ?", String.class, entry);
        Map<String, Object> ex = jdbc.queryForMap("select summary from exception_item where kind = 'erp_refused' and subject_id = ?",
                Long.toString(entry));
        assertThat((String) ex.get("summary")).contains("quickbooks", "Invalid Reference Id: Accounts element id 35 not found");
        long deadLetter = jdbc.queryForObject("select id from dead_letter where route_id = 'erp-sync' and message_key = ?", Long.class,
                "quickbooks:" + entryKey);
        Http http = new Http(port);
        assertThat(http.postAs("/api/dead-letters/" + deadLetter + "/replay", "admin", "admin-test", null).statusCode()).isEqualTo(200);
        awaitConfirmed("quickbooks", entry);
        assertThat(FakeErp.docs("quickbooks", "lb-je-" + entry)).hasSize(1);
    }

    @Test
    void aServerErrorStormOpensTheCircuitBreakerAndNothingIsLost() {
        FakeErp.failNext("xero", 6, 503, null);
        List<Long> entries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            entries.add(payout(LocalDate.of(2026, 3, 8), 100 + i));
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> sync.state("xero") == CircuitBreaker.State.OPEN);
        for (long entry : entries) {
            awaitConfirmed("xero", entry);
            assertThat(FakeErp.creates("xero", "lb-je-" + entry)).isEqualTo(1);
        }
    }
}
