package io.ledgerbridge.ledger;

import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

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
    private final int feeTimeoutMinutes;

    public WaitingEvents(JdbcTemplate jdbc, @Value("${ledgerbridge.ledger.waiting-timeout-minutes:1440}") int timeoutMinutes,
                         @Value("${ledgerbridge.ledger.fee-timeout-minutes:1440}") int feeTimeoutMinutes) {
        this.jdbc = jdbc;
        this.timeoutMinutes = timeoutMinutes;
        this.feeTimeoutMinutes = feeTimeoutMinutes;
    }

    /**
     * A payment whose processor fee is still unknown {@code ledgerbridge.ledger.fee-timeout-minutes} (a day) after
     * it was paid opens an exception for review, once: no event carried its balance transaction, the API could not
     * read it, and no payout listed it. The fee is still posted if it becomes known later. Returns how many.
     */
    @Transactional
    public int flagUnknownFees() {
        List<Map<String, Object>> flagged = jdbc.queryForList("""
                update ar_payment set fee_status = 'flagged'
                where fee_status = 'unknown' and paid_at < now() - make_interval(mins => ?)
                returning payment_id, customer_id, amount, currency, paid_at, entry_id""", feeTimeoutMinutes);
        for (Map<String, Object> p : flagged) {
            String payment = (String) p.get("payment_id");
            jdbc.update("""
                    insert into exception_item (kind, inbox_event_id, customer_id, summary, details, requested_by)
                    values ('fee_unknown', (select i.id from inbox_event i join journal_entry e on i.id = any(e.source_event_ids)
                                            where e.id = ? limit 1), ?, ?,
                            jsonb_build_object('payment', ?::text, 'amount', ?::bigint, 'currency', ?::text), 'ledger')""",
                    p.get("entry_id"), p.get("customer_id"),
                    "The processor fee of payment " + payment.substring(payment.indexOf(':') + 1) + " (" + p.get("amount") + " "
                            + p.get("currency") + ", paid " + p.get("paid_at") + ") is still unknown: no event carried its balance "
                            + "transaction and no payout listed it. Check it in Stripe; it is posted when it becomes known.",
                    payment, p.get("amount"), p.get("currency"));
        }
        if (!flagged.isEmpty()) {
            log.warn("{} payments have had no known processor fee for more than {} minutes: exceptions opened", flagged.size(),
                    feeTimeoutMinutes);
        }
        return flagged.size();
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
