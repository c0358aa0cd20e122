package io.ledgerbridge.pipeline;

import org.apache.camel.component.kafka.consumer.CommitManager;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualSyncCommit;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.component.kafka.consumer.KafkaManualCommitFactory;

/**
 * The manual-commit factory of the batch consumers ({@code kafkaManualCommitFactory} in their routes).
 * Each record's commit stores exactly that record's offset (a synchronous commit of offset + 1 for
 * its partition), and nothing else ever commits: being none of Camel's default factories, it makes
 * camel-kafka choose its no-op commit manager, so no error or reconnect path commits the consumer's
 * position, which in batching mode can be ahead of what was processed (CAMEL-23994). A stage commits
 * a batch with {@link KafkaBatch#commit} after its database work is committed.
 */
public class ExactOffsetCommits implements KafkaManualCommitFactory {

    @Override
    public KafkaManualCommit newInstance(CamelExchangePayload exchange, KafkaRecordPayload record, CommitManager commits) {
        return new DefaultKafkaManualSyncCommit(exchange, record, commits);
    }
}
