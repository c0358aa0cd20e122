package io.ledgerbridge.ledger;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the posting cannot decide alone goes to a person, on the review queue ({@link ExceptionQueue}),
 * in the posting's transaction: an event with no posting rule, an invoice that does not sum, a short
 * payment, and a payload that conflicts with what was posted before.
 */
@Component
class PostingExceptions {

    private final ExceptionQueue queue;
    private final JdbcTemplate jdbc;
    private final MeterRegistry meters;

    PostingExceptions(ExceptionQueue queue, JdbcTemplate jdbc, MeterRegistry meters) {
        this.queue = queue;
        this.jdbc = jdbc;
        this.meters = meters;
    }

    /** Opens an exception about the event (requested by the ledger). */
    void open(CanonicalEvent event, String kind, String customer, String summary, Map<String, Object> details) {
        queue.open(new NewException(kind, event.inboxId(), customer, summary, details, "ledger", null, null));
    }

    /**
     * A new event for an invoice or payment already posted with another amount: nothing is posted, and a person sees
     * the conflict (a payload_conflict exception with the body that was posted and the one that came now; the event's
     * trace lists the exception; {@code ledgerbridge.ledger.payload.conflicts}).
     */
    PostingOutcome conflict(CanonicalEvent event, String what, String id, String customer, String entryKey,
                                    long posted, long now, String currency) {
        List<Map<String, Object>> first = jdbc.queryForList("""
                select i.id, i.event_id, left(i.payload, 65536) as payload from journal_entry e
                join inbox_event i on i.id = any(e.source_event_ids) where e.entry_key = ? order by i.id limit 1""", entryKey);
        List<Map<String, Object>> current = event.inboxId() == null ? List.of()
                : jdbc.queryForList("select left(payload, 65536) as payload from inbox_event where id = ?", event.inboxId());
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put(what, id);
        details.put("postedAmount", posted);
        details.put("deliveredAmount", now);
        details.put("currency", currency);
        details.put("postedBy", first.isEmpty() ? null : first.get(0).get("event_id"));
        details.put("postedBody", first.isEmpty() ? null : first.get(0).get("payload"));
        details.put("deliveredBody", current.isEmpty() ? null : current.get(0).get("payload"));
        String summary = "Stripe " + what + " " + id + " was posted for " + posted + " " + currency + (first.isEmpty() ? ""
                : " (event " + first.get(0).get("event_id") + ")") + "; event " + event.sourceEventId() + " says " + now
                + ": nothing posted, which one is right?";
        open(event, "payload_conflict", customer, summary, details);
        meters.counter("ledgerbridge.ledger.payload.conflicts", "source", event.source(), "object", what).increment();
        return PostingOutcome.exception(summary);
    }
}
