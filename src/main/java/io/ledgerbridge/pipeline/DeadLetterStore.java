package io.ledgerbridge.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.inbox.PipelineState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes a failed message to the dead-letter store with its error and what replay needs: the
 * original body (the route configuration uses {@code useOriginalMessage}), the topic it came from
 * and its key. The inbox event it belongs to is marked dead_lettered in the same transaction.
 * A failure of this write is not swallowed (stack.md trap 9): it is counted, logged, and thrown,
 * so the Kafka consumer does not commit and the message is consumed again.
 */
@Component("deadLetters")
public class DeadLetterStore {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterStore.class);

    /** Exchange property a route sets to say where its dead letters are replayed. */
    public static final String REPLAY_URI = "lbReplayUri";

    private final JdbcTemplate jdbc;
    private final PipelineState states;
    private final ObjectMapper mapper;
    private final Counter written;
    private final Counter writeFailures;

    public DeadLetterStore(JdbcTemplate jdbc, PipelineState states, ObjectMapper mapper, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.states = states;
        this.mapper = mapper;
        this.written = Counter.builder("ledgerbridge.dead.letters").description("Messages dead-lettered").register(registry);
        this.writeFailures = Counter.builder("ledgerbridge.dead.letter.write.failures")
                .description("Dead-letter writes that failed (the message is retried)").register(registry);
    }

    @Transactional
    public void store(Exchange exchange) {
        try {
            if (write(exchange)) {
                written.increment();
            }
        } catch (RuntimeException e) {
            writeFailures.increment();
            log.error("Could not write a dead letter for route {}: {}; the message will be consumed again",
                    exchange.getProperty(Exchange.FAILURE_ROUTE_ID), e.getMessage());
            throw e;
        }
    }

    /**
     * Dead-letters a message refused outside a route's error handler (an ERP refusal found by the sync
     * job), in the caller's transaction; counted like every dead letter.
     */
    public void storeRefused(String routeId, String replayUri, String messageKey, String payload, String errorClass,
                             String errorMessage) {
        jdbc.update("""
                insert into dead_letter (route_id, replay_uri, message_key, payload, error_class, error_message)
                values (?, ?, ?, ?, ?, ?)""", routeId, replayUri, messageKey, payload, errorClass, errorMessage);
        written.increment();
    }

    private boolean write(Exchange exchange) {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String body = exchange.getMessage().getBody(String.class);
        String topic = exchange.getMessage().getHeader(KafkaConstants.TOPIC, String.class);
        Object key = exchange.getMessage().getHeader(KafkaConstants.KEY);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        // a route may name where its original is replayed (its own entry, not the endpoint that failed)
        String replayUri = exchange.getProperty(REPLAY_URI, String.class);
        if (replayUri == null) {
            replayUri = topic != null ? "kafka:" + topic : exchange.getProperty(Exchange.FAILURE_ENDPOINT, String.class);
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        if (key != null) {
            headers.put(KafkaConstants.KEY, key.toString());
        }
        Long inboxId = inboxId(body);
        String message = error == null ? "unknown error" : error.getClass().getSimpleName() + ": " + error.getMessage();
        Object partition = exchange.getMessage().getHeader(KafkaConstants.PARTITION);
        Object offset = exchange.getMessage().getHeader(KafkaConstants.OFFSET);
        // a consumed record is dead-lettered once, however often its poll is consumed again
        String position = topic != null && partition != null && offset != null ? topic + "/" + partition + "/" + offset : null;
        int stored = jdbc.update("""
                insert into dead_letter (inbox_event_id, route_id, replay_uri, message_key, payload, headers,
                                         error_class, error_message, stack_trace, source_position)
                values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)
                on conflict (source_position) do nothing""",
                inboxId, routeId, replayUri == null ? "unknown" : replayUri, key == null ? null : key.toString(),
                body == null ? "" : body, toJson(headers), error == null ? null : error.getClass().getName(),
                message, stackTrace(error), position);
        if (stored == 0) {
            log.info("Record {} of route {} was dead-lettered before", position, routeId);
            return false;
        }
        if (inboxId != null) {
            states.deadLettered(inboxId, truncate(message));
        }
        log.warn("Dead-lettered a message of route {} (inbox event {}): {}", routeId, inboxId, message);
        return true;
    }

    /** Every message on the backbone carries the inbox id it stems from. */
    private Long inboxId(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode id = mapper.readTree(body).get("inboxId");
            return id != null && id.canConvertToLong() ? id.asLong() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private String toJson(Map<String, Object> headers) {
        try {
            return mapper.writeValueAsString(headers);
        } catch (Exception e) {
            return "{}";
        }
    }

    private static String stackTrace(Throwable error) {
        if (error == null) {
            return null;
        }
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return truncate(out.toString());
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 8000 ? s : s.substring(0, 8000);
    }
}
