package io.ledgerbridge.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit trail: who did what to which subject, and why. The only writer of {@code audit_record};
 * a record joins the caller's transaction, so it is kept exactly when what it describes is.
 */
@Component
public class AuditLog {

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public AuditLog(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /**
     * Records an action.
     *
     * @param actor       the user name, or the system component that acted
     * @param action      what was done (approved, replayed, deal_recorded, ...)
     * @param subjectType what kind of thing it was done to (exception, dead_letter, contract, period, ...)
     * @param subjectId   which one
     * @param inboxEventId the inbox event it stems from, if any
     * @param details     anything else worth keeping (written as a JSON object; null values are kept as null)
     */
    public void record(String actor, String action, String subjectType, String subjectId, Long inboxEventId,
                       Map<String, ?> details) {
        jdbc.update("""
                insert into audit_record (actor, action, subject_type, subject_id, inbox_event_id, details)
                values (?, ?, ?, ?, ?, ?::jsonb)""", actor, action, subjectType, subjectId, inboxEventId, json(details));
    }

    /**
     * Records the same action on many subjects in one statement (the ledger's batch posting): element
     * {@code i} of each list belongs to subject {@code i}; {@code detailsJson} holds JSON objects or nulls.
     */
    public void recordAll(String actor, String action, String subjectType, List<String> subjectIds,
                          List<Long> inboxEventIds, List<String> detailsJson) {
        if (subjectIds.size() != inboxEventIds.size() || subjectIds.size() != detailsJson.size()) {
            throw new IllegalArgumentException("one inbox event and one details object per subject");
        }
        if (subjectIds.isEmpty()) {
            return;
        }
        jdbc.update("""
                insert into audit_record (actor, action, subject_type, subject_id, inbox_event_id, details)
                select ?, ?, ?, a.subject, a.source, a.details::jsonb
                from unnest(?::text[], ?::bigint[], ?::text[]) as a(subject, source, details)""",
                actor, action, subjectType, subjectIds.toArray(String[]::new), inboxEventIds.toArray(Long[]::new),
                detailsJson.toArray(String[]::new));
    }

    private String json(Map<String, ?> details) {
        if (details == null) {
            return null;
        }
        try {
            return mapper.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit details are not JSON: " + e.getMessage(), e);
        }
    }
}
