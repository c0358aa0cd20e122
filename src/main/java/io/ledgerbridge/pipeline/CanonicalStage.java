package io.ledgerbridge.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.CanonicalType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Steps of the canonical stage named by {@code routes/canonical/*.camel.yaml}: keep the canonical
 * form on the inbox event (the trace shows it), record ignored events as such, and give the Kafka
 * key of the canonical topic (the source's customer, so one customer's events stay in order).
 */
@Component("canonicalStage")
public class CanonicalStage {

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public CanonicalStage(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /** Stores the canonical form; an IGNORED event ends here with its reason. Idempotent. */
    public CanonicalEvent record(CanonicalEvent event) {
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (event.type() == CanonicalType.IGNORED) {
            jdbc.update("""
                    update inbox_event set canonical = ?::jsonb, canonical_type = ?, mapping_version = ?,
                           status = 'ignored', status_reason = ?, processed_at = now()
                    where id = ? and status in ('received', 'published', 'dead_lettered')""",
                    json, event.type().name(), event.mappingVersion(), event.ignoredReason(), event.inboxId());
        } else {
            jdbc.update("""
                    update inbox_event set canonical = ?::jsonb, canonical_type = ?, mapping_version = ?
                    where id = ?""", json, event.type().name(), event.mappingVersion(), event.inboxId());
        }
        return event;
    }

    /** Kafka key of the canonical topic. */
    public String key(CanonicalEvent event) {
        return event.customerRef() == null || event.customerRef().isBlank()
                ? event.source() + ":account"
                : event.source() + ":" + event.customerRef();
    }
}
