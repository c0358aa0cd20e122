package io.ledgerbridge.platform.embedded;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the embedded PostgreSQL and Kafka broker before the application context needs them,
 * unless an external database ({@code spring.datasource.url} / {@code SPRING_DATASOURCE_URL}) or
 * Kafka cluster ({@code ledgerbridge.kafka.brokers} / {@code KAFKA_BOOTSTRAP_SERVERS}) is configured.
 */
public class EmbeddedInfrastructurePostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String SOURCE = "ledgerbridgeEmbeddedInfrastructure";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (env.getPropertySources().contains(SOURCE)) {
            return;
        }
        Map<String, Object> props = new HashMap<>();
        String jdbcUrl = env.getProperty("spring.datasource.url");
        if ((jdbcUrl == null || jdbcUrl.isBlank())
                && env.getProperty("ledgerbridge.embedded.postgres.enabled", Boolean.class, true)) {
            String url = EmbeddedInfrastructure.postgres(
                    env.getProperty("ledgerbridge.embedded.postgres.data-dir", ""),
                    env.getProperty("ledgerbridge.embedded.postgres.port", Integer.class, 0),
                    env.getProperty("ledgerbridge.embedded.postgres.preload-libraries", ""));
            props.put("spring.datasource.url", url);
            props.put("spring.datasource.username", "postgres");
            props.put("spring.datasource.password", "postgres");
            props.put("ledgerbridge.embedded.postgres.active", "true");
        }
        String brokers = env.getProperty("ledgerbridge.kafka.brokers");
        if ((brokers == null || brokers.isBlank())
                && env.getProperty("ledgerbridge.embedded.kafka.enabled", Boolean.class, true)) {
            String bootstrap = EmbeddedInfrastructure.kafka(
                    env.getProperty("ledgerbridge.embedded.kafka.port", Integer.class, 0),
                    env.getProperty("ledgerbridge.kafka.partitions", Integer.class, 6));
            props.put("ledgerbridge.kafka.brokers", bootstrap);
            props.put("ledgerbridge.embedded.kafka.active", "true");
        }
        if (!props.isEmpty()) {
            env.getPropertySources().addFirst(new MapPropertySource(SOURCE, props));
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
