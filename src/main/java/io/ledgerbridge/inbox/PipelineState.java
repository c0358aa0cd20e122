package io.ledgerbridge.inbox;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Where each inbox event stands in the pipeline: the inbox module's API for the other modules, which
 * report what they did with an event here (its status, reason, what it waits for, its canonical form),
 * in their own transaction, so the state is committed with what it describes. The state lives in
 * {@code pipeline_state}, one narrow row an event beside the event as received ({@code received_event},
 * written once); the view {@code inbox_event} shows both. {@link InboxStore} inserts the row with the
 * event, {@link OutboxRelay} marks it published and re-drives it, and this class writes the rest: the
 * inbox module is the only writer of both tables. The methods for a poll take one array per column and
 * write the whole poll in one statement.
 */
@Component
public class PipelineState {

    private final JdbcTemplate jdbc;

    public PipelineState(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The canonical stage: the canonical forms of a poll's events that end there or leave the finance flow
     * (deals, contracts). An IGNORED event that was not already finished elsewhere ends as {@code ignored}
     * with its reason ({@code reasons}, null for the others). One statement; idempotent. The arrays are in
     * the same order.
     */
    public void canonicalForms(Long[] ids, String[] canonical, String[] types, String[] versions, String[] reasons) {
        jdbc.update("""
                update pipeline_state e set canonical = c.canonical::jsonb, canonical_type = c.type, mapping_version = c.version,
                       status = case when c.type = 'IGNORED' and e.status in ('received', 'published', 'dead_lettered')
                                     then 'ignored' else e.status end,
                       status_reason = case when c.type = 'IGNORED' and e.status in ('received', 'published', 'dead_lettered')
                                            then c.reason else e.status_reason end,
                       processed_at = case when c.type = 'IGNORED' and e.status in ('received', 'published', 'dead_lettered')
                                           then now() else e.processed_at end
                from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[]) as c(id, canonical, type, version, reason)
                where e.id = c.id""", ids, canonical, types, versions, reasons);
    }

    /**
     * The ledger stage: each event's outcome of a poll (status, reason, what it waits for) and its canonical
     * form where the poll brought it (null keeps the one stored: an event that waited has it already). One
     * statement. The arrays are in the same order.
     */
    public void outcomes(Long[] ids, String[] statuses, String[] reasons, String[] waitingFor, String[] canonical,
                         String[] types, String[] versions) {
        jdbc.update("""
                update pipeline_state e set status = o.status, status_reason = o.message, waiting_for = o.waiting_for,
                       processed_at = clock_timestamp(), canonical = coalesce(o.canonical::jsonb, e.canonical),
                       canonical_type = coalesce(o.type, e.canonical_type), mapping_version = coalesce(o.version, e.mapping_version)
                from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                     as o(id, status, message, waiting_for, canonical, type, version)
                where e.id = o.id""", ids, statuses, reasons, waitingFor, canonical, types, versions);
    }

    // one event at a time: a null id (a message without an inbox event) changes nothing

    /** An event waits for something another event brings (a contract for its CRM deal). */
    public void waiting(Long id, String waitingFor, String reason) {
        jdbc.update("update pipeline_state set status = 'waiting', waiting_for = ?, status_reason = ? where id = ?",
                waitingFor, reason, id);
    }

    /**
     * An event's end ({@code status}: posted, ignored, exception, ...) with its reason, unless a person
     * discarded it; it no longer waits for anything.
     */
    public void finished(Long id, String status, String reason) {
        jdbc.update("""
                update pipeline_state set status = ?, status_reason = ?, waiting_for = null, processed_at = now()
                where id = ? and status <> 'discarded'""", status, reason, id);
    }

    /** An event held as an exception after a person's decision (a rejected contract). */
    public void exception(Long id, String reason) {
        jdbc.update("update pipeline_state set status = 'exception', status_reason = ?, processed_at = now() where id = ?",
                reason, id);
    }

    /** A message of the event was dead-lettered: the event's end, unless it was posted or ignored already. */
    public void deadLettered(Long id, String reason) {
        jdbc.update("""
                update pipeline_state set status = 'dead_lettered', status_reason = ?, processed_at = now()
                where id = ? and status not in ('posted', 'ignored')""", reason, id);
    }

    /** A person replayed the event's dead letter: it is in the pipeline again. */
    public void replayed(Long id, long deadLetterId) {
        jdbc.update("update pipeline_state set status = 'published', status_reason = 'replayed from dead letter ' || ? where id = ?",
                deadLetterId, id);
    }

    /** A person discarded the event's dead letter. */
    public void discarded(Long id, String reason) {
        jdbc.update("update pipeline_state set status = 'discarded', status_reason = ? where id = ?", reason, id);
    }
}
