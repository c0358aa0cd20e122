package io.ledgerbridge.pipeline;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Pipeline state for /actuator/prometheus, read from the database (not per scrape): inbox events by
 * status, the processing lag (age of the oldest event without an outcome), open dead letters and open
 * exceptions, every 5 s. The events still in the pipeline (received, published, waiting, exception,
 * dead-lettered) are few and counted through the status index every time; the finished ones (posted,
 * ignored, discarded) are most of a growing inbox, so they are counted every
 * {@code ledgerbridge.metrics.finished-refresh-seconds} (300) only.
 */
@Component
public class PipelineMetrics {

    private static final List<String> IN_FLIGHT = List.of("received", "published", "waiting", "exception", "dead_lettered");
    private static final List<String> FINISHED = List.of("posted", "ignored", "discarded");

    private final JdbcTemplate jdbc;
    private final Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private final AtomicLong lagSeconds = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong exceptions = new AtomicLong();
    private final long finishedEveryNanos;
    private long finishedCountedAt;

    public PipelineMetrics(JdbcTemplate jdbc, MeterRegistry registry,
                           @Value("${ledgerbridge.metrics.finished-refresh-seconds:300}") long finishedRefreshSeconds) {
        this.jdbc = jdbc;
        this.finishedEveryNanos = TimeUnit.SECONDS.toNanos(finishedRefreshSeconds);
        this.finishedCountedAt = System.nanoTime() - finishedEveryNanos; // the first refresh counts them
        for (String s : Stream.concat(IN_FLIGHT.stream(), FINISHED.stream()).toList()) {
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
        count(IN_FLIGHT);
        if (System.nanoTime() - finishedCountedAt >= finishedEveryNanos) {
            count(FINISHED);
            finishedCountedAt = System.nanoTime();
        }
        // materialized: the in-flight events are read through the status index. As a plain min() the planner
        // walks the received_at index from the oldest event, through every finished one (142 ms at 300,000
        // events, against 0.7 ms)
        Long lag = jdbc.queryForObject("""
                with in_flight as materialized (
                    select received_at from inbox_event where status in ('received', 'published'))
                select coalesce(extract(epoch from now() - min(received_at))::bigint, 0) from in_flight""", Long.class);
        lagSeconds.set(lag == null ? 0 : lag);
        deadLetters.set(jdbc.queryForObject("select count(*) from dead_letter where status = 'open'", Long.class));
        exceptions.set(jdbc.queryForObject("select count(*) from exception_item where status = 'open'", Long.class));
    }

    private void count(List<String> statuses) {
        Map<String, Long> counts = new HashMap<>();
        jdbc.query("select status, count(*) from inbox_event where status = any(?) group by status",
                rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                }, (Object) statuses.toArray(String[]::new));
        statuses.forEach(s -> byStatus.get(s).set(counts.getOrDefault(s, 0L)));
    }
}
