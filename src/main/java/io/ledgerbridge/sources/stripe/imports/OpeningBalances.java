package io.ledgerbridge.sources.stripe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.LedgerMappings;
import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.OpeningReceivables;
import io.ledgerbridge.ledger.domain.AccountRole;
import io.ledgerbridge.ledger.domain.AccountRoles;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.ledger.domain.RevenueLine;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Opening balances of an import that starts at a date: the invoices finalized before it and still open
 * on it (per Stripe's status transitions), per customer and currency one entry dated the day before:
 * Dr 1100 the open amounts, Cr 2000 what of their service periods is not yet earned on that date, the
 * difference to 3900 Opening Balance Equity. The invoices are registered as receivables
 * ({@code ar_invoice}, with their unearned lines re-based to start on the date in {@code invoice_line}),
 * so the payments the import or a webhook brings later apply to them and recognition earns the rest.
 * An invoice the ledger already has (its finalization came by webhook) is not booked again. Entry key
 * {@code stripe:opening:<customer>:<currency>:<date>}: booking twice finds the first.
 * <p>
 * Not booked: invoices voided after the date (the void would reverse the whole opening entry of their
 * customer, which is more than the invoice), and deferred revenue on invoices already paid before the
 * date (the receivables are what the opening matches to Stripe).
 */
@Component
public class OpeningBalances {

    private static final Logger log = LoggerFactory.getLogger(OpeningBalances.class);

    private final StripeLists lists;
    private final LedgerStore ledger;
    private final LedgerMappings mappings;
    private final CustomerDirectory customers;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final ZoneId zone;
    private final OpeningReceivables receivables;

    public OpeningBalances(StripeLists lists, LedgerStore ledger, LedgerMappings mappings, CustomerDirectory customers,
                           JdbcTemplate jdbc, TransactionTemplate tx, @Value("${ledgerbridge.timezone:UTC}") String timezone,
                           OpeningReceivables receivables) {
        this.receivables = receivables;
        this.lists = lists;
        this.ledger = ledger;
        this.mappings = mappings;
        this.customers = customers;
        this.jdbc = jdbc;
        this.tx = tx;
        this.zone = ZoneId.of(timezone);
    }

    /** An invoice open on the date: what is open, and its lines' unearned parts re-based to the date. */
    record OpenInvoice(String id, String customer, String currency, long open, LocalDate invoiceDate,
                       List<RevenueLine> unearned) {
        long unearnedTotal() {
            return unearned.stream().mapToLong(RevenueLine::amount).sum();
        }
    }

    /** Books the opening entries at {@code from}; returns how many entries were posted. */
    public int book(long importId, LocalDate from, LongConsumer read) {
        long fromEpoch = from.atStartOfDay(zone).toEpochSecond();
        Map<String, List<OpenInvoice>> byCustomerCurrency = new TreeMap<>();
        String after = null;
        while (true) {
            StripeLists.Page page = lists.page("/v1/invoices", Map.of("created[lt]", Long.toString(fromEpoch)), after);
            if (page == null) {
                break;
            }
            read.accept(page.data().size());
            for (JsonNode invoice : page.data()) {
                OpenInvoice open = openOn(invoice, from, fromEpoch);
                if (open != null) {
                    byCustomerCurrency.computeIfAbsent(open.customer() + " " + open.currency(), k -> new ArrayList<>()).add(open);
                }
            }
            if (!page.hasMore() || page.data().isEmpty()) {
                break;
            }
            after = page.lastId();
        }
        int posted = 0;
        for (List<OpenInvoice> invoices : byCustomerCurrency.values()) {
            Boolean done = tx.execute(status -> post(invoices, from));
            posted += Boolean.TRUE.equals(done) ? 1 : 0;
        }
        log.info("Stripe import {}: opening balances at {}: {} customers and currencies, {} entries posted", importId, from,
                byCustomerCurrency.size(), posted);
        return posted;
    }

    /** The invoice as it stood at the start of {@code from}, or null when it was not open then. */
    OpenInvoice openOn(JsonNode invoice, LocalDate from, long fromEpoch) {
        JsonNode t = invoice.path("status_transitions");
        long finalizedAt = t.path("finalized_at").asLong(0);
        String status = invoice.path("status").asText();
        if (finalizedAt == 0 || finalizedAt >= fromEpoch || status.equals("draft")) {
            return null;
        }
        long open;
        switch (status) {
            case "open" -> open = invoice.path("amount_remaining").asLong();
            case "paid" -> open = t.path("paid_at").asLong(0) >= fromEpoch ? invoice.path("amount_due").asLong() : 0;
            case "uncollectible" -> open = t.path("marked_uncollectible_at").asLong(0) >= fromEpoch
                    ? invoice.path("amount_remaining").asLong() : 0;
            default -> open = 0; // void: see the class comment
        }
        if (open <= 0) {
            return null;
        }
        List<RevenueLine> unearned = new ArrayList<>();
        for (JsonNode line : invoice.path("lines").path("data")) {
            if (!line.path("period").has("start") || !line.path("period").has("end")) {
                continue;
            }
            LocalDate start = date(line.path("period").path("start").asLong());
            LocalDate end = date(line.path("period").path("end").asLong());
            if (!end.isAfter(from) || !end.isAfter(start)) {
                continue;
            }
            long net = line.path("amount").asLong();
            for (JsonNode d : line.path("discount_amounts")) {
                net -= d.path("amount").asLong();
            }
            String product = text(line.path("price").path("product"));
            LedgerMappings.ProductRule rule = mappings.product(product, true);
            if (!"ratable".equals(rule.method())) {
                continue;
            }
            RevenueLine whole = new RevenueLine(line.path("id").asText(), product, rule.account(), rule.method(), net,
                    start, end, true);
            long left = net - whole.earnedThrough(from.minusDays(1));
            if (left != 0) {
                unearned.add(new RevenueLine(whole.lineId(), product, rule.account(), rule.method(), left,
                        start.isAfter(from) ? start : from, end, true));
            }
        }
        return new OpenInvoice(invoice.path("id").asText(), text(invoice.path("customer")),
                invoice.path("currency").asText().toUpperCase(Locale.ROOT), open, date(finalizedAt), unearned);
    }

    /** One customer's and currency's entry and receivables, in the caller's transaction; false when booked before. */
    private boolean post(List<OpenInvoice> candidates, LocalDate from) {
        OpenInvoice first = candidates.get(0);
        String customer = customers.resolve("stripe", first.customer());
        // the invoices the ledger does not have yet (a webhook may have brought their finalization)
        List<String> known = jdbc.queryForList("select invoice_id from ar_invoice where invoice_id = any(?)", String.class,
                (Object) candidates.stream().map(i -> "stripe:" + i.id()).toArray(String[]::new));
        List<OpenInvoice> invoices = candidates.stream().filter(i -> !known.contains("stripe:" + i.id())).toList();
        if (invoices.isEmpty()) {
            return false;
        }
        long ar = invoices.stream().mapToLong(OpenInvoice::open).sum();
        AccountRoles roles = mappings.roles();
        List<JournalLine> lines = new ArrayList<>();
        lines.add(JournalLine.debit(roles.code(AccountRole.RECEIVABLE), ar, customer, null));
        long deferred = 0;
        for (OpenInvoice i : invoices) {
            for (RevenueLine l : i.unearned()) {
                lines.add(JournalLine.credit(roles.code(AccountRole.DEFERRED_REVENUE), l.amount(), customer, l.product()));
                deferred += l.amount();
            }
        }
        if (ar != deferred) {
            lines.add(JournalLine.credit(roles.code(AccountRole.OPENING_BALANCE_EQUITY), ar - deferred, customer, null));
        }
        LocalDate date = from.minusDays(1);
        String key = "stripe:opening:" + first.customer() + ":" + first.currency() + ":" + date;
        JournalEntry entry = new JournalEntry(key, date, first.currency(),
                "Opening balance at " + from + ": " + invoices.size() + " open Stripe invoices of " + first.customer(),
                "opening_balance", customer, null, lines);
        Long entryId = ledger.post(entry, null).orElse(null);
        if (entryId == null) {
            return false;
        }
        for (OpenInvoice i : invoices) {
            receivables.register("stripe:" + i.id(), customer, i.currency(), i.open(), i.invoiceDate(), entryId, i.unearned(),
                    "opening balance: unearned at " + from);
        }
        return true;
    }

    private LocalDate date(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).atZone(zone).toLocalDate();
    }

    private static String text(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        return node.hasNonNull("id") ? node.get("id").asText() : null;
    }
}
