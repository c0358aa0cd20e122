package io.ledgerbridge.platform.health;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

/** Health of the Kafka backbone ({@code kafka} in /actuator/health and in readiness): the cluster answers within 2 s. */
@Component("kafka")
public class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    private final AdminClient admin;
    private final String brokers;

    public KafkaHealthIndicator(@Value("${ledgerbridge.kafka.brokers}") String brokers) {
        super("Kafka health check failed");
        this.brokers = brokers;
        this.admin = AdminClient.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000));
        int nodes = cluster.nodes().get(2, TimeUnit.SECONDS).size();
        builder.up().withDetail("brokers", brokers).withDetail("nodes", nodes)
                .withDetail("clusterId", cluster.clusterId().get(2, TimeUnit.SECONDS));
    }

    @Override
    public void destroy() {
        admin.close();
    }
}
