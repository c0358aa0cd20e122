package io.ledgerbridge.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Events that wait for something that never comes (a payment whose invoice was never finalized)
 * must not wait silently: after {@code ledgerbridge.ledger.waiting-timeout-minutes} each one opens
 * an exception, once, for a person to look at. The event keeps waiting: if its dependency arrives
 * later it is still posted.
 */
@Component("waitingEvents")
public class WaitingEvents {

    private static final Logger log = LoggerFactory.getLogger(WaitingEvents.class);

    private final JdbcTemplate jdbc;
    private final int timeoutMinutes;

    public WaitingEvents(JdbcTemplate jdbc, @Value("${ledgerbridge.ledger.waiting-timeout-minutes:1440}") int timeoutMinutes) {
        this.jdbc = jdbc;
        this.timeoutMinutes = timeoutMinutes;
    }

    /** Opens an exception for each event waiting longer than the timeout; returns how many. */
    public int flagOverdue() {
        int n = jdbc.update("""
                insert into exception_item (kind, inbox_event_id, summary, details, requested_by)
                select 'dependency_missing', i.id,
                       i.source || ' event ' || i.event_id || ' (' || i.event_type || ') has waited since '
                           || to_char(i.received_at, 'YYYY-MM-DD HH24:MI TZ') || ' for ' || i.waiting_for,
                       jsonb_build_object('waitingFor', i.waiting_for), 'ledger'
                from inbox_event i
                where i.status = 'waiting' and i.received_at < now() - make_interval(mins => ?)
                  and not exists (select 1 from exception_item x where x.inbox_event_id = i.id and x.kind = 'dependency_missing')""",
                timeoutMinutes);
        if (n > 0) {
            log.warn("{} events have waited more than {} minutes for what they depend on: exceptions opened", n, timeoutMinutes);
        }
        return n;
    }
}
