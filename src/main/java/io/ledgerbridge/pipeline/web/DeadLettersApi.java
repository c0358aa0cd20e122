package io.ledgerbridge.pipeline.web;

import io.ledgerbridge.audit.AuditLog;
import io.ledgerbridge.inbox.PipelineState;
import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.PlainLanguage;

import io.ledgerbridge.platform.web.Paging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import java.security.Principal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Failed messages with their error; replay sends the stored original back to where it came from. */
@RestController
@RequestMapping("/api/dead-letters")
public class DeadLettersApi {

    private final JdbcTemplate jdbc;
    private final ProducerTemplate producer;
    private final ObjectMapper mapper;
    private final org.springframework.transaction.support.TransactionTemplate transactions;
    private final AuditLog auditLog;
    private final PipelineState states;

    public DeadLettersApi(JdbcTemplate jdbc, ProducerTemplate producer, ObjectMapper mapper,
                          org.springframework.transaction.support.TransactionTemplate transactions, AuditLog auditLog,
                          PipelineState states) {
        this.auditLog = auditLog;
        this.states = states;
        this.jdbc = jdbc;
        this.producer = producer;
        this.mapper = mapper;
        this.transactions = transactions;
    }

    /** Dead letters replayed by one bulk call at most; the answer says how many of the class remain open. */
    static final int BULK_LIMIT = 1000;

    @GetMapping
    @Operation(summary = "Dead letters (status open, replayed or discarded), newest first, each with what happened and what to do")
    public List<Map<String, Object>> list(@RequestParam(required = false) String status,
                                          @RequestParam(defaultValue = "100") int limit,
                                          @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        // the customer and document: the event's, or for an ERP sync the journal entry's (its payload names the posting)
        return jdbc.queryForList("""
                select d.id, d.inbox_event_id as "eventId", d.route_id as "routeId", d.replay_uri as "replayUri",
                       d.message_key as "messageKey", d.error_class as "errorClass", d.error_message as "error", d.failed_at as "failedAt",
                       d.status, d.replay_count as "replayCount", d.resolved_by as "resolvedBy", d.resolved_at as "resolvedAt",
                       c.id as "customer", c.legal_name as "customerName",
                       coalesce(""" + PlainLanguage.EVENT_DOCUMENT + """
                                , 'journal entry ' || e.id || ' (' || e.memo || ')') as document
                from dead_letter d
                left join inbox_event i on i.id = d.inbox_event_id
                left join erp_posting p on p.id = substring(d.payload from '"postingId"\\s*:\\s*(\\d{1,18})')::bigint
                left join journal_entry e on e.id = p.entry_id
                left join customer c on c.id = coalesce(e.customer_id,
                        (select x.customer_id from customer_xref x where x.system || ':' || x.external_id = i.partition_key limit 1))
                where (?::text is null or d.status = ?) order by d.id desc limit ? offset ?""",
                status, status, limit, offset).stream().map(PlainLanguage::deadLetter).toList();
    }

    private Map<String, Object> open(long id) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "select id, inbox_event_id, replay_uri, payload, headers::text as headers, status from dead_letter where id = ? for update", id);
        if (rows.isEmpty()) {
            throw ApiErrors.ApiException.notFound("dead letter " + id);
        }
        Map<String, Object> row = rows.get(0);
        if (!"open".equals(row.get("status"))) {
            throw ApiErrors.ApiException.conflict("dead letter " + id + " is " + row.get("status") + ", not open");
        }
        return row;
    }

    @PostMapping("/{id}/replay")
    @Transactional
    @Operation(summary = "Re-run a dead letter from its stored original (admin)")
    public Map<String, Object> replay(@PathVariable long id, Principal user) throws Exception {
        Map<String, Object> row = open(id);
        Map<String, Object> headers = new HashMap<>(mapper.readValue(
                row.get("headers") == null ? "{}" : (String) row.get("headers"), new TypeReference<Map<String, Object>>() { }));
        // the statuses first, the send last: the replayed message may fail again at once, and its new dead letter
        // (which waits for this transaction's row lock) must be the last word on the event's status
        jdbc.update("""
                update dead_letter set status = 'replayed', replay_count = replay_count + 1, resolved_by = ?, resolved_at = now()
                where id = ?""", user.getName(), id);
        Object eventId = row.get("inbox_event_id");
        if (eventId != null) {
            states.replayed(((Number) eventId).longValue(), id);
        }
        try {
            producer.sendBodyAndHeaders((String) row.get("replay_uri"), row.get("payload"), headers);
        } catch (RuntimeException e) {
            throw new ApiErrors.ApiException(HttpStatus.BAD_GATEWAY, "replay_failed",
                    "could not send to " + row.get("replay_uri") + ": " + e.getMessage(), null);
        }
        audit(user.getName(), "replayed", id, eventId, null);
        return Map.of("id", id, "status", "replayed", "replayedTo", row.get("replay_uri"));
    }

    @PostMapping("/replay")
    @Operation(summary = "Replay every open dead letter of one error class, each as its own replay (admin): "
            + "body {\"errorClass\": \"...\"}; answers how many matched, were replayed, failed and remain")
    public Map<String, Object> replayAll(@RequestBody(required = false) Map<String, String> body, Principal user) {
        String errorClass = body == null ? null : body.get("errorClass");
        if (errorClass == null || errorClass.isBlank()) {
            throw ApiErrors.ApiException.badRequest("errorClass", "name the error class to replay: {\"errorClass\": \"...\"}");
        }
        List<Long> ids = jdbc.queryForList("select id from dead_letter where status = 'open' and error_class = ? order by id limit ?",
                Long.class, errorClass, BULK_LIMIT);
        int replayed = 0;
        int skipped = 0;
        List<Map<String, Object>> failures = new java.util.ArrayList<>();
        for (long id : ids) {
            try {
                transactions.executeWithoutResult(tx -> {
                    try {
                        replay(id, user);
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                });
                replayed++;
            } catch (ApiErrors.ApiException e) {
                if (e.status == HttpStatus.CONFLICT) {
                    skipped++; // resolved by someone else meanwhile
                } else {
                    failures.add(Map.of("id", id, "message", e.getMessage()));
                }
            } catch (RuntimeException e) {
                failures.add(Map.of("id", id, "message", String.valueOf(e.getMessage())));
            }
        }
        Integer remaining = jdbc.queryForObject("select count(*) from dead_letter where status = 'open' and error_class = ?",
                Integer.class, errorClass);
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("errorClass", errorClass);
        out.put("matched", ids.size());
        out.put("replayed", replayed);
        out.put("skipped", skipped);
        out.put("failed", failures.size());
        out.put("failures", failures);
        out.put("remainingOpen", remaining);
        return out;
    }

    @PostMapping("/{id}/discard")
    @Transactional
    @Operation(summary = "Discard a dead letter, with an optional reason (admin)")
    public Map<String, Object> discard(@PathVariable long id, @RequestBody(required = false) Map<String, String> body,
                                       Principal user) {
        Map<String, Object> row = open(id);
        String reason = body == null ? null : body.get("reason");
        jdbc.update("update dead_letter set status = 'discarded', resolved_by = ?, resolved_at = now() where id = ?",
                user.getName(), id);
        Object eventId = row.get("inbox_event_id");
        if (eventId != null) {
            states.discarded(((Number) eventId).longValue(), "discarded by " + user.getName() + (reason == null ? "" : ": " + reason));
        }
        audit(user.getName(), "discarded", id, eventId, reason);
        return Map.of("id", id, "status", "discarded");
    }

    private void audit(String actor, String action, long id, Object eventId, String reason) {
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("reason", reason);
        auditLog.record(actor, action, "dead_letter", Long.toString(id), eventId == null ? null : ((Number) eventId).longValue(), details);
    }
}
