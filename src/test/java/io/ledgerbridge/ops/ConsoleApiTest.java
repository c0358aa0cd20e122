package io.ledgerbridge.ops;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.usage.UsageFileLoad;
import java.io.Reader;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.sql.Date;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The console's API over real HTTP: the overview charts' figures (AR aging, cash in, work waiting by age) computed
 * from the ledger tables, search, the customer page, the event trace with ERP postings and approvals, exceptions and
 * dead letters in plain language, bulk replay of a class of dead letters, and the long jobs' progress in job_run.
 */
@LedgerbridgeTest
class ConsoleApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    UsageFileLoad usageFiles;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.get(path, "viewer", "viewer-test");
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private void badRequest(String path, String field) throws Exception {
        HttpResponse<String> r = http.get(path, "viewer", "viewer-test");
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("error").asText()).isEqualTo("bad_request");
        assertThat(body.path("field").asText()).as(path).isEqualTo(field);
    }

    /** A currency no other test posts in (three letters, not an ISO code in use), so the figures are exactly ours. */
    private static String testCurrency() {
        Random r = new Random();
        return "Q" + (char) ('B' + r.nextInt(24)) + (char) ('A' + r.nextInt(26));
    }

    /** A balanced journal entry (pure read data for the views); lines are {account, debit, credit}. */
    private long entry(LocalDate date, String currency, String customer, Long sourceEvent, Object[]... lines) {
        long id = jdbc.queryForObject("""
                insert into journal_entry (entry_key, entry_date, currency, memo, posting_rule, customer_id, source_event_ids)
                values (?, ?, ?, 'console test entry', 'test', ?, ?::bigint[]) returning id""", Long.class,
                "test:console:" + uid(), Date.valueOf(date), currency, customer, sourceEvent == null ? "{}" : "{" + sourceEvent + "}");
        StringBuilder values = new StringBuilder();
        List<Object> args = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            values.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?)");
            args.addAll(java.util.Arrays.asList(id, i + 1, lines[i][0], lines[i][1], lines[i][2], customer));
        }
        jdbc.update("insert into journal_line (entry_id, line_no, account_code, debit, credit, customer_id) values " + values, args.toArray());
        return id;
    }

    private void arInvoice(String customer, String currency, long total, long paid, String status, LocalDate date, Long sourceEvent) {
        long e = entry(date, currency, customer, sourceEvent, new Object[] {"1100", total, 0}, new Object[] {"4200", 0, total});
        jdbc.update("""
                insert into ar_invoice (invoice_id, customer_id, currency, total, amount_paid, status, invoice_date, entry_id)
                values (?, ?, ?, ?, ?, ?, ?, ?)""", "test:in_" + uid(), customer, currency, total, paid, status, Date.valueOf(date), e);
    }

    private String customer(String name) {
        String id = "cus-console-" + uid();
        jdbc.update("insert into customer (id, legal_name) values (?, ?)", id, name);
        return id;
    }

    @Test
    void theOverviewFiguresComeFromTheLedgerInMinorUnits() throws Exception {
        String cur = testCurrency();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String customer = customer("Aging Test GmbH");
        arInvoice(customer, cur, 10_000, 2_500, "open", today.minusDays(10), null);   // 7,500 open, 0-30
        arInvoice(customer, cur, 20_000, 0, "open", today.minusDays(45), null);       // 31-60
        arInvoice(customer, cur, 30_000, 0, "open", today.minusDays(75), null);       // 61-90
        arInvoice(customer, cur, 40_000, 0, "open", today.minusDays(200), null);      // 90+
        arInvoice(customer, cur, 99_000, 99_000, "paid", today.minusDays(20), null);  // paid: not aged
        // invoiced 100 days ago, due 40 days ago (Stripe's due_date, read from the canonical form of its event): 31-60
        long event = jdbc.queryForObject("""
                with r as (
                    insert into received_event (source, event_id, partition_key, payload, payload_sha256)
                    values ('test', ?, 'test:aging', '{}', 'x') returning id)
                insert into pipeline_state (id, status, canonical)
                select id, 'posted', jsonb_build_object('invoice', jsonb_build_object('dueAt', ?::text)) from r
                returning id""", Long.class, "evt_" + uid(), today.minusDays(40).atStartOfDay().toInstant(ZoneOffset.UTC).toString());
        arInvoice(customer, cur, 5_000, 0, "open", today.minusDays(100), event);

        JsonNode aging = get("/api/overview/ar-aging?currency=" + cur.toLowerCase());
        assertThat(aging.path("buckets").toString()).isEqualTo("[\"0-30\",\"31-60\",\"61-90\",\"90+\"]");
        JsonNode ours = aging.path("currencies").get(0);
        assertThat(ours.path("currency").asText()).isEqualTo(cur);
        assertThat(ours.path("amount").toString()).isEqualTo("[7500,25000,30000,40000]");
        assertThat(ours.path("invoices").toString()).isEqualTo("[1,2,1,1]");
        assertThat(ours.path("total").asLong()).isEqualTo(102_500);
        // as of 50 days ago: the invoices of the last 50 days do not exist yet, and the one due 40 days ago is not yet due
        JsonNode before = get("/api/overview/ar-aging?currency=" + cur + "&asOf=" + today.minusDays(50)).path("currencies").get(0);
        assertThat(before.path("amount").toString()).isEqualTo("[35000,0,0,40000]");

        // payments by the day of their entry, payouts as the cash account's net debit
        long pay = entry(today.minusDays(3), cur, customer, null, new Object[] {"1010", 2_500, 0}, new Object[] {"1100", 0, 2_500});
        jdbc.update("insert into ar_payment (payment_id, customer_id, currency, amount, applied, unapplied, entry_id) values (?, ?, ?, 2500, 2500, 0, ?)",
                "test:ch_" + uid(), customer, cur, pay);
        entry(today.minusDays(1), cur, null, null, new Object[] {"1000", 9_000, 0}, new Object[] {"1010", 0, 9_000});
        JsonNode cash = get("/api/overview/cash-in?currency=" + cur + "&from=" + today.minusDays(6) + "&to=" + today);
        assertThat(cash.path("days").toString()).isEqualTo("[{\"day\":\"" + today.minusDays(3) + "\",\"currency\":\"" + cur
                + "\",\"payments\":2500,\"payouts\":0},{\"day\":\"" + today.minusDays(1) + "\",\"currency\":\"" + cur
                + "\",\"payments\":0,\"payouts\":9000}]");
        assertThat(get("/api/overview/cash-in?currency=" + cur).path("from").asText()).isEqualTo(today.minusDays(29).toString());

        JsonNode waiting = get("/api/overview/backlog-age");
        jdbc.update("insert into exception_item (kind, summary, created_at) values ('test', 'three days old', now() - interval '3 days')");
        jdbc.update("""
                insert into dead_letter (route_id, replay_uri, payload, error_class, error_message, failed_at)
                values ('test-route', 'log:x', '{}', 'test.Old', 'old', now() - interval '40 days')""");
        JsonNode after = get("/api/overview/backlog-age");
        assertThat(after.path("buckets").toString()).isEqualTo("[\"under 1 day\",\"1-7 days\",\"8-30 days\",\"over 30 days\"]");
        assertThat(after.path("exceptions").get(1).asLong()).isEqualTo(waiting.path("exceptions").get(1).asLong() + 1);
        assertThat(after.path("deadLetters").get(3).asLong()).isEqualTo(waiting.path("deadLetters").get(3).asLong() + 1);

        badRequest("/api/overview/ar-aging?asOf=yesterday", "asOf");
        badRequest("/api/overview/ar-aging?currency=US", "currency");
        badRequest("/api/overview/cash-in?from=2026-03-01&to=2026-02-01", "to");
        badRequest("/api/overview/cash-in?from=2026-13-01", "from");
        assertThat(http.get("/api/overview/ar-aging", null, null).statusCode()).isEqualTo(401);
    }

    private long sendStripe(String type, ObjectNode object, Instant created) throws Exception {
        return sendStripe(http, jdbc, type, object, created);
    }

    /** Sends a signed Stripe event and waits until the ledger has posted it; returns its event number. */
    static long sendStripe(Http http, JdbcTemplate jdbc, String type, ObjectNode object, Instant created) throws Exception {
        HttpResponse<String> r = http.stripe(event("evt_" + uid(), type, object, created).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long id = JSON.readTree(r.body()).path("id").asLong();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(jdbc.queryForObject("select status from inbox_event where id = ?", String.class, id)).isEqualTo("posted"));
        return id;
    }

    @Test
    void searchLeadsToTheCustomerPageAndTheEventTrace() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        String ch = "ch_" + uid();
        Instant invoiced = Instant.parse("2026-02-02T09:00:00Z");
        long invoiceEvent = sendStripe("invoice.finalized", invoice(inv, cus, "usd", 50_000, Instant.parse("2026-02-01T00:00:00Z"),
                Instant.parse("2027-02-01T00:00:00Z"), invoiced, "prod_platform_annual"), invoiced);
        long chargeEvent = sendStripe("charge.succeeded", charge(ch, cus, inv, "usd", 50_000, 1_480L,
                Instant.parse("2026-02-03T10:00:00Z")), Instant.parse("2026-02-03T10:00:00Z"));
        String customer = jdbc.queryForObject("select customer_id from customer_xref where system = 'stripe' and external_id = ?",
                String.class, cus);
        String senderEventId = jdbc.queryForObject("select event_id from inbox_event where id = ?", String.class, invoiceEvent);

        JsonNode byCustomer = get("/api/search?q=" + cus).path("hits");
        assertThat(byCustomer.findValuesAsText("type")).contains("customer");
        assertThat(byCustomer.get(0).path("customerId").asText()).isEqualTo(customer);
        JsonNode byInvoice = get("/api/search?q=" + inv).path("hits");
        JsonNode invoiceHit = byInvoice.get(0);
        assertThat(invoiceHit.path("type").asText()).isEqualTo("invoice");
        assertThat(invoiceHit.path("customerId").asText()).isEqualTo(customer);
        assertThat(invoiceHit.path("eventId").asLong()).isEqualTo(invoiceEvent);
        assertThat(invoiceHit.path("amount").asLong()).isEqualTo(50_000);
        assertThat(get("/api/search?q=" + ch).path("hits").findValuesAsText("type")).contains("payment");
        JsonNode byEvent = get("/api/search?q=" + senderEventId).path("hits");
        assertThat(byEvent.get(0).path("type").asText()).isEqualTo("event");
        assertThat(byEvent.get(0).path("eventId").asLong()).isEqualTo(invoiceEvent);
        assertThat(get("/api/search?q=" + invoiceEvent).path("hits").findValuesAsText("eventId")).contains(Long.toString(invoiceEvent));
        assertThat(get("/api/search?q=no-such-thing-" + uid()).path("count").asInt()).isZero();
        badRequest("/api/search?q=a", "q");
        badRequest("/api/search", "q");
        badRequest("/api/search?q=" + cus + "&limit=0", "limit");

        JsonNode page = get("/api/customers/" + customer);
        JsonNode invoiceRow = page.path("invoices").get(0);
        assertThat(invoiceRow.path("invoiceId").asText()).endsWith(inv);
        assertThat(invoiceRow.path("total").asLong()).isEqualTo(50_000);
        assertThat(invoiceRow.path("openAmount").asLong()).isZero();
        assertThat(invoiceRow.path("eventId").asLong()).isEqualTo(invoiceEvent);
        JsonNode paymentRow = page.path("payments").get(0);
        assertThat(paymentRow.path("paymentId").asText()).endsWith(ch);
        assertThat(paymentRow.path("amount").asLong()).isEqualTo(50_000);
        assertThat(paymentRow.path("eventId").asLong()).isEqualTo(chargeEvent);
        assertThat(page.path("balance").get(0).path("currency").asText()).isEqualTo("USD");
        assertThat(page.path("balance").get(0).path("receivable").asLong()).isZero();
        assertThat(page.path("contracts").isArray()).isTrue();
        HttpResponse<String> missing = http.get("/api/customers/cus-nobody", "viewer", "viewer-test");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).path("error").asText()).isEqualTo("not_found");

        // the trace: raw, canonical, entries, the ERP posting of its entry, and who approved what
        long entryId = jdbc.queryForObject("select id from journal_entry where ? = any(source_event_ids) order by id limit 1", Long.class,
                invoiceEvent);
        // the entry goes to each configured ERP (the fake ERPs of the tests) through the sync's outbox
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from erp_posting where entry_id = ?", Integer.class, entryId)).isPositive());
        List<String> erps = jdbc.queryForList("select erp from erp_posting where entry_id = ? order by erp", String.class, entryId);
        long exception = jdbc.queryForObject("""
                insert into exception_item (kind, inbox_event_id, summary, requested_by) values ('test_review', ?, 'check the terms', 'ledger')
                returning id""", Long.class, invoiceEvent);
        assertThat(http.postAs("/api/exceptions/" + exception + "/approve", "approver2", "approver2-test", "{\"reason\":\"terms match\"}")
                .statusCode()).isEqualTo(200);
        JsonNode trace = get("/api/events/" + invoiceEvent);
        assertThat(trace.path("payload").path("data").path("object").path("id").asText()).isEqualTo(inv);
        assertThat(trace.path("canonical").path("invoice").path("total").asLong()).isEqualTo(50_000);
        assertThat(trace.path("journalEntries").get(0).path("lines").findValuesAsText("account")).contains("1100", "2000");
        JsonNode posting = trace.path("erpPostings").get(0);
        assertThat(trace.path("erpPostings").findValuesAsText("erp")).containsAll(erps);
        assertThat(posting.path("entryId").asLong()).isEqualTo(entryId);
        assertThat(posting.path("externalKey").asText()).isEqualTo("lb-je-" + entryId);
        JsonNode approval = trace.path("approvals").get(0);
        assertThat(approval.path("by").asText()).isEqualTo("approver2");
        assertThat(approval.path("decision").asText()).isEqualTo("approved");
        assertThat(approval.path("reason").asText()).isEqualTo("terms match");
    }

    @Test
    void exceptionsAndDeadLettersAreToldInPlainLanguage() throws Exception {
        String customer = customer("Plain Words Ltd");
        long exception = jdbc.queryForObject("""
                insert into exception_item (kind, customer_id, summary, details, requested_by)
                values ('short_payment', ?, 'Payment ch_1 of 900 USD leaves 100 open on in_77', '{"invoice":"in_77"}', 'ledger')
                returning id""", Long.class, customer);
        JsonNode x = find(get("/api/exceptions?status=open&limit=1000"), exception);
        assertThat(x.path("whatHappened").asText()).isEqualTo("The customer paid less than the invoice asked for.");
        assertThat(x.path("whatToDo").asText()).startsWith("Ask the customer for the rest");
        assertThat(x.path("customerName").asText()).isEqualTo("Plain Words Ltd");
        assertThat(x.path("document").asText()).isEqualTo("invoice in_77");
        assertThat(x.path("kind").asText()).isEqualTo("short_payment");

        long e = entry(LocalDate.of(2026, 2, 1), "USD", customer, null, new Object[] {"1100", 700, 0}, new Object[] {"4200", 0, 700});
        long posting = jdbc.queryForObject("""
                insert into erp_posting (erp, entry_id, external_key, status, last_error) values ('netsuite', ?, ?, 'failed', 'Invalid account')
                returning id""", Long.class, e, "lb-je-" + e);
        long dl = jdbc.queryForObject("""
                insert into dead_letter (route_id, replay_uri, payload, error_class, error_message)
                values ('erp-sync', 'log:plain-test', ?, 'io.ledgerbridge.erp.ErpException$Refused',
                        'netsuite refused the document (HTTP 400): Invalid account') returning id""", Long.class,
                "{\"postingId\":" + posting + "}");
        JsonNode d = find(get("/api/dead-letters?status=open&limit=1000"), dl);
        assertThat(d.path("whatHappened").asText()).isEqualTo("The ERP refused the journal entry: netsuite refused the document (HTTP 400): Invalid account.");
        assertThat(d.path("whatToDo").asText()).startsWith("Fix what the ERP names");
        assertThat(d.path("customerName").asText()).isEqualTo("Plain Words Ltd");
        assertThat(d.path("document").asText()).isEqualTo("journal entry " + e + " (console test entry)");
        assertThat(d.path("errorClass").asText()).isEqualTo("io.ledgerbridge.erp.ErpException$Refused");
    }

    private static JsonNode find(JsonNode list, long id) {
        for (JsonNode n : list) {
            if (n.path("id").asLong() == id) {
                return n;
            }
        }
        throw new AssertionError("no item " + id + " in " + list);
    }

    @Test
    void deadLettersOfOneClassAreReplayedTogetherByAnAdmin() throws Exception {
        String errorClass = "test.BulkReplay$" + uid();
        List<Long> ids = new ArrayList<>();
        for (String uri : List.of("log:bulk-replay-test", "log:bulk-replay-test", "log:bulk-replay-test", "nosuchcomponent:" + uid())) {
            ids.add(jdbc.queryForObject("""
                    insert into dead_letter (route_id, replay_uri, payload, headers, error_class, error_message)
                    values ('test-route', ?, '{}', '{}'::jsonb, ?, 'boom') returning id""", Long.class, uri, errorClass));
        }
        long other = jdbc.queryForObject("""
                insert into dead_letter (route_id, replay_uri, payload, error_class, error_message)
                values ('test-route', 'log:bulk-replay-test', '{}', 'test.OtherClass', 'other') returning id""", Long.class);
        String body = "{\"errorClass\":\"" + errorClass + "\"}";
        assertThat(http.postAs("/api/dead-letters/replay", "viewer", "viewer-test", body).statusCode()).isEqualTo(403);
        HttpResponse<String> none = http.postAs("/api/dead-letters/replay", "admin", "admin-test", "{}");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(none.body()).path("field").asText()).isEqualTo("errorClass");

        HttpResponse<String> r = http.postAs("/api/dead-letters/replay", "admin", "admin-test", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode counts = JSON.readTree(r.body());
        assertThat(counts.path("matched").asInt()).isEqualTo(4);
        assertThat(counts.path("replayed").asInt()).isEqualTo(3);
        assertThat(counts.path("failed").asInt()).isEqualTo(1);
        assertThat(counts.path("failures").get(0).path("id").asLong()).isEqualTo(ids.get(3));
        assertThat(counts.path("remainingOpen").asInt()).isEqualTo(1);
        for (long id : ids.subList(0, 3)) {
            assertThat(jdbc.queryForObject("select status || ' by ' || resolved_by from dead_letter where id = ?", String.class, id))
                    .isEqualTo("replayed by admin");
            assertThat(jdbc.queryForObject("select count(*) from audit_record where subject_type = 'dead_letter' and subject_id = ?",
                    Integer.class, Long.toString(id))).isEqualTo(1);
        }
        // the one that could not be sent stays open, its status untouched; another class is not touched
        assertThat(jdbc.queryForObject("select status from dead_letter where id = ?", String.class, ids.get(3))).isEqualTo("open");
        assertThat(jdbc.queryForObject("select status from dead_letter where id = ?", String.class, other)).isEqualTo("open");
        JsonNode again = JSON.readTree(http.postAs("/api/dead-letters/replay", "admin", "admin-test",
                "{\"errorClass\":\"test.NoSuchClass\"}").body());
        assertThat(again.path("matched").asInt()).isZero();
    }

    private JsonNode latestJob(String kind) throws Exception {
        return get("/api/jobs?kind=" + kind + "&limit=1").get(0);
    }

    @Test
    void longJobsReportTheirProgressAndFailures() throws Exception {
        // a usage file: rows read as done, the counts at the end
        String name = "console-" + uid() + ".csv";
        String csv = "event_id,customer,metric,quantity,timestamp\n" + "u-" + uid() + ",cus_nobody,api_calls,5,2026-05-03T10:00:00Z\n"
                + "u-" + uid() + ",cus_nobody,api_calls,7,2026-05-03T11:00:00Z\n";
        usageFiles.load(name, "test-" + name, source(csv));
        JsonNode file = latestJob("usage_file");
        assertThat(file.path("name").asText()).isEqualTo(name);
        assertThat(file.path("status").asText()).isEqualTo("succeeded");
        assertThat(file.path("done").asLong()).isEqualTo(2);
        assertThat(file.path("total").asLong()).isEqualTo(2);
        assertThat(file.path("detail").path("rowsRead").asInt()).isEqualTo(2);
        assertThat(file.path("detail").path("held").asInt()).isEqualTo(2); // an unknown customer is held
        String broken = "broken-" + uid() + ".csv";
        try {
            usageFiles.load(broken, "test-" + broken, source("event_id,customer\nx,y\n"));
        } catch (RuntimeException expected) {
            // the load refuses a file without the required columns
        }
        JsonNode failed = latestJob("usage_file");
        assertThat(failed.path("name").asText()).isEqualTo(broken);
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("message").asText()).contains("no column");

        HttpResponse<String> run = http.postAs("/api/revenue/recognize?through=2026-01-31", "admin", "admin-test", null);
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        JsonNode recognition = latestJob("recognition");
        assertThat(recognition.path("name").asText()).isEqualTo("through 2026-01-31");
        assertThat(recognition.path("status").asText()).isEqualTo("succeeded");
        assertThat(recognition.path("startedBy").asText()).isEqualTo("admin");
        assertThat(recognition.path("done").asLong()).isEqualTo(recognition.path("total").asLong());
        assertThat(recognition.path("message").asText()).startsWith("run ");

        // a reconciliation run ends as the call does: succeeded with its run, or failed with the reason (here the fake
        // Stripe answers its lists only when a test has set them up, so alone this run fails reading Stripe)
        HttpResponse<String> recon = http.postAs("/api/reconciliation/runs", "admin", "admin-test", "{\"date\":\"2026-02-03\"}");
        JsonNode reconciliation = latestJob("reconciliation");
        assertThat(reconciliation.path("name").asText()).isEqualTo("2026-02-03");
        assertThat(reconciliation.path("total").asLong()).isGreaterThanOrEqualTo(2);
        if (recon.statusCode() == 200) {
            assertThat(reconciliation.path("status").asText()).isEqualTo("succeeded");
            assertThat(reconciliation.path("fraction").asDouble()).isEqualTo(1.0);
            assertThat(reconciliation.path("message").asText()).isEqualTo("run " + JSON.readTree(recon.body()).path("id").asLong());
        } else {
            assertThat(reconciliation.path("status").asText()).isEqualTo("failed");
            assertThat(reconciliation.path("message").asText()).isNotBlank();
            assertThat(reconciliation.path("finishedAt").isNull()).isFalse();
        }
    }

    private static UsageFileLoad.Source source(String csv) {
        return new UsageFileLoad.Source() {
            @Override
            public Reader open() {
                return new StringReader(csv);
            }

            @Override
            public long bytes() {
                return csv.length();
            }
        };
    }
}
