package io.ledgerbridge.revenue;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.refund;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** Recognition runs over HTTP against the real database: the worked example, idempotency, concurrency, refunds. */
@LedgerbridgeTest
class RevenueRecognitionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-01-15T00:00:00Z");
    private static final Instant END = Instant.parse("2027-01-15T00:00:00Z");
    private static final Instant INVOICED = Instant.parse("2026-01-15T09:00:00Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    private void post(String type, ObjectNode object, Instant created) throws Exception {
        HttpResponse<String> r = http.stripe(event("evt_" + uid(), type, object, created).toString());
        assertThat(r.statusCode()).isEqualTo(200);
        long id = JSON.readTree(r.body()).path("id").asLong();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                jdbc.queryForObject("select status from inbox_event where id = ?", String.class, id)).isEqualTo("posted"));
    }

    /** Balance (debit - credit) of an account over the lines of one Stripe customer. */
    private long balance(String stripeCustomer, String account) {
        return jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l
                join customer_xref x on x.customer_id = l.customer_id and x.system = 'stripe'
                where x.external_id = ? and l.account_code = ?""", Long.class, stripeCustomer, account);
    }

    private JsonNode recognize(String through) throws Exception {
        HttpResponse<String> r = http.postAs("/api/revenue/recognize?through=" + through, "admin", "admin-test", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private List<Long> monthly(String stripeCustomer) {
        return jdbc.queryForList("""
                select sum(l.credit - l.debit) from journal_line l join journal_entry e on e.id = l.entry_id
                join customer_xref x on x.customer_id = l.customer_id and x.system = 'stripe'
                where x.external_id = ? and l.account_code = '4000' and e.posting_rule = 'revenue_recognised'
                group by e.entry_date order by e.entry_date""", Long.class, stripeCustomer);
    }

    @Test
    void workedExampleThroughMarchToTheCent() throws Exception {
        String cus = "cus_" + uid();
        post("invoice.finalized", invoice("in_" + uid(), cus, "usd", 1_200_000, START, END, INVOICED, "prod_platform_annual"), INVOICED);
        recognize("2026-03-31");
        assertThat(monthly(cus)).containsExactly(55_890L, 92_055L, 101_918L);
        assertThat(balance(cus, "2000")).isEqualTo(-950_137);
        assertThat(balance(cus, "4000")).isEqualTo(-249_863);

        recognize("2026-03-31");
        recognize("2026-02-28");
        assertThat(balance(cus, "4000")).isEqualTo(-249_863);

        JsonNode schedules = JSON.readTree(http.get("/api/revenue/schedules?customer=" + jdbc.queryForObject(
                "select customer_id from customer_xref where external_id = ?", String.class, cus), "viewer", "viewer-test").body());
        JsonNode months = schedules.get(0).path("months");
        assertThat(months).hasSize(13);
        long sum = 0;
        for (JsonNode m : months) {
            sum += m.path("amount").asLong();
        }
        assertThat(sum).isEqualTo(1_200_000);
        assertThat(months.get(0).path("amount").asLong()).isEqualTo(55_890);
        assertThat(months.get(2).path("posted").asBoolean()).isTrue();
        assertThat(months.get(3).path("posted").asBoolean()).isFalse();
        HttpResponse<String> csv = http.get("/api/revenue/schedules?format=csv&customer=" + jdbc.queryForObject(
                "select customer_id from customer_xref where external_id = ?", String.class, cus), "viewer", "viewer-test");
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.body()).startsWith("invoice,line,customer,").contains(",2026-01,2026-01-31,55890,55890,true\n")
                .contains(",2026-04,2026-04-30,");
    }

    @Test
    void concurrentRunsRecogniseOnce() throws Exception {
        String cus = "cus_" + uid();
        post("invoice.finalized", invoice("in_" + uid(), cus, "usd", 365_000, START, END, INVOICED, "prod_platform_annual"), INVOICED);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<JsonNode>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(() -> recognize("2026-06-30"));
            }
            for (Future<JsonNode> f : pool.invokeAll(runs)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        // 2026-01-15 .. 2026-06-30 = 167 days of 365 at 1,000 a day
        assertThat(balance(cus, "4000")).isEqualTo(-167_000);
        assertThat(jdbc.queryForObject("""
                select count(*) from (select invoice_id, line_id, through from recognition_posting
                group by 1, 2, 3 having count(*) > 1) d""", Integer.class)).isZero();
    }

    @Test
    void aRefundOfTheUnearnedPartIsNeverRecognised() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        String ch = "ch_" + uid();
        post("invoice.finalized", invoice(inv, cus, "usd", 1_200_000, START, END, INVOICED, "prod_platform_annual"), INVOICED);
        post("charge.succeeded", charge(ch, cus, inv, "usd", 1_200_000, 34_830L, Instant.parse("2026-01-20T10:30:00Z")),
                Instant.parse("2026-01-20T10:30:00Z"));
        recognize("2026-01-31");
        Instant refunded = Instant.parse("2026-02-10T16:00:00Z");
        post("refund.created", refund("re_" + uid(), ch, "usd", 100_000, refunded), refunded);
        recognize("2027-01-31");
        assertThat(balance(cus, "2000")).isZero();
        assertThat(balance(cus, "4900")).isEqualTo(7_397);
        assertThat(balance(cus, "4000")).isEqualTo(-(1_200_000 - 92_603));
        // recognised + reduced = billed, for the line
        assertThat(jdbc.queryForObject("""
                select l.recognised + l.reduced - l.amount from invoice_line l join ar_invoice a on a.invoice_id = l.invoice_id
                where a.invoice_id = ?""", Long.class, "stripe:" + inv)).isZero();
    }

    /** An invoice whose lines are given as {amount, product, start, end, proration}. */
    private static ObjectNode invoiceWithLines(String id, String cus, Instant finalized, Object[]... lines) {
        long total = 0;
        for (Object[] l : lines) {
            total += (Long) l[0];
        }
        ObjectNode inv = invoice(id, cus, "usd", total, (Instant) lines[0][2], (Instant) lines[0][3], finalized, (String) lines[0][1]);
        com.fasterxml.jackson.databind.node.ArrayNode data = (com.fasterxml.jackson.databind.node.ArrayNode) inv.path("lines").path("data");
        ObjectNode template = (ObjectNode) data.get(0);
        data.removeAll();
        int n = 0;
        for (Object[] l : lines) {
            ObjectNode line = template.deepCopy();
            line.put("id", "il_" + id.substring(3) + "_" + (++n));
            line.put("amount", (Long) l[0]);
            line.put("amount_excluding_tax", (Long) l[0]);
            ((ObjectNode) line.path("price")).put("product", (String) l[1]);
            ((ObjectNode) line.path("period")).put("start", ((Instant) l[2]).getEpochSecond());
            ((ObjectNode) line.path("period")).put("end", ((Instant) l[3]).getEpochSecond());
            line.put("proration", (Boolean) l[4]);
            line.put("type", (Boolean) l[4] ? "invoiceitem" : "subscription");
            data.add(line);
        }
        inv.put("billing_reason", "subscription_update");
        return inv;
    }

    @Test
    void annualWithAMidTermUpgradeRecognisesBothPlansToTheCent() throws Exception {
        String cus = "cus_" + uid();
        post("invoice.finalized", invoice("in_" + uid(), cus, "usd", 1_200_000, START, END, INVOICED, "prod_platform_annual"), INVOICED);
        Instant upgrade = Instant.parse("2026-07-15T00:00:00Z");
        // Stripe's proration invoice: unused time on the old plan (negative), remaining time on the new one
        post("invoice.finalized", invoiceWithLines("in_" + uid(), cus, upgrade,
                new Object[] {-604_932L, "prod_platform_annual", upgrade, END, true},
                new Object[] {1_209_863L, "prod_platform_annual", upgrade, END, true}), upgrade);
        recognize("2026-07-31");
        // 198/365 of 1,200,000 = 650,959; 17/184 of -604,932 = -55,890; 17/184 of 1,209,863 = 111,781
        assertThat(balance(cus, "4000")).isEqualTo(-706_850);
        recognize("2027-01-31");
        assertThat(balance(cus, "2000")).isZero();
        assertThat(balance(cus, "4000")).isEqualTo(-(1_200_000 - 604_932 + 1_209_863));
    }

    @Test
    void monthlyWithACreditNoteRecognisesWhatIsLeft() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        Instant march = Instant.parse("2026-03-01T00:00:00Z");
        post("invoice.finalized", invoice(inv, cus, "usd", 30_000, march, Instant.parse("2026-04-01T00:00:00Z"), march,
                "prod_platform_monthly"), march);
        Instant issued = Instant.parse("2026-03-11T12:00:00Z");
        ObjectNode cn = JSON.createObjectNode();
        cn.put("id", "cn_" + uid()).put("object", "credit_note").put("amount", 10_000).put("created", issued.getEpochSecond())
                .put("currency", "usd").put("customer", cus).put("invoice", inv).put("number", "CN-1").put("total", 10_000)
                .put("type", "pre_payment").put("status", "issued").put("reason", "product_unsatisfactory")
                .put("effective_at", issued.getEpochSecond());
        cn.putNull("refund");
        cn.putNull("out_of_band_amount");
        cn.putObject("lines").put("object", "list").putArray("data");
        post("credit_note.created", cn, issued);
        recognize("2026-03-31");
        // earned through 03-11: 11/31 of 30,000 = 10,645; the credit's earned share 10,000 x 10,645 / 30,000 = 3,548
        assertThat(balance(cus, "4900")).isEqualTo(3_548);
        assertThat(balance(cus, "4000")).isEqualTo(-(30_000 - 6_452));
        assertThat(balance(cus, "2000")).isZero();
        assertThat(balance(cus, "1100")).isEqualTo(20_000);
    }

    @Test
    void usageInArrearsIsRevenueAtInvoicingAndAPointInTimeFeeOnItsLastDay() throws Exception {
        String cus = "cus_" + uid();
        Instant feb = Instant.parse("2026-02-01T00:00:00Z");
        Instant may = Instant.parse("2026-05-01T00:00:00Z");
        post("invoice.finalized", invoiceWithLines("in_" + uid(), cus, feb,
                new Object[] {25_000L, "prod_api_usage", Instant.parse("2026-01-01T00:00:00Z"), feb, false},
                new Object[] {50_000L, "prod_onboarding", feb, may, false}), feb);
        assertThat(balance(cus, "4100")).isEqualTo(-25_000);
        assertThat(balance(cus, "2000")).isEqualTo(-50_000);
        recognize("2026-04-29");
        assertThat(balance(cus, "4200")).isZero();
        recognize("2026-04-30");
        assertThat(balance(cus, "4200")).isEqualTo(-50_000);
        assertThat(balance(cus, "2000")).isZero();
    }

    @Test
    void aCreditNoteReducesTheDeferralOfTheLineItCredits() throws Exception {
        String cus = "cus_" + uid();
        String inv = "in_" + uid();
        post("invoice.finalized", invoiceWithLines(inv, cus, INVOICED,
                new Object[] {120_000L, "prod_platform_annual", START, END, false},
                new Object[] {240_000L, "prod_onboarding", START, END, false}), INVOICED);
        ObjectNode cn = JSON.createObjectNode();
        cn.put("id", "cn_" + uid()).put("object", "credit_note").put("amount", 60_000).put("created", INVOICED.getEpochSecond())
                .put("currency", "usd").put("customer", cus).put("invoice", inv).put("number", "CN-2").put("total", 60_000)
                .put("type", "pre_payment").put("status", "issued").put("effective_at", INVOICED.getEpochSecond());
        ObjectNode line = cn.putObject("lines").put("object", "list").putArray("data").addObject();
        line.put("id", "cnli_" + uid()).put("object", "credit_note_line_item").put("amount", 60_000)
                .put("invoice_line_item", "il_" + inv.substring(3) + "_2").put("description", "Onboarding not delivered");
        post("credit_note.created", cn, INVOICED);
        java.util.Map<String, Object> reduced = jdbc.queryForMap("""
                select sum(reduced) filter (where line_id like '%_1') as a, sum(reduced) filter (where line_id like '%_2') as b
                from invoice_line where invoice_id = ?""", "stripe:" + inv);
        assertThat(((Number) reduced.get("a")).longValue()).isZero();
        // one day of 365 earned at issue on the whole invoice: the unearned part of the credit all on line 2
        assertThat(((Number) reduced.get("b")).longValue()).isBetween(59_800L, 60_000L);
        recognize("2027-01-31");
        assertThat(balance(cus, "2000")).isZero();
    }
}
