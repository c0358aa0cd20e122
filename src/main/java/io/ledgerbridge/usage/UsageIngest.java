package io.ledgerbridge.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.mapping.YamlSource;
import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores a batch of usage records, set-based: customers and closed periods are looked up once per
 * batch, and all rows go in with one array-bound insert that skips (producer, event id) pairs
 * already stored, so the same event by HTTP, CSV or Kafka counts once. A record for an unknown
 * customer or metric, with a negative quantity, or dated in a closed period or the future, is stored
 * as held with its reason and opens an exception (usage_held, on the {@link ExceptionQueue}): never
 * dropped, never rated.
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
    private final Clock clock;
    private final ExceptionQueue exceptions;

    public UsageIngest(JdbcTemplate jdbc, ObjectMapper mapper, MeterRegistry registry,
                       @Value("${ledgerbridge.mappings-dir}") String mappingsDir,
                       @Value("${ledgerbridge.timezone:UTC}") String timezone, Clock clock,
                       ExceptionQueue exceptions) {
        this.jdbc = jdbc;
        this.exceptions = exceptions;
        this.clock = clock;
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
        HoldRules rules = holdRules();
        int n = records.size();
        List<Checked> rows = new ArrayList<>(n);
        for (UsageRecord r : records) {
            String customer = customers.get(r.customerRef());
            rows.add(new Checked(r.producer(), r.eventId(), r.customerRef(), customer, r.metric(), r.quantity(), r.timestamp(),
                    json(r.properties()), rules.reason(r.customerRef(), customer, r.metric(), r.quantity(), r.timestamp())));
        }
        int[] batchId = new int[1];
        List<String> inserted = jdbc.execute((ConnectionCallback<List<String>>) conn -> {
            batchId[0] = batchId(conn, batch, feed);
            return insert(conn, batchId[0], rows);
        });
        int held = (int) inserted.stream().filter("held"::equals).count();
        if (held > 0) {
            openExceptions(batchId[0], batch, feed);
        }
        int accepted = inserted.size() - held;
        Summary summary = new Summary(batch, n, accepted, n - inserted.size(), held);
        count(feed, summary);
        log.info("Usage batch {} ({}): {} received, {} accepted, {} duplicates, {} held", batch, feed, n, accepted,
                summary.duplicates(), held);
        return summary;
    }

    /** The held events of a batch as stored, with their occurredAt as PostgreSQL writes a timestamptz in JSON. */
    private static final String HELD = """
            select customer_id, producer || '/' || event_id, reason, metric, quantity, to_jsonb(occurred_at) #>> '{}', customer_ref
            from usage_event where batch_id = ? and status = 'held'""";
    private static final int EXCEPTIONS_AT_ONCE = 10_000;

    /**
     * One exception (kind usage_held) per held event of the batch, with the row as stored, in the caller's
     * transaction; opened {@value #EXCEPTIONS_AT_ONCE} at a time (a file may hold many).
     */
    void openExceptions(int batchId, String batch, String feed) {
        List<NewException> held = new ArrayList<>();
        jdbc.query(conn -> {
            PreparedStatement ps = conn.prepareStatement(HELD);
            ps.setFetchSize(EXCEPTIONS_AT_ONCE);
            ps.setInt(1, batchId);
            return ps;
        }, (RowCallbackHandler) rs -> {
            String event = rs.getString(2);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("usageEvent", event);
            details.put("feed", feed);
            details.put("batch", batch);
            details.put("metric", rs.getString(4));
            details.put("quantity", rs.getLong(5));
            details.put("occurredAt", rs.getString(6));
            details.put("customerRef", rs.getString(7));
            held.add(NewException.of("usage_held", "usage", "Usage event " + event + " held: " + rs.getString(3), details)
                    .customer(rs.getString(1)));
            if (held.size() == EXCEPTIONS_AT_ONCE) {
                exceptions.openAll(held);
                held.clear();
            }
        });
        exceptions.openAll(held);
    }

    private static final String BATCH = """
            with added as (insert into usage_batch (name, feed) values (?, ?) on conflict (name) do nothing returning id)
            select id from added union all select id from usage_batch where name = ?""";

    /**
     * The id of the batch named {@code batch} (a file, request or poll), registered on first use in the
     * transaction of {@code conn}; a usage row names its batch by this id.
     */
    static int batchId(Connection conn, String batch, String feed) throws SQLException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (PreparedStatement ps = conn.prepareStatement(BATCH)) {
                ps.setString(1, batch);
                ps.setString(2, feed);
                ps.setString(3, batch);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getInt(1);
                    }
                }
            }
            // registered by a transaction that committed after this statement's snapshot: the next one sees it
        }
        throw new IllegalStateException("usage batch " + batch + " could not be registered");
    }

    void count(String feed, Summary summary) {
        registry.counter("ledgerbridge.usage.events", "feed", feed, "outcome", "accepted").increment(summary.accepted());
        registry.counter("ledgerbridge.usage.events", "feed", feed, "outcome", "duplicate").increment(summary.duplicates());
        registry.counter("ledgerbridge.usage.events", "feed", feed, "outcome", "held").increment(summary.held());
    }

    /** A usage event checked and ready to store: its golden customer (null when unknown) and hold reason (null when accepted). */
    record Checked(String producer, String eventId, String customerRef, String customerId, String metric, long quantity,
                   Instant at, String properties, String reason) {
    }

    /**
     * The rules a usage event is held by, as of now (one set per batch or file, not looked up per row):
     * unknown customer (no golden id), unknown metric, negative quantity, dated more than five minutes
     * ahead, dated in a closed period (in the ledger's time zone).
     */
    record HoldRules(Set<String> metrics, ZoneId zone, Set<String> closed, Instant future) {

        /** Why the event is held, or null when it is accepted. */
        String reason(String customerRef, String customerId, String metric, long quantity, Instant at) {
            if (customerId == null) {
                return "unknown customer '" + customerRef + "'";
            }
            if (!metrics.contains(metric)) {
                return "unknown metric '" + metric + "' (mappings/usage/metrics.yaml)";
            }
            if (quantity < 0) {
                return "negative quantity " + quantity;
            }
            if (at.isAfter(future)) {
                return "dated in the future: " + at.truncatedTo(ChronoUnit.SECONDS);
            }
            String month = YearMonth.from(at.atZone(zone)).toString();
            return closed.contains(month) ? "dated in closed period " + month : null;
        }
    }

    HoldRules holdRules() {
        return new HoldRules(Set.copyOf(metrics), zone, closedPeriods(), clock.instant().plus(Duration.ofMinutes(5)));
    }

    /**
     * Inserts the rows in their order on {@code conn}, skipping every key stored already (the first row
     * of a key repeated among them is the one stored); returns the status of each row stored.
     */
    static List<String> insert(Connection conn, int batchId, List<Checked> rows) throws SQLException {
        int n = rows.size();
        Object[][] columns = new Object[10][];
        for (int c = 0; c < columns.length; c++) {
            columns[c] = c == 5 ? new Long[n] : new String[n];
        }
        for (int i = 0; i < n; i++) {
            Checked r = rows.get(i);
            columns[0][i] = r.producer();
            columns[1][i] = r.eventId();
            columns[2][i] = r.customerRef();
            columns[3][i] = r.customerId();
            columns[4][i] = r.metric();
            columns[5][i] = r.quantity();
            columns[6][i] = r.at().toString();
            columns[7][i] = r.properties();
            columns[8][i] = r.reason() == null ? "accepted" : "held";
            columns[9][i] = r.reason();
        }
        List<String> stored = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("""
                insert into usage_event (producer, event_id, customer_ref, customer_id, metric, quantity, occurred_at,
                                         properties, batch_id, status, reason)
                select p, e, r, c, m, q, t::timestamptz, pr::jsonb, ?, s, re
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[],
                            ?::text[], ?::text[]) with ordinality as u(p, e, r, c, m, q, t, pr, s, re, n)
                order by n
                on conflict (producer, event_id) do nothing
                returning status""")) {
            ps.setInt(1, batchId);
            for (int c = 0; c < columns.length; c++) {
                ps.setArray(c + 2, conn.createArrayOf(c == 5 ? "int8" : "text", columns[c]));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
        }
        return stored;
    }

    private static final String CUSTOMERS = """
            select ref, coalesce(c.id, x.customer_id) from unnest(?::text[]) ref
            left join customer c on c.id = ref
            left join lateral (select customer_id from customer_xref where external_id = ref limit 1) x on true""";

    /** The golden customer of each reference (a golden id or an external id); unknown references are absent. */
    Map<String, String> customers(Set<String> refs) {
        return jdbc.execute((ConnectionCallback<Map<String, String>>) conn -> customers(conn, refs));
    }

    /** The same on a connection of the caller's (a file load looks customers up while its own connection copies). */
    Map<String, String> customers(Connection conn, Set<String> refs) throws SQLException {
        Map<String, String> customers = new HashMap<>();
        if (!refs.isEmpty()) {
            try (PreparedStatement ps = conn.prepareStatement(CUSTOMERS)) {
                ps.setArray(1, conn.createArrayOf("text", refs.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(2) != null) {
                            customers.put(rs.getString(1), rs.getString(2));
                        }
                    }
                }
            }
        }
        return customers;
    }

    /** Closed accounting periods (YYYY-MM). */
    private Set<String> closedPeriods() {
        return new HashSet<>(jdbc.queryForList("select period from accounting_period", String.class));
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
