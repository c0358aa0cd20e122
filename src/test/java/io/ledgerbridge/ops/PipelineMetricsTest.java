package io.ledgerbridge.ops;

import io.ledgerbridge.pipeline.PipelineMetrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.support.LedgerbridgeTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The inbox gauges: events still in the pipeline are counted at every refresh, the finished ones (most
 * of a growing inbox) only once per their own interval.
 */
@LedgerbridgeTest
class PipelineMetricsTest {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void inFlightStatusesAreCountedEveryRefreshFinishedOnesOnTheirOwnInterval() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = new PipelineMetrics(jdbc, registry, 3600);
        metrics.refresh();
        double waiting = gauge(registry, "waiting");
        double discarded = gauge(registry, "discarded");
        assertThat(discarded).isEqualTo(jdbc.queryForObject(
                "select count(*) from inbox_event where status = 'discarded'", Long.class).doubleValue());

        String run = UUID.randomUUID().toString();
        // waiting for an invoice that never comes: nothing in the background moves them
        insert(run + "-w1", "waiting", "invoice:stripe:in_never_" + run);
        insert(run + "-w2", "waiting", "invoice:stripe:in_never_" + run);
        insert(run + "-d1", "discarded", null);
        metrics.refresh();

        assertThat(gauge(registry, "waiting")).isEqualTo(waiting + 2);
        assertThat(gauge(registry, "discarded")).as("not recounted within the hour").isEqualTo(discarded);
        SimpleMeterRegistry fresh = new SimpleMeterRegistry();
        new PipelineMetrics(jdbc, fresh, 3600).refresh();
        assertThat(gauge(fresh, "discarded")).as("counted at the first refresh").isEqualTo(discarded + 1);
        assertThat(fresh.get("ledgerbridge.processing.lag").gauge().value()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void theLagIsTheAgeOfTheOldestEventStillInThePipeline() {
        String eventId = UUID.randomUUID() + "-lag";
        // published (the relay leaves it alone) 90 s after it was received, and no outcome yet
        jdbc.update("""
                with r as (
                    insert into received_event (source, event_id, event_type, partition_key, payload, payload_sha256, received_at)
                    values ('stripe', ?, 'charge.succeeded', 'cus_metrics', '{}', 'x', now() - interval '90 seconds') returning id)
                insert into pipeline_state (id, status, published_at) select id, 'published', now() from r""",
                eventId);
        try {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new PipelineMetrics(jdbc, registry, 3600).refresh();
            assertThat(registry.get("ledgerbridge.processing.lag").gauge().value()).isGreaterThanOrEqualTo(90);
        } finally {
            jdbc.update("""
                    update pipeline_state s set status = 'discarded', processed_at = now()
                    from received_event r where r.id = s.id and r.source = 'stripe' and r.event_id = ?""", eventId);
        }
    }

    private void insert(String eventId, String status, String waitingFor) {
        jdbc.update("""
                with r as (
                    insert into received_event (source, event_id, event_type, partition_key, payload, payload_sha256)
                    values ('stripe', ?, 'charge.succeeded', 'cus_metrics', '{}', 'x') returning id)
                insert into pipeline_state (id, status, waiting_for) select id, ?, ? from r""", eventId, status, waitingFor);
    }

    private static double gauge(SimpleMeterRegistry registry, String status) {
        return registry.get("ledgerbridge.inbox.events").tag("status", status).gauge().value();
    }
}
