package io.ledgerbridge.ops;


import io.ledgerbridge.ledger.JournalEntries;
import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Received events, and one event's whole trace: raw, canonical, entries, exceptions, dead letters, audit. */
@RestController
@RequestMapping("/api/events")
public class EventsApi {

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final JournalEntries ledger;

    public EventsApi(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper, JournalEntries ledger) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.ledger = ledger;
    }


    private static final String COLUMNS = """
            select i.id, i.source, i.event_id as "eventId", i.event_type as "type", i.received_at as "receivedAt",
                   i.status, i.status_reason as "statusReason", i.waiting_for as "waitingFor", i.canonical_type as "canonicalType",
                   i.mapping_version as "mappingVersion", i.published_at as "publishedAt", i.processed_at as "processedAt",
                   i.partition_key as "partitionKey"
            from inbox_event i""";

    @GetMapping
    @Operation(summary = "Received events, newest first, by source, status, type and golden customer id")
    public List<Map<String, Object>> list(@RequestParam(required = false) String source,
                                          @RequestParam(required = false) String status,
                                          @RequestParam(required = false) String customer,
                                          @RequestParam(required = false) String type,
                                          @RequestParam(defaultValue = "100") int limit,
                                          @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        MapSqlParameterSource p = new MapSqlParameterSource().addValue("limit", limit).addValue("offset", offset);
        StringBuilder where = new StringBuilder(" where true");
        if (source != null) {
            where.append(" and i.source = :source");
            p.addValue("source", source);
        }
        if (status != null) {
            where.append(" and i.status = :status");
            p.addValue("status", status);
        }
        if (type != null) {
            where.append(" and i.event_type = :type");
            p.addValue("type", type);
        }
        if (customer != null) {
            where.append("""
                     and (i.partition_key in (select x.system || ':' || x.external_id from customer_xref x where x.customer_id = :customer)
                          or exists (select 1 from journal_entry e where e.customer_id = :customer and i.id = any(e.source_event_ids)))""");
            p.addValue("customer", customer);
        }
        return jdbc.queryForList(COLUMNS + where + " order by i.id desc limit :limit offset :offset", p);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One event's trace: raw payload, canonical form, journal entries, ERP postings, exceptions, deliveries "
            + "with a conflicting body, dead letters, contracts, approvals (who approved what), audit records")
    public Map<String, Object> trace(@PathVariable long id) {
        List<Map<String, Object>> rows = jdbc.queryForList(COLUMNS + " where i.id = :id", Map.of("id", id));
        if (rows.isEmpty()) {
            throw ApiErrors.ApiException.notFound("event " + id);
        }
        Map<String, Object> out = new LinkedHashMap<>(rows.get(0));
        Map<String, Object> raw = jdbc.queryForMap(
                "select payload, payload_sha256, content_type, canonical::text as canonical from inbox_event where id = :id",
                Map.of("id", id));
        out.put("payload", parse((String) raw.get("payload")));
        out.put("payloadSha256", raw.get("payload_sha256"));
        out.put("canonical", raw.get("canonical") == null ? null : parse((String) raw.get("canonical")));
        out.put("journalEntries", ledger.withLines(jdbc.queryForList("""
                select id, entry_key, entry_date::text as entry_date, currency, memo, posting_rule, customer_id,
                       corrects_entry_id, source_event_ids from journal_entry where :id = any(source_event_ids) order by id""",
                Map.of("id", id))));
        out.put("erpPostings", jdbc.queryForList("""
                select p.id, p.erp, p.entry_id as "entryId", p.external_key as "externalKey", p.status, p.attempts,
                       p.erp_id as "erpId", p.erp_date::text as "erpDate", p.erp_status as "erpStatus", p.last_error as "lastError",
                       p.posted_at as "postedAt", p.confirmed_at as "confirmedAt"
                from erp_posting p join journal_entry e on e.id = p.entry_id where :id = any(e.source_event_ids)
                order by p.entry_id, p.erp""", Map.of("id", id)));
        out.put("exceptions", jdbc.queryForList("""
                select id, kind, status, summary, details::text as details, created_at as "createdAt", decided_by as "decidedBy",
                       decided_at as "decidedAt", decision_reason as "decisionReason"
                from exception_item where inbox_event_id = :id order by id""", Map.of("id", id)));
        out.put("conflicts", jdbc.queryForList("""
                select c.id, c.payload_sha256 as "payloadSha256", c.payload_bytes as "bytes", c.content_type as "contentType",
                       c.deliveries, c.first_received_at as "firstReceivedAt", c.last_received_at as "lastReceivedAt",
                       x.id as "exceptionId", x.status as "exceptionStatus"
                from inbox_conflict c
                left join exception_item x on x.subject_type = 'inbox_conflict' and x.subject_id = c.id::text
                where c.inbox_event_id = :id order by c.id""", Map.of("id", id)));
        out.put("deadLetters", jdbc.queryForList("""
                select id, route_id as "routeId", error_message as "error", status, failed_at as "failedAt",
                       replay_count as "replayCount", resolved_by as "resolvedBy", resolved_at as "resolvedAt"
                from dead_letter where inbox_event_id = :id order by id""", Map.of("id", id)));
        out.put("contracts", jdbc.queryForList("""
                select c.id, c.status, c.status_reason as "statusReason", c.customer_id as "customerId",
                       (select coalesce(jsonb_agg(jsonb_build_object('step', a.step, 'system', a.system, 'operation', a.operation,
                               'externalId', a.external_id, 'approvedBy', a.approved_by, 'at', a.at) order by a.id), '[]'::jsonb)::text
                        from contract_action a where a.contract_id = c.id) as actions
                from contract c where c.inbox_event_id = :id or c.deal_event_id = :id order by c.id""", Map.of("id", id))
                .stream().map(r -> {
                    Map<String, Object> m = new LinkedHashMap<>(r);
                    m.put("actions", parse((String) r.get("actions")));
                    return m;
                }).toList());
        out.put("approvals", approvals(out));
        out.put("audit", jdbc.queryForList("""
                select at, actor, action, subject_type as "subjectType", subject_id as "subjectId", details::text as details
                from audit_record where inbox_event_id = :id or (subject_type = 'inbox_event' and subject_id = :sid)
                   or (subject_type = 'contract' and subject_id in (select c.id from contract c where c.deal_event_id = :id))
                order by id""", Map.of("id", id, "sid", Long.toString(id))));
        return out;
    }

    /** Who approved what for this event: decided exceptions and contract actions taken on an approval. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> approvals(Map<String, Object> trace) {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Map<String, Object> x : (List<Map<String, Object>>) trace.get("exceptions")) {
            if (x.get("decidedBy") != null) {
                out.add(Map.of("what", "exception #" + x.get("id") + " (" + x.get("kind") + ")", "decision", x.get("status"),
                        "by", x.get("decidedBy"), "at", String.valueOf(x.get("decidedAt")),
                        "reason", String.valueOf(x.get("decisionReason"))));
            }
        }
        for (Map<String, Object> c : (List<Map<String, Object>>) trace.get("contracts")) {
            if (c.get("actions") instanceof com.fasterxml.jackson.databind.JsonNode actions) {
                for (com.fasterxml.jackson.databind.JsonNode a : actions) {
                    if (!a.path("approvedBy").isNull() && !a.path("approvedBy").isMissingNode()) {
                        out.add(Map.of("what", "contract " + c.get("id") + ": " + a.path("step").asText(), "decision", "approved",
                                "by", a.path("approvedBy").asText(), "at", a.path("at").asText(), "reason", ""));
                    }
                }
            }
        }
        return out;
    }

    private Object parse(String text) {
        try {
            return mapper.readTree(text);
        } catch (Exception e) {
            return text;
        }
    }
}
