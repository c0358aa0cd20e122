package io.ledgerbridge.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.StripeEvents;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The golden corpus of Stripe's own published objects (mappings/fixtures/stripe/openapi/, see its PROVENANCE.md),
 * for an API version before basil and one after, delivered over HTTP as one customer's story: an invoice paid by a
 * payment whose fee comes late, partly refunded, disputed and lost; a charge authorised then captured; a credit
 * given by hand; a payout paid then failed; a cash-balance movement the product has no rule for. In the order of
 * the story and in reverse, every event twice, the ledger ends the same to the cent, no event of a type that moves
 * money ends "ignored", and the one without a rule is an exception for a person.
 */
@LedgerbridgeTest
class StripeCorpusEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CORPUS = Path.of("mappings/fixtures/stripe/openapi");
    /** Stripe ids of the story's objects; a run gives each a suffix of its own so runs never meet. */
    private static final Pattern IDS = Pattern.compile("\"((?:evt|in|ch|pi|txn|dp|re|po|cus|cbtxn|inpay|cn|ccsbtxn|il|ii|sub|pm)_[A-Za-z0-9_]+)\"");
    private static final List<String> STORY = List.of("invoice.created", "invoice.finalized", "charge.succeeded.fee_pending",
            "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid", "invoice.payment_succeeded", "charge.updated",
            "charge.succeeded", "refund.created", "charge.refunded", "charge.dispute.created.inquiry", "charge.dispute.created",
            "charge.dispute.funds_withdrawn", "charge.dispute.closed.lost", "charge.succeeded.uncaptured", "charge.captured",
            "customer.balance_transaction.created", "customer.updated.balance", "invoiceitem.created", "payout.paid",
            "payout.failed", "customer_cash_balance_transaction.created");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"2024-06-20, in order", "2024-06-20, reversed", "2026-07-29.dahlia, in order", "2026-07-29.dahlia, reversed"})
    void theStoryEndsTheSameToTheCentInAnyOrder(String version, String order) throws Exception {
        Http http = new Http(port);
        String run = "x" + StripeEvents.uid();
        List<String> story = new ArrayList<>(STORY.stream().filter(n -> Files.exists(CORPUS.resolve(version).resolve(n + ".json"))).toList());
        if (order.equals("reversed")) {
            Collections.reverse(story);
        }
        List<Long> ids = new ArrayList<>();
        for (String name : story) {
            String body = withSuffix(Files.readString(CORPUS.resolve(version).resolve(name + ".json")), run);
            for (int delivery = 0; delivery < 2; delivery++) {
                HttpResponse<String> r = http.stripe(body);
                assertThat(r.statusCode()).as(name + ": " + r.body()).isEqualTo(200);
                if (delivery == 0) {
                    ids.add(JSON.readTree(r.body()).path("id").asLong());
                }
            }
            if (order.equals("in order")) {
                // strictly in order: each event has gone through the pipeline before the next is sent (the pipeline
                // keys by customer, so events of other keys could otherwise overtake it), which makes the entries each
                // event posts deterministic; the reversed run sends everything at once
                long last = ids.get(ids.size() - 1);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> !List.of("received", "published")
                        .contains(jdbc.queryForObject("select status from inbox_event where id = ?", String.class, last)));
            }
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(jdbc.queryForList("select status from inbox_event where id = any(?)", String.class,
                        (Object) ids.toArray(Long[]::new))).doesNotContain("received", "published", "waiting"));

        Map<String, Boolean> movesMoney = catalogue();
        for (Map<String, Object> e : jdbc.queryForList("select event_type, status, status_reason from inbox_event where id = any(?)",
                (Object) ids.toArray(Long[]::new))) {
            String type = (String) e.get("event_type");
            if (Boolean.TRUE.equals(movesMoney.get(type))) {
                assertThat(e.get("status")).as(type + ": " + e.get("status_reason")).isIn("posted", "exception");
            }
            assertThat(e.get("status")).as(type + ": " + e.get("status_reason"))
                    .isEqualTo(type.equals("customer_cash_balance_transaction.created") ? "exception"
                            : type.equals("invoice.created") || type.equals("invoiceitem.created") ? "ignored" : "posted");
        }
        // the invoice is settled; 1010 moved by the payment, its fee, the refund, the dispute and its fee, the capture
        assertThat(balance(run, "1100")).isZero();
        assertThat(balance(run, "1010")).isEqualTo(1_000 - 59 - 100 - 900 - 1_500 + 100 - 33);
        assertThat(balance(run, "2100")).isEqualTo(-100 - 500);
        assertThat(balance(run, "4900")).isEqualTo(100 + 900 + 500);
        assertThat(balance(run, "1060")).isZero();
        assertThat(balance(run, "6200")).isEqualTo(1_500);
        assertThat(balance(run, "6000")).isEqualTo(59 + 33);
        assertThat(balance(run, "1000")).isZero();
        assertThat(jdbc.queryForObject("""
                select count(*) from exception_item x join inbox_event i on i.id = x.inbox_event_id
                where i.id = any(?) and x.kind = 'no_posting_rule'""", Integer.class, (Object) ids.toArray(Long[]::new))).isEqualTo(1);
        assertThat(jdbc.queryForList("select entry_id from journal_line group by entry_id having sum(debit) <> sum(credit)")).isEmpty();
        if (order.equals("in order")) {
            // in the story's order, each published object posts exactly its golden entries (<name>.entries.json)
            for (int i = 0; i < story.size(); i++) {
                Path golden = CORPUS.resolve(version).resolve(story.get(i) + ".entries.json");
                JsonNode actual = entries(ids.get(i), run);
                if (!Files.exists(golden) && Boolean.getBoolean("golden.update")) {
                    Files.writeString(golden, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n");
                }
                assertThat(golden).as("golden entries of " + story.get(i)).exists();
                assertThat(actual).as(version + " " + story.get(i)).isEqualTo(JSON.readTree(golden.toFile()));
            }
        }
    }

    /** The entries an event posted, as a golden file keeps them: rule, date, currency, key without the run's suffix, lines. */
    private JsonNode entries(long inboxId, String run) throws java.io.IOException {
        com.fasterxml.jackson.databind.node.ArrayNode out = JSON.createArrayNode();
        for (Map<String, Object> e : jdbc.queryForList("""
                select id, entry_key, posting_rule, entry_date::text as d, currency from journal_entry
                where ? = any(source_event_ids) order by id""", inboxId)) {
            com.fasterxml.jackson.databind.node.ObjectNode entry = out.addObject();
            entry.put("key", ((String) e.get("entry_key")).replace(run, ""));
            entry.put("postingRule", (String) e.get("posting_rule"));
            entry.put("date", (String) e.get("d"));
            entry.put("currency", (String) e.get("currency"));
            com.fasterxml.jackson.databind.node.ArrayNode lines = entry.putArray("lines");
            jdbc.queryForList("select account_code, debit, credit from journal_line where entry_id = ? order by line_no", e.get("id"))
                    .forEach(l -> lines.addObject().put("account", (String) l.get("account_code"))
                            .put("debit", ((Number) l.get("debit")).longValue()).put("credit", ((Number) l.get("credit")).longValue()));
        }
        return JSON.readTree(out.toString());
    }

    private long balance(String run, String account) {
        Long v = jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                where e.entry_key like ? and l.account_code = ?""", Long.class, "%" + run + "%", account);
        return v == null ? 0 : v;
    }

    private static String withSuffix(String body, String run) {
        Matcher m = IDS.matcher(body);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement("\"" + m.group(1) + run + "\""));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Map<String, Boolean> catalogue() throws java.io.IOException {
        JsonNode types = new ObjectMapper(new YAMLFactory()).readTree(Path.of("mappings/stripe/catalogue.yaml").toFile()).path("types");
        Map<String, Boolean> out = new java.util.HashMap<>();
        types.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().path("movesMoney").asBoolean()));
        return out;
    }
}
