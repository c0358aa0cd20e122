package io.ledgerbridge.usage.web;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import io.swagger.v3.oas.annotations.Operation;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Usage summary: per customer and month, accepted quantity and events per metric, and what is held. */
@RestController
@RequestMapping("/api/usage")
public class UsageApi {

    private final JdbcTemplate jdbc;
    private final ZoneId zone;
    private final io.ledgerbridge.usage.UsageClose close;

    public UsageApi(JdbcTemplate jdbc, @Value("${ledgerbridge.timezone:UTC}") String timezone, io.ledgerbridge.usage.UsageClose close) {
        this.jdbc = jdbc;
        this.zone = ZoneId.of(timezone);
        this.close = close;
    }

    private static YearMonth month(String period) {
        try {
            return YearMonth.parse(period);
        } catch (DateTimeParseException e) {
            throw ApiErrors.ApiException.badRequest("period", "period is yyyy-MM, got '" + period + "'");
        }
    }

    @org.springframework.web.bind.annotation.PostMapping("/close")
    @Operation(summary = "Close a billing period for usage (admin): rate against contract prices, accrue 1150/4100, push to Stripe; idempotent")
    public io.ledgerbridge.usage.UsageClose.Result close(@RequestParam String period, java.security.Principal user) {
        try {
            return close.close(month(period), user.getName());
        } catch (io.ledgerbridge.usage.UsageClose.NotNow e) {
            throw ApiErrors.ApiException.conflict(e.getMessage());
        }
    }

    @GetMapping("/charges")
    @Operation(summary = "Rated usage charges by customer and period: quantity, amount, accrual entry, Stripe invoice item, relieving invoice")
    public List<Map<String, Object>> charges(@RequestParam(required = false) String customer,
                                             @RequestParam(required = false) String period,
                                             @RequestParam(defaultValue = "100") int limit,
                                             @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        if (period != null) {
            month(period);
        }
        return jdbc.queryForList("""
                select id, customer_id as "customer", period, metric, kind, contract_id as "contract", currency, quantity, events,
                       amount, description, accrual_entry_id as "accrualEntry", stripe_invoice_item as "stripeInvoiceItem",
                       pushed_at as "pushedAt", invoiced_in as "invoicedIn", relief_entry_id as "reliefEntry"
                from usage_charge where (?::text is null or customer_id = ?) and (?::text is null or period = ?)
                order by period, customer_id, metric, kind limit ? offset ?""", customer, customer, period, period, limit, offset);
    }

    @GetMapping
    @Operation(summary = "Usage of a golden customer in a month (yyyy-MM, company time zone): per metric quantity and events, held events")
    public Map<String, Object> summary(@RequestParam String customer, @RequestParam String period) {
        YearMonth month = month(period);
        java.sql.Timestamp from = java.sql.Timestamp.from(month.atDay(1).atStartOfDay(zone).toInstant());
        java.sql.Timestamp to = java.sql.Timestamp.from(month.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant());
        List<Map<String, Object>> metrics = jdbc.queryForList("""
                select metric, sum(quantity) as quantity, count(*) as events from usage_event
                where customer_id = ? and status = 'accepted' and occurred_at >= ? and occurred_at < ?
                group by metric order by metric""", customer, from, to);
        List<Map<String, Object>> held = jdbc.queryForList("""
                select e.producer, e.event_id as "eventId", e.metric, e.quantity, e.occurred_at as "occurredAt", e.reason,
                       b.feed, b.name as "batch"
                from usage_event e join usage_batch b on b.id = e.batch_id
                where e.customer_id = ? and e.status = 'held' and e.occurred_at >= ? and e.occurred_at < ?
                order by e.occurred_at, e.event_id limit 1000""", customer, from, to);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("customer", customer);
        out.put("period", month.toString());
        out.put("metrics", metrics);
        out.put("held", held);
        return out;
    }
}
