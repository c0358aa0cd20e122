package io.ledgerbridge.exceptions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.audit.AuditLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The review queue: what could not go straight through waits here for a person's decision. The only
 * writer of {@code exception_item}: other modules open exceptions through {@link #open} and
 * {@link #openOnce}, in their own transaction; the decision is recorded in the audit trail and
 * published as {@link ExceptionDecided}.
 */
@Component
public class ExceptionQueue {

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;

    public ExceptionQueue(JdbcTemplate jdbc, ObjectMapper mapper, AuditLog audit, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.audit = audit;
        this.events = events;
    }

    /** Opens an exception; returns its id. */
    public long open(NewException e) {
        return jdbc.queryForObject("""
                insert into exception_item (kind, inbox_event_id, customer_id, summary, details, requested_by, subject_type, subject_id)
                values (?, ?, ?, ?, ?::jsonb, ?, ?, ?) returning id""", Long.class,
                e.kind(), e.inboxEventId(), e.customerId(), e.summary(), json(e.details()), e.requestedBy(),
                e.subjectType(), e.subjectId());
    }

    /**
     * Opens many exceptions with one statement (a usage file's held events can be thousands), in list
     * order; returns how many were opened.
     */
    public int openAll(List<NewException> exceptions) {
        if (exceptions.isEmpty()) {
            return 0;
        }
        int n = exceptions.size();
        String[] kinds = new String[n];
        Long[] inboxEvents = new Long[n];
        String[] customers = new String[n];
        String[] summaries = new String[n];
        String[] details = new String[n];
        String[] requestedBy = new String[n];
        String[] subjectTypes = new String[n];
        String[] subjectIds = new String[n];
        for (int i = 0; i < n; i++) {
            NewException e = exceptions.get(i);
            kinds[i] = e.kind();
            inboxEvents[i] = e.inboxEventId();
            customers[i] = e.customerId();
            summaries[i] = e.summary();
            details[i] = json(e.details());
            requestedBy[i] = e.requestedBy();
            subjectTypes[i] = e.subjectType();
            subjectIds[i] = e.subjectId();
        }
        return jdbc.update("""
                insert into exception_item (kind, inbox_event_id, customer_id, summary, details, requested_by, subject_type, subject_id)
                select k, i, c, s, d::jsonb, r, st, si
                from unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                     with ordinality as e(k, i, c, s, d, r, st, si, n)
                order by n""", kinds, inboxEvents, customers, summaries, details, requestedBy, subjectTypes, subjectIds);
    }

    /**
     * Opens an exception unless one of the same kind (whatever its status) already names the same
     * customer and the same values of the given detail fields: a condition found again on the next run
     * is reported once. Returns the new id, or empty when one was there.
     */
    public Optional<Long> openOnce(NewException e, String... sameDetails) {
        StringBuilder sql = new StringBuilder("""
                insert into exception_item (kind, inbox_event_id, customer_id, summary, details, requested_by, subject_type, subject_id)
                select ?, ?, ?, ?, ?::jsonb, ?, ?, ?
                where not exists (select 1 from exception_item where kind = ?""");
        List<Object> args = new ArrayList<>();
        args.add(e.kind());
        args.add(e.inboxEventId());
        args.add(e.customerId());
        args.add(e.summary());
        args.add(json(e.details()));
        args.add(e.requestedBy());
        args.add(e.subjectType());
        args.add(e.subjectId());
        args.add(e.kind());
        if (e.customerId() != null) {
            sql.append(" and customer_id = ?");
            args.add(e.customerId());
        }
        for (String field : sameDetails) {
            Object value = e.details() == null ? null : e.details().get(field);
            if (value == null) {
                sql.append(" and details ->> ? is null");
                args.add(field);
            } else {
                sql.append(" and details ->> ? = ?");
                args.add(field);
                args.add(String.valueOf(value));
            }
        }
        sql.append(") returning id");
        List<Long> ids = jdbc.queryForList(sql.toString(), Long.class, args.toArray());
        return ids.stream().findFirst();
    }

    /** An open exception, locked for the decision in the caller's transaction; empty when there is none. */
    public Optional<Map<String, Object>> lockForDecision(long id) {
        return jdbc.queryForList("select status, requested_by, inbox_event_id from exception_item where id = ? for update", id)
                .stream().findFirst();
    }

    /**
     * Records a decision on an exception locked by {@link #lockForDecision}, with its audit record, and
     * publishes {@link ExceptionDecided} to the modules that wait for it (in the same transaction).
     */
    public void decide(long id, Long inboxEventId, String decision, String user, String reason) {
        jdbc.update("update exception_item set status = ?, decided_by = ?, decided_at = now(), decision_reason = ? where id = ?",
                decision, user, reason, id);
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("reason", reason);
        audit.record(user, decision, "exception", Long.toString(id), inboxEventId, details);
        events.publishEvent(new ExceptionDecided(id, decision, user, reason));
    }

    /** Marks an exception as notified (the notifier sends each once). */
    public boolean markNotified(long id) {
        return jdbc.update("update exception_item set notified_at = now() where id = ? and notified_at is null", id) == 1;
    }

    private String json(Map<String, ?> details) {
        if (details == null) {
            return null;
        }
        try {
            return mapper.writeValueAsString(details);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("exception details are not JSON: " + ex.getMessage(), ex);
        }
    }
}
