package io.ledgerbridge.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.mapping.YamlSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores a batch of usage records, set-based: customers and closed periods are looked up once per
 * batch, and all rows go in with one array-bound insert that skips (producer, event id) pairs
 * already stored, so the same event by HTTP, CSV or Kafka counts once. A record for an unknown
 * customer or metric, with a negative quantity, or dated in a closed period or the future, is stored
 * as held with its reason and opens an exception: never dropped, never rated.
 */
@Service
public class UsageIngest {

    private static final Logger log = LoggerFactory.getLogger(UsageIngest.class);

    /** What a batch did. */
    public record Summary(String batch, int received, int accepted, int duplicates, int held) {
    }

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final Set<String> metrics = new HashSet<>();
    private final ZoneId zone;
    private final MeterRegistry registry;

    public UsageIngest(JdbcTemplate jdbc, ObjectMapper mapper, MeterRegistry registry,
                       @Value("${ledgerbridge.mappings-dir}") String mappingsDir,
                       @Value("${ledgerbridge.timezone:UTC}") String timezone) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.registry = registry;
        this.zone = ZoneId.of(timezone);
        Path base = Path.of(mappingsDir);
        YamlSource yaml = YamlSource.read(base.resolve("usage/metrics.yaml"), base);
        metrics.addAll(yaml.entries(yaml.required(yaml.entries(yaml.root()), yaml.root(), "metrics")).keySet());
    }

    @Transactional
    public Summary ingest(String feed, String batch, List<UsageRecord> records) {
        Set<String> refs = new HashSet<>();
        for (UsageRecord r : records) {
            refs.add(r.customerRef());
        }
        Map<String, String> customers = customers(refs);
        Set<String> closed = closedPeriods();
        Instant future = Instant.now().plus(Duration.ofMinutes(5));
        int n = records.size();
        String[] producers = new String[n];
        String[] ids = new String[n];
        String[] refsCol = new String[n];
        String[] customerIds = new String[n];
        String[] metricCol = new String[n];
        Long[] quantities = new Long[n];
        String[] times = new String[n];
        String[] properties = new String[n];
        String[] statuses = new String[n];
        String[] reasons = new String[n];
        for (int i = 0; i < n; i++) {
            UsageRecord r = records.get(i);
            String customer = customers.get(r.customerRef());
            String reason = null;
            if (customer == null) {
                reason = "unknown customer '" + r.customerRef() + "'";
            } else if (!metrics.contains(r.metric())) {
                reason = "unknown metric '" + r.metric() + "' (mappings/usage/metrics.yaml)";
            } else if (r.quantity() < 0) {
                reason = "negative quantity " + r.quantity();
            } else if (r.timestamp().isAfter(future)) {
                reason = "dated in the future: " + r.timestamp();
            } else if (closed.contains(YearMonth.from(r.timestamp().atZone(zone)).toString())) {
                reason = "dated in closed period " + YearMonth.from(r.timestamp().atZone(zone));
            }
            producers[i] = r.producer();
            ids[i] = r.eventId();
            refsCol[i] = r.customerRef();
            customerIds[i] = customer;
            metricCol[i] = r.metric();
            quantities[i] = r.quantity();
            times[i] = r.timestamp().toString();
            properties[i] = json(r.properties());
            statuses[i] = reason == null ? "accepted" : "held";
            reasons[i] = reason;
        }
        List<String> inserted = jdbc.queryForList("""
                insert into usage_event (producer, event_id, customer_ref, customer_id, metric, quantity, occurred_at,
                                         properties, feed, batch, status, reason)
                select p, e, r, c, m, q, t::timestamptz, pr::jsonb, ?, ?, s, re
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[],
                            ?::text[], ?::text[]) as u(p, e, r, c, m, q, t, pr, s, re)
                on conflict (producer, event_id) do nothing
                returning status""", String.class, feed, batch, producers, ids, refsCol, customerIds, metricCol,
                quantities, times, properties, statuses, reasons);
        int held = (int) inserted.stream().filter("held"::equals).count();
        int accepted = inserted.size() - held;
        if (held > 0) {
            openExceptions(batch);
        }
        Summary summary = new Summary(batch, n, accepted, n - inserted.size(), held);
        count(feed, summary);
        log.info("Usage batch {} ({}): {} received, {} accepted, {} duplicates, {} held", batch, feed, n, accepted,
                summary.duplicates(), held);
        return summary;
    }

    private static final String OPEN_EXCEPTIONS = """
            insert into exception_item (kind, customer_id, summary, details, requested_by)
            select 'usage_held', customer_id,
                   'Usage event ' || producer || '/' || event_id || ' held: ' || reason,
                   jsonb_build_object('usageEvent', id, 'feed', feed, 'batch', batch, 'metric', metric,
                                      'quantity', quantity, 'occurredAt', occurred_at, 'customerRef', customer_ref),
                   'usage'
            from usage_event where batch = ? and status = 'held'""";

    /** One exception per held event of the batch, with the row as stored. */
    void openExceptions(String batch) {
        jdbc.update(OPEN_EXCEPTIONS, batch);
    }

    /** The same, in the transaction of {@code conn} (a file's rows stored on a connection of their own). */
    void openExceptions(java.sql.Connection conn, String batch) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = conn.prepareStatement(OPEN_EXCEPTIONS)) {
            ps.setString(1, batch);
            ps.executeUpdate();
        }
    }

    void count(String feed, Summary summary) {
        registry.counter("ledgerbridge.usage.events", "feed", feed, "outcome", "accepted").increment(summary.accepted());
        registry.counter("ledgerbridge.usage.events", "feed", feed, "outcome", "duplicate").increment(summary.duplicates());
        registry.counter("ledgerbridge.usage.events", "feed", feed, "outcome", "held").increment(summary.held());
    }

    /** The golden customer of each reference (a golden id or an external id); unknown references are absent. */
    Map<String, String> customers(Set<String> refs) {
        Map<String, String> customers = new HashMap<>();
        if (!refs.isEmpty()) {
            String[] refArray = refs.toArray(String[]::new);
            jdbc.query("""
                    select ref, coalesce(c.id, x.customer_id) from unnest(?::text[]) ref
                    left join customer c on c.id = ref
                    left join lateral (select customer_id from customer_xref where external_id = ref limit 1) x on true""",
                    rs -> {
                        if (rs.getString(2) != null) {
                            customers.put(rs.getString(1), rs.getString(2));
                        }
                    }, (Object) refArray);
        }
        return customers;
    }

    /** Closed accounting periods (YYYY-MM). */
    Set<String> closedPeriods() {
        return new HashSet<>(jdbc.queryForList("select period from accounting_period", String.class));
    }

    Set<String> metrics() {
        return metrics;
    }

    ZoneId zone() {
        return zone;
    }

    String json(Map<String, String> properties) {
        if (properties == null || properties.isEmpty()) {
            return null;
        }
        try {
            return mapper.writeValueAsString(properties);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
