package io.ledgerbridge.sources.stripe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import io.ledgerbridge.platform.jobs.JobProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Missed-event recovery (issue 21): webhooks are push only, and an endpoint that was down or refused
 * Stripe's signature longer than Stripe retries (three days) loses those events. A scheduled run
 * ({@code routes/ops/ops-stripe-event-recovery.camel.yaml}) lists {@code /v1/events} created since the
 * newest event an earlier run saw (Stripe keeps 30 days) and stores, through the webhooks' inbox and
 * with their real Stripe ids, the ones the inbox lacks; a webhook arriving later is a duplicate.
 * One run at a time cluster-wide: a run holds a PostgreSQL advisory lock for its transaction; another
 * instance finding it taken skips its turn. Each run is a {@code job_run} of kind
 * {@code stripe_event_recovery} with detail {listed, recovered}; recovered events are counted by
 * {@code ledgerbridge.stripe.recovered.events}.
 */
@Service("stripeEventRecovery")
public class StripeEventRecovery {

    private static final Logger log = LoggerFactory.getLogger(StripeEventRecovery.class);
    static final String KIND = "stripe_event_recovery";
    private static final long LOCK = 0x4c42_5245_4356L; // "LBRECV"

    /** The outcome of one run; {@code skipped} when another instance was running one. */
    public record Run(Long id, boolean skipped, long since, int listed, int recovered, Long newestCreated) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StripeLists lists;
    private final StripeInbox inbox;
    private final JobProgress jobs;
    private final Counter recoveredCounter;
    private final Duration firstLookback;
    private final long overlapSeconds;

    private final boolean enabled;

    public StripeEventRecovery(JdbcTemplate jdbc, TransactionTemplate tx, StripeLists lists, StripeInbox inbox,
                               JobProgress jobs, MeterRegistry registry,
                               @Value("${ledgerbridge.stripe.recovery.first-lookback:P30D}") Duration firstLookback,
                               @Value("${ledgerbridge.stripe.recovery.overlap-seconds:300}") long overlapSeconds,
                               @Value("${ledgerbridge.stripe.recovery.enabled:true}") boolean enabled) {
        this.enabled = enabled;
        this.jdbc = jdbc;
        this.tx = tx;
        this.lists = lists;
        this.inbox = inbox;
        this.jobs = jobs;
        this.firstLookback = firstLookback;
        this.overlapSeconds = overlapSeconds;
        this.recoveredCounter = Counter.builder("ledgerbridge.stripe.recovered.events")
                .description("Stripe events the inbox lacked, recovered from Stripe's event list").register(registry);
    }

    /** The scheduled run: nothing when switched off ({@code ledgerbridge.stripe.recovery.enabled}) or without a Stripe key. */
    public void scheduled() {
        if (!enabled) {
            return;
        }
        if (!lists.configured()) {
            log.debug("Stripe event recovery: no Stripe API key configured, nothing to do");
            return;
        }
        recover("schedule");
    }

    /**
     * Lists the events since the newest one an earlier run saw (less {@code overlap-seconds}, for events
     * Stripe lists a little late; the first run looks back {@code first-lookback}) and stores those the
     * inbox lacks.
     */
    public Run recover(String user) {
        if (!lists.configured()) {
            throw new StripeLists.NotConfigured();
        }
        return tx.execute(status -> {
            if (!Boolean.TRUE.equals(jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, LOCK))) {
                log.info("Stripe event recovery: another instance is running it");
                return new Run(null, true, 0, 0, 0, null);
            }
            Long newest = jdbc.queryForObject("select max(newest_created) from stripe_event_recovery where status = 'succeeded'",
                    Long.class);
            long since = newest != null ? newest - overlapSeconds : Instant.now().minus(firstLookback).getEpochSecond();
            long jobId = jobs.start(KIND, "events since " + Instant.ofEpochSecond(since), null, user);
            long id = jdbc.queryForObject("insert into stripe_event_recovery (job_id, since_created) values (?, ?) returning id",
                    Long.class, jobId, since);
            try {
                Run run = listAndStore(id, jobId, since);
                jdbc.update("""
                        update stripe_event_recovery set status = 'succeeded', listed = ?, recovered = ?,
                               newest_created = coalesce(?, ?), finished_at = now() where id = ?""",
                        run.listed(), run.recovered(), run.newestCreated(), newest, id);
                jobs.advance(jobId, run.listed(), (long) run.listed(), Map.of("listed", run.listed(), "recovered", run.recovered()));
                jobs.finish(jobId, "succeeded", run.listed() + " events listed, " + run.recovered() + " recovered");
                if (run.recovered() > 0) {
                    log.warn("Stripe event recovery: {} of {} events listed since {} were missing from the inbox and are stored now",
                            run.recovered(), run.listed(), Instant.ofEpochSecond(since));
                } else {
                    log.info("Stripe event recovery: {} events listed since {}, none missing", run.listed(), Instant.ofEpochSecond(since));
                }
                return run;
            } catch (RuntimeException e) {
                jobs.finish(jobId, "failed", e.getMessage());
                throw e;
            }
        });
    }

    private Run listAndStore(long id, long jobId, long since) {
        Map<String, String> filters = Map.of("created[gte]", Long.toString(since));
        int listed = 0;
        int recovered = 0;
        Long newestCreated = null;
        String after = null;
        while (true) {
            StripeLists.Page page = lists.page("/v1/events", filters, after);
            if (page == null) {
                break;
            }
            listed += page.data().size();
            List<JsonNode> missing = missing(page.data());
            for (JsonNode event : page.data()) {
                long created = event.path("created").asLong();
                newestCreated = newestCreated == null ? created : Math.max(newestCreated, created);
            }
            for (JsonNode event : missing) {
                if (store(event)) {
                    recovered++;
                    recoveredCounter.increment();
                }
            }
            jobs.advance(jobId, listed, null, Map.of("listed", listed, "recovered", recovered));
            if (!page.hasMore() || page.data().isEmpty()) {
                break;
            }
            after = page.lastId();
        }
        return new Run(id, false, since, listed, recovered, newestCreated);
    }

    /** The events of a page the inbox does not have. */
    private List<JsonNode> missing(List<JsonNode> events) {
        String[] ids = events.stream().map(e -> e.path("id").asText()).toArray(String[]::new);
        Set<String> known = new HashSet<>(jdbc.queryForList(
                "select event_id from inbox_event where source = 'stripe' and event_id = any(?)", String.class, (Object) ids));
        List<JsonNode> missing = new ArrayList<>();
        for (JsonNode e : events) {
            if (!known.contains(e.path("id").asText())) {
                missing.add(e);
            }
        }
        return missing;
    }

    private boolean store(JsonNode event) {
        return !inbox.store(event).duplicate();
    }

    /** The last run and the totals of all runs, for {@code GET /api/stripe/recovery}. */
    public Map<String, Object> summary() {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("configured", lists.configured());
        jdbc.query("""
                select count(*), coalesce(sum(listed), 0), coalesce(sum(recovered), 0),
                       count(*) filter (where recovered > 0) from stripe_event_recovery where status = 'succeeded'""", rs -> {
                    answer.put("runs", rs.getLong(1));
                    answer.put("listed", rs.getLong(2));
                    answer.put("recovered", rs.getLong(3));
                    answer.put("runsThatFoundGaps", rs.getLong(4));
                });
        jdbc.query("""
                select id, job_id, since_created, newest_created, listed, recovered, status, message, started_at, finished_at
                from stripe_event_recovery order by id desc limit 1""", rs -> {
                    Map<String, Object> last = new LinkedHashMap<>();
                    last.put("id", rs.getLong(1));
                    last.put("jobId", rs.getLong(2));
                    last.put("since", Instant.ofEpochSecond(rs.getLong(3)).toString());
                    long newest = rs.getLong(4);
                    if (!rs.wasNull()) {
                        last.put("newestEvent", Instant.ofEpochSecond(newest).toString());
                    }
                    last.put("listed", rs.getInt(5));
                    last.put("recovered", rs.getInt(6));
                    last.put("status", rs.getString(7));
                    if (rs.getString(8) != null) {
                        last.put("message", rs.getString(8));
                    }
                    last.put("startedAt", rs.getObject(9, java.time.OffsetDateTime.class));
                    last.put("finishedAt", rs.getObject(10, java.time.OffsetDateTime.class));
                    answer.put("lastRun", last);
                });
        return answer;
    }
}
