package io.ledgerbridge.pipeline;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Creates the backbone topics (ingress, canonical, usage, contracts) with the configured partitions and
 * replication before the routes start; existing topics are left as they are.
 */
@Component
public class KafkaTopics implements InitializingBean {

    private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);

    private final String brokers;
    private final int partitions;
    private final short replication;
    private final List<String> topics;

    public KafkaTopics(@Value("${ledgerbridge.kafka.brokers}") String brokers,
                       @Value("${ledgerbridge.kafka.partitions:6}") int partitions,
                       @Value("${ledgerbridge.kafka.replication-factor:1}") short replication,
                       @Value("${ledgerbridge.kafka.topics.ingress}") String ingress,
                       @Value("${ledgerbridge.kafka.topics.canonical}") String canonical,
                       @Value("${ledgerbridge.kafka.topics.usage}") String usage,
                       @Value("${ledgerbridge.kafka.topics.contracts}") String contracts) {
        this.brokers = brokers;
        this.partitions = partitions;
        this.replication = replication;
        this.topics = List.of(ingress, canonical, usage, contracts);
    }

    @Override
    public void afterPropertiesSet() throws Exception {
        try (AdminClient admin = AdminClient.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, replication)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                log.info("Created Kafka topics {} ({} partitions, replication {})",
                        missing.stream().map(NewTopic::name).toList(), partitions, replication);
            }
        }
    }
}
