package io.ledgerbridge.ingress;

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

    public void count(String source, String outcome) {
        counters.computeIfAbsent(source + '|' + outcome, k -> Counter.builder("ledgerbridge.ingress.requests")
                .description("Deliveries received, by source and outcome")
                .tag("source", source)
                .tag("outcome", outcome)
                .register(registry)).increment();
    }
}
