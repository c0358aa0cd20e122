package io.ledgerbridge.ops;

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

    public UsageApi(JdbcTemplate jdbc, @Value("${ledgerbridge.timezone:UTC}") String timezone) {
        this.jdbc = jdbc;
        this.zone = ZoneId.of(timezone);
    }

    @GetMapping
    @Operation(summary = "Usage of a golden customer in a month (yyyy-MM, company time zone): per metric quantity and events, held events")
    public Map<String, Object> summary(@RequestParam String customer, @RequestParam String period) {
        YearMonth month;
        try {
            month = YearMonth.parse(period);
        } catch (DateTimeParseException e) {
            throw ApiErrors.ApiException.badRequest("period", "period is yyyy-MM, got '" + period + "'");
        }
        java.sql.Timestamp from = java.sql.Timestamp.from(month.atDay(1).atStartOfDay(zone).toInstant());
        java.sql.Timestamp to = java.sql.Timestamp.from(month.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant());
        List<Map<String, Object>> metrics = jdbc.queryForList("""
                select metric, sum(quantity) as quantity, count(*) as events from usage_event
                where customer_id = ? and status = 'accepted' and occurred_at >= ? and occurred_at < ?
                group by metric order by metric""", customer, from, to);
        List<Map<String, Object>> held = jdbc.queryForList("""
                select producer, event_id as "eventId", metric, quantity, occurred_at as "occurredAt", reason, feed
                from usage_event where customer_id = ? and status = 'held' and occurred_at >= ? and occurred_at < ?
                order by id limit 1000""", customer, from, to);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("customer", customer);
        out.put("period", month.toString());
        out.put("metrics", metrics);
        out.put("held", held);
        return out;
    }
}
