package io.ledgerbridge.inbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** Counters of webhook and feed deliveries by source and outcome ({@code ledgerbridge_ingress_requests_total}). */
@Component
public class IngressMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public IngressMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A delivery of a stored event id with a different body ({@code ledgerbridge_inbox_payload_conflicts_total}). */
    public void payloadConflict(String source) {
        counters.computeIfAbsent(source + "|payload_conflict", k -> Counter.builder("ledgerbridge.inbox.payload.conflicts")
                .description("Deliveries of an event id already stored with a different body (answered duplicate, opened payload_conflict)")
                .tag("source", source)
                .register(registry)).increment();
    }

    public void count(String source, String outcome) {
        counters.computeIfAbsent(source + '|' + outcome, k -> Counter.builder("ledgerbridge.ingress.requests")
                .description("Deliveries received, by source and outcome")
                .tag("source", source)
                .tag("outcome", outcome)
                .register(registry)).increment();
    }
}
