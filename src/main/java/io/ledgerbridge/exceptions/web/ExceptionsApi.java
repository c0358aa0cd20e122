package io.ledgerbridge.exceptions.web;
import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.PlainLanguage;
import io.ledgerbridge.platform.web.Paging;

import io.swagger.v3.oas.annotations.Operation;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import io.ledgerbridge.exceptions.ExceptionQueue;
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

/** The review queue: what could not go straight through, and a person's recorded decision on it. */
@RestController
@RequestMapping("/api/exceptions")
public class ExceptionsApi {

    private final JdbcTemplate jdbc;
    private final ExceptionQueue queue;
    private final Map<String, String> emails;

    public ExceptionsApi(JdbcTemplate jdbc, ExceptionQueue queue, org.springframework.core.env.Environment env) {
        this.jdbc = jdbc;
        this.queue = queue;
        // the e-mail address each user is known by in the source systems (the sender of an envelope, a deal owner)
        this.emails = org.springframework.boot.context.properties.bind.Binder.get(env)
                .bind("ledgerbridge.security.emails", org.springframework.boot.context.properties.bind.Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
    }

    /** The document an item is about, from its details or the event it came from ({@code x} the item, {@code i} the event). */
    static final String DOCUMENT = """
            coalesce('invoice ' || coalesce(x.details ->> 'invoice', x.details ->> 'invoiceId', x.details ->> 'invoice_id'),
                     'contract ' || coalesce(x.details ->> 'contract', x.details ->> 'contractId'),
                     'usage ' || (x.details ->> 'usageEvent'), x.subject_type || ' ' || x.subject_id, """ + PlainLanguage.EVENT_DOCUMENT + ")";

    @GetMapping
    @Operation(summary = "Exceptions (status open, approved or rejected), oldest first, each with what happened and what to do")
    public List<Map<String, Object>> list(@RequestParam(required = false) String status,
                                          @RequestParam(defaultValue = "100") int limit,
                                          @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        return jdbc.queryForList("""
                select x.id, x.kind, x.status, x.inbox_event_id as "eventId", x.customer_id as "customer", x.summary,
                       c.legal_name as "customerName", """ + DOCUMENT + """
                       as document, x.details::text as details, x.requested_by as "requestedBy", x.created_at as "createdAt",
                       x.decided_by as "decidedBy", x.decided_at as "decidedAt", x.decision_reason as "decisionReason"
                from exception_item x left join customer c on c.id = x.customer_id left join inbox_event i on i.id = x.inbox_event_id
                where (?::text is null or x.status = ?) order by x.id limit ? offset ?""",
                status, status, limit, offset).stream().map(PlainLanguage::exception).toList();
    }

    @PostMapping("/{id}/approve")
    @Transactional
    @Operation(summary = "Approve an open exception with a reason (approver; not your own request)")
    public Map<String, Object> approve(@PathVariable long id, @RequestBody(required = false) Map<String, String> body, Principal user) {
        return decide(id, "approved", body, user);
    }

    @PostMapping("/{id}/reject")
    @Transactional
    @Operation(summary = "Reject an open exception with a reason (approver; not your own request)")
    public Map<String, Object> reject(@PathVariable long id, @RequestBody(required = false) Map<String, String> body, Principal user) {
        return decide(id, "rejected", body, user);
    }

    private Map<String, Object> decide(long id, String decision, Map<String, String> body, Principal user) {
        String reason = body == null ? null : body.get("reason");
        if (reason == null || reason.isBlank()) {
            throw ApiErrors.ApiException.badRequest("reason", "a decision needs a reason: {\"reason\": \"...\"}");
        }
        Map<String, Object> row = queue.lockForDecision(id)
                .orElseThrow(() -> ApiErrors.ApiException.notFound("exception " + id));
        if (!"open".equals(row.get("status"))) {
            throw ApiErrors.ApiException.conflict("exception " + id + " is already " + row.get("status"));
        }
        String requester = (String) row.get("requested_by");
        String email = emails.get(user.getName());
        if (requester != null && (user.getName().equalsIgnoreCase(requester) || (email != null && email.equalsIgnoreCase(requester)))) {
            throw new ApiErrors.ApiException(HttpStatus.FORBIDDEN, "self_approval",
                    "the requester of a change cannot decide on it", null);
        }
        Object inboxEventId = row.get("inbox_event_id");
        queue.decide(id, inboxEventId == null ? null : ((Number) inboxEventId).longValue(), decision, user.getName(), reason);
        return Map.of("id", id, "status", decision, "decidedBy", user.getName());
    }
}
