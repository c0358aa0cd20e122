package io.ledgerbridge.sources.stripe.imports;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.support.FakeStripeApi;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opening balances: an import from 2026-06-01 books the invoices open on that day (one still open, one paid
 * only after it; not one paid before) as one entry dated 2026-05-31, with the unearned deferred revenue on
 * them, and registers them so a payment inside the range applies to its invoice.
 */
@LedgerbridgeTest
class OpeningBalancesTest extends ImportTestSupport {




    private static ObjectNode paid(ObjectNode invoice, Instant at) {
        invoice.put("status", "paid");
        invoice.put("amount_paid", invoice.path("amount_due").asLong());
        invoice.put("amount_remaining", 0);
        ((ObjectNode) invoice.get("status_transitions")).put("paid_at", at.getEpochSecond());
        return invoice;
    }

    @Test
    void openInvoicesAtTheStartAreOneOpeningEntryAndLaterPaymentsApplyToThem() throws Exception {
        String cus = "cus_" + uid();
        Instant x = Instant.parse("2026-05-10T00:00:00Z");
        Instant y = Instant.parse("2026-05-20T00:00:00Z");
        String stillOpen = "in_" + uid();
        String paidLater = "in_" + uid();
        String ch = "ch_" + uid();
        FakeStripeApi.add(
                // annual, open: 1,200,000 over 365 days, 22 days earned by 2026-05-31
                invoice(stillOpen, cus, "usd", 1_200_000, x, Instant.parse("2027-05-10T00:00:00Z"), x, "prod_platform_annual"),
                // 300,000 over 31 days, paid 2026-06-05: open on 2026-06-01, 12 days earned
                paid(invoice(paidLater, cus, "usd", 300_000, y, Instant.parse("2026-06-20T00:00:00Z"), y, "prod_platform_annual"),
                        Instant.parse("2026-06-05T10:00:00Z")),
                // paid before the start: not open on it
                paid(invoice("in_" + uid(), cus, "usd", 70_000, x, Instant.parse("2026-06-10T00:00:00Z"), x, "prod_platform_annual"),
                        Instant.parse("2026-05-15T10:00:00Z")),
                charge(ch, cus, paidLater, "usd", 300_000, 9_000L, Instant.parse("2026-06-05T10:00:00Z")));

        HttpResponse<String> r = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"2026-06-01\",\"to\":\"2026-07-01\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        long id = JSON.readTree(r.body()).path("id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> !"running".equals(
                jdbc.queryForObject("select status from stripe_import where id = ?", String.class, id)));
        JsonNode done = JSON.readTree(http.get("/api/stripe/imports/" + id, "viewer", "viewer-test").body());
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("openingEntries").asInt()).isEqualTo(1);

        long unearnedAnnual = 1_200_000 - Math.round(1_200_000 * 22 / 365.0);   // 1,127,671
        long unearnedMonth = 300_000 - Math.round(300_000 * 12 / 31.0);        // 183,871
        Map<String, Object> entry = jdbc.queryForMap("select id, entry_date::text d, posting_rule from journal_entry where entry_key = ?",
                "stripe:opening:" + cus + ":USD:2026-05-31");
        assertThat(entry.get("d")).isEqualTo("2026-05-31");
        assertThat(entry.get("posting_rule")).isEqualTo("opening_balance");
        long entryId = ((Number) entry.get("id")).longValue();
        assertThat(line(entryId, "1100")).isEqualTo(1_500_000);
        assertThat(line(entryId, "2000")).isEqualTo(-(unearnedAnnual + unearnedMonth));
        assertThat(line(entryId, "3900")).isEqualTo(-(1_500_000 - unearnedAnnual - unearnedMonth));

        // the trial balance on the start date holds Stripe's open receivables of the day
        assertThat(balance(List.of(cus), "1100", "2026-05-31")).isEqualTo(1_500_000);
        // the payment in the range applied to its invoice
        await().atMost(Duration.ofSeconds(30)).until(() -> balance(List.of(cus), "1100", "2026-12-31") == 1_200_000);
        assertThat(jdbc.queryForObject("select status from ar_invoice where invoice_id = ?", String.class, "stripe:" + paidLater))
                .isEqualTo("paid");

        // a second import from the same day books nothing twice
        HttpResponse<String> again = http.postAs("/api/stripe/imports", "admin", "admin-test",
                "{\"from\":\"2026-06-01\",\"to\":\"2026-07-01\"}");
        long second = JSON.readTree(again.body()).path("id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> !"running".equals(
                jdbc.queryForObject("select status from stripe_import where id = ?", String.class, second)));
        assertThat(jdbc.queryForObject("select opening_entries from stripe_import where id = ?", Integer.class, second)).isZero();
        assertThat(balance(List.of(cus), "1100", "2026-05-31")).isEqualTo(1_500_000);
    }

    private long line(long entryId, String account) {
        Long v = jdbc.queryForObject("select coalesce(sum(debit - credit), 0) from journal_line where entry_id = ? and account_code = ?",
                Long.class, entryId, account);
        return v == null ? 0 : v;
    }

}
