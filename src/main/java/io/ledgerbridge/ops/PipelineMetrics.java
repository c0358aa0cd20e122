package io.ledgerbridge.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Pipeline state for /actuator/prometheus, read from the database every 5 s (not per scrape):
 * inbox events by status, the processing lag (age of the oldest event without an outcome),
 * open dead letters and open exceptions.
 */
@Component
public class PipelineMetrics {

    private static final List<String> STATUSES = List.of("received", "published", "posted", "ignored", "waiting",
            "exception", "dead_lettered", "discarded");

    private final JdbcTemplate jdbc;
    private final Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private final AtomicLong lagSeconds = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong exceptions = new AtomicLong();

    public PipelineMetrics(JdbcTemplate jdbc, MeterRegistry registry) {
        this.jdbc = jdbc;
        for (String s : STATUSES) {
            AtomicLong v = new AtomicLong();
            byStatus.put(s, v);
            Gauge.builder("ledgerbridge.inbox.events", v, AtomicLong::get).tag("status", s)
                    .description("Inbox events by status").register(registry);
        }
        Gauge.builder("ledgerbridge.processing.lag", lagSeconds, AtomicLong::get).baseUnit("seconds")
                .description("Age of the oldest accepted event without an outcome").register(registry);
        Gauge.builder("ledgerbridge.dead.letters.open", deadLetters, AtomicLong::get).register(registry);
        Gauge.builder("ledgerbridge.exceptions.open", exceptions, AtomicLong::get).register(registry);
    }

    @Scheduled(fixedDelay = 5000, initialDelay = 2000)
    public void refresh() {
        Map<String, Long> counts = new ConcurrentHashMap<>();
        jdbc.query("select status, count(*) from inbox_event group by status",
                rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        byStatus.forEach((s, v) -> v.set(counts.getOrDefault(s, 0L)));
        Long lag = jdbc.queryForObject("""
                select coalesce(extract(epoch from now() - min(received_at))::bigint, 0) from inbox_event
                where status in ('received', 'published')""", Long.class);
        lagSeconds.set(lag == null ? 0 : lag);
        deadLetters.set(jdbc.queryForObject("select count(*) from dead_letter where status = 'open'", Long.class));
        exceptions.set(jdbc.queryForObject("select count(*) from exception_item where status = 'open'", Long.class));
    }
}
