package io.ledgerbridge.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How many records of a topic a consumer group has not committed yet: what a test waits on when it
 * must know that the pipeline has read everything published so far (the stages commit a poll's
 * offsets once it is done). A partition the group never committed counts from its earliest record,
 * as the routes read it ({@code autoOffsetReset: earliest}).
 */
public final class ConsumerLag {

    private ConsumerLag() {
    }

    public static long of(String bootstrap, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (TopicPartition p : partitions) {
                latest.put(p, OffsetSpec.latest());
                earliest.put(p, OffsetSpec.earliest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all()
                    .get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (TopicPartition p : partitions) {
                OffsetAndMetadata done = committed.get(p);
                lag += ends.get(p).offset() - (done == null ? starts.get(p).offset() : done.offset());
            }
            return lag;
        }
    }
}
