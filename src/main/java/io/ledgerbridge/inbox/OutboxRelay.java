package io.ledgerbridge.inbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.platform.faults.Faults;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Transactional outbox relay from the inbox to the ingress topic. Events are claimed by their
 * {@code pipeline_state} rows with {@code FOR UPDATE SKIP LOCKED} (several instances share the work),
 * published keyed by customer, and marked published only after the broker acknowledged them (the
 * narrow state row is rewritten, not the event as received). A crash in between publishes
 * again: the consumers are idempotent. {@link #redrive} republishes events that were published but
 * never reached an end state (a lost broker log, a consumer that died), so nothing stored is lost.
 */
@Component("outboxRelay")
public class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcTemplate jdbc;
    private final ProducerTemplate producer;
    private final ObjectMapper mapper;
    private final String topicUri;
    private final int batchSize;
    private final int redriveAfterSeconds;

    public OutboxRelay(JdbcTemplate jdbc, ProducerTemplate producer, ObjectMapper mapper,
                       @Value("${ledgerbridge.kafka.topics.ingress}") String topic,
                       @Value("${ledgerbridge.relay.batch-size:500}") int batchSize,
                       @Value("${ledgerbridge.relay.redrive-after-seconds:120}") int redriveAfterSeconds) {
        this.jdbc = jdbc;
        this.producer = producer;
        this.mapper = mapper;
        this.topicUri = "kafka:" + topic;
        this.batchSize = batchSize;
        this.redriveAfterSeconds = redriveAfterSeconds;
    }

    private record Pending(long id, String source, String eventId, String eventType, String key, String payload) {
    }

    /** Publishes up to one batch of unpublished inbox events; returns how many. */
    @Transactional
    public int publishPending() {
        List<Pending> batch = jdbc.query("""
                select r.id, r.source, r.event_id, r.event_type, r.partition_key, r.payload
                from pipeline_state s join received_event r on r.id = s.id
                where s.published_at is null order by s.id limit ? for update of s skip locked""",
                (rs, n) -> new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)), batchSize);
        if (batch.isEmpty()) {
            return 0;
        }
        // one list body: camel-kafka sends the records in order from this thread and waits for every acknowledgement
        List<Message> records = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            Message m = new DefaultMessage(producer.getCamelContext());
            m.setBody(json(new IngressMessage(p.id(), p.source(), p.eventId(), p.eventType(), p.payload())));
            m.setHeader(KafkaConstants.KEY, p.key());
            records.add(m);
        }
        Exchange sent = producer.send(topicUri, exchange -> exchange.getMessage().setBody(records));
        if (sent.getException() != null) {
            throw new IllegalStateException("publishing to " + topicUri + " failed; the batch stays unpublished",
                    sent.getException());
        }
        Long[] ids = batch.stream().map(Pending::id).toArray(Long[]::new);
        Faults.point("relay.published");
        jdbc.update("""
                update pipeline_state set published_at = now(), publish_count = publish_count + 1,
                       status = case when status = 'received' then 'published' else status end
                where id = any(?)""", (Object) ids);
        return batch.size();
    }

    /** Republishes events stuck in 'published' longer than the re-drive delay; returns how many. */
    public int redrive() {
        int n = jdbc.update("""
                update pipeline_state set published_at = null
                where status = 'published' and published_at < now() - make_interval(secs => ?)""", redriveAfterSeconds);
        if (n > 0) {
            log.warn("Re-driving {} inbox events published more than {} s ago without an outcome", n, redriveAfterSeconds);
        }
        return n;
    }

    private String json(IngressMessage message) {
        try {
            return mapper.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
