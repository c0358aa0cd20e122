package io.ledgerbridge.platform.embedded;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Stops the embedded Kafka broker and PostgreSQL server when the application context closes,
 * after everything else stopped (lowest phase: first to start, last to stop) and while logging
 * still works; the JVM shutdown hook stays as the fallback.
 */
@Component
public class EmbeddedInfrastructureLifecycle implements SmartLifecycle {

    private volatile boolean running;
    private final boolean startedHere;

    /** Only the context whose start-up started the embedded servers stops them (a second instance in the JVM does not). */
    public EmbeddedInfrastructureLifecycle(org.springframework.core.env.Environment env) {
        this.startedHere = env.getProperty("ledgerbridge.embedded.postgres.active", Boolean.class, false)
                || env.getProperty("ledgerbridge.embedded.kafka.active", Boolean.class, false);
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (startedHere) {
            EmbeddedInfrastructure.stopAll();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MIN_VALUE;
    }
}
