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

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        EmbeddedInfrastructure.stopAll();
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
