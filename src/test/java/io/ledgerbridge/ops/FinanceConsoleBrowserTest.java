package io.ledgerbridge.ops;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.payout;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.platform.jobs.JobProgress;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The finance console end to end in Debian's Chromium, driven by playwright-core
 * ({@code src/test/console/console.test.mjs}): the overview's charts against the API, search, the customer
 * page, an event's trace, exceptions and dead letters in plain language with single and bulk replay, a job's
 * progress bar, reconciliation and ledger. Data comes through the product's real paths (signed Stripe
 * webhooks) where it can, SQL for what only the views read. {@code .ci/run} installs Chromium and the npm
 * package and sets {@code LB_REQUIRE_BROWSER=1}, so there the test cannot be skipped; on a machine without
 * them it is skipped with the reason. A screenshot of each page goes to {@code target/console/}.
 */
@LedgerbridgeTest
class FinanceConsoleBrowserTest {

    private static final Path SCRIPT = Path.of("src/test/console/console.test.mjs");
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JobProgress jobs;

    private long sendStripe(Http http, String type, ObjectNode object, Instant created) throws Exception {
        return ConsoleApiTest.sendStripe(http, jdbc, type, object, created);
    }

    @Test
    void everyPageOfTheConsoleInARealBrowser() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
        boolean ready = new File(chromium).canExecute() && Files.isDirectory(Path.of("src/test/console/node_modules/playwright-core"));
        if (!ready) {
            String why = "needs " + chromium + " (apt-get install chromium) and playwright-core (npm ci --prefix src/test/console)";
            if ("1".equals(System.getenv("LB_REQUIRE_BROWSER"))) {
                throw new AssertionError("the browser test cannot run: it " + why);
            }
            Assumptions.abort("skipped: the browser test " + why);
        }
        Http http = new Http(port);
        // a customer's year through signed Stripe webhooks: an annual invoice paid, a second one open for 45 days, a payout
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String cus = "cus_" + uid();
        String paidInvoice = "in_" + uid();
        String openInvoice = "in_" + uid();
        Instant invoiced = now.minus(Duration.ofDays(60));
        long invoiceEvent = sendStripe(http, "invoice.finalized", invoice(paidInvoice, cus, "usd", 1_200_000, invoiced,
                invoiced.plus(Duration.ofDays(365)), invoiced, "prod_platform_annual"), invoiced);
        Instant paid = now.minus(Duration.ofDays(10));
        sendStripe(http, "charge.succeeded", charge("ch_" + uid(), cus, paidInvoice, "usd", 1_200_000, 34_830L, paid), paid);
        Instant second = now.minus(Duration.ofDays(45));
        sendStripe(http, "invoice.finalized", invoice(openInvoice, cus, "usd", 250_000, second, second.plus(Duration.ofDays(30)), second,
                "prod_platform_annual"), second);
        sendStripe(http, "payout.paid", payout("po_" + uid(), "usd", 1_165_170, now.minus(Duration.ofDays(2))), now.minus(Duration.ofDays(2)));
        String customer = jdbc.queryForObject("select customer_id from customer_xref where system = 'stripe' and external_id = ?",
                String.class, cus);
        jdbc.update("update customer set legal_name = 'Console Test Inc' where id = ? and legal_name is null", customer);
        String customerName = jdbc.queryForObject("select legal_name from customer where id = ?", String.class, customer);
        long entry = jdbc.queryForObject("select id from journal_entry where ? = any(source_event_ids) order by id limit 1", Long.class,
                invoiceEvent);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from erp_posting where entry_id = ?", Integer.class, entry)).isPositive());

        long exception = jdbc.queryForObject("""
                insert into exception_item (kind, inbox_event_id, customer_id, summary, details, requested_by, notified_at)
                values ('payment_terms', ?, ?, 'Contract for Console Test Inc: payment terms Net 60 exceed the limit of Net 45',
                        '{"contract":"ctr-docusign-env-7731"}', 'approver', now())
                returning id""", Long.class, invoiceEvent, customer);
        long deadLetter = jdbc.queryForObject("""
                insert into dead_letter (route_id, replay_uri, payload, error_class, error_message)
                values ('erp-sync', 'direct:erp-retry', '{"postingId":-1}', 'io.ledgerbridge.erp.ErpException$Refused',
                        'quickbooks refused the document (HTTP 400): Invalid Reference Id')
                returning id""", Long.class);
        // two ERP sync failures of one class, for the customer's invoice posting (replayed to a log endpoint, not the ERP)
        String bulkClass = "io.ledgerbridge.erp.ErpException$Retryable";
        jdbc.update("update dead_letter set status = 'discarded', resolved_by = 'test' where status = 'open' and error_class = ?", bulkClass);
        long posting = jdbc.queryForObject("select min(id) from erp_posting where entry_id = ?", Long.class, entry);
        for (int i = 0; i < 2; i++) {
            jdbc.update("""
                    insert into dead_letter (route_id, replay_uri, payload, headers, error_class, error_message)
                    values ('erp-sync', 'log:console-bulk-replay', ?, '{}'::jsonb, ?, 'xero answered 503 Service Unavailable')""",
                    "{\"postingId\":" + posting + "}", bulkClass);
        }
        // long jobs as the product runs them: a recognition run; and an import's progress as the Stripe import reports it
        HttpResponse<String> recognition = http.postAs("/api/revenue/recognize?through=" + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                .minusDays(1), "admin", "admin-test", null);
        assertThat(recognition.statusCode()).as(recognition.body()).isEqualTo(200);
        long job = jobs.start("stripe_import", "Stripe history 2025-01-01..2026-12-01", 1_000L, "admin");
        jobs.advance(job, 400, null, Map.of("read", 450, "stored", 420, "posted", 400, "ratePerSecond", 120, "etaSeconds", 5));

        Map<String, Object> seed = new LinkedHashMap<>();
        seed.put("exceptionId", exception);
        seed.put("deadLetterId", deadLetter);
        seed.put("bulkClass", bulkClass);
        seed.put("stripeCustomer", cus);
        seed.put("customerId", customer);
        seed.put("customerName", customerName);
        seed.put("paidInvoice", paidInvoice);
        seed.put("openInvoice", openInvoice);
        seed.put("invoiceEvent", invoiceEvent);
        seed.put("jobId", job);
        seed.put("erpReference", "lb-je-" + entry);
        seed.put("screenshots", "target/console");
        Files.createDirectories(Path.of("target/console"));
        Process p = new ProcessBuilder(List.of("node", SCRIPT.toString(), "http://localhost:" + port, JSON.writeValueAsString(seed)))
                .redirectErrorStream(true).start();
        boolean ended = p.waitFor(240, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            p.destroyForcibly();
        }
        assertThat(ended).as("the browser run ended: " + output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("OK console");
        assertThat(jdbc.queryForObject("select status || ' by ' || decided_by from exception_item where id = ?", String.class, exception))
                .isEqualTo("approved by approver2");
        assertThat(jdbc.queryForObject("select status || ' by ' || resolved_by from dead_letter where id = ?", String.class, deadLetter))
                .isEqualTo("replayed by admin");
        assertThat(jdbc.queryForObject("select count(*) from dead_letter where error_class = ? and status = 'replayed' and resolved_by = 'admin'",
                Integer.class, bulkClass)).isEqualTo(2);
        assertThat(jobs.cancelRequested(job)).isTrue();
        for (String page : List.of("overview", "work", "search", "customer", "event", "jobs", "books")) {
            assertThat(Path.of("target/console/" + page + ".png")).exists();
        }
    }
}
