package io.ledgerbridge.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Events that arrive before what they depend on (a payment before its invoice) wait, and are applied,
 * in the transaction that posts it, as soon as it is posted: a batch reads once what already waits
 * for what it will post, and drains it when it posts it.
 * <p>
 * Events that wait for something that never comes (a payment whose invoice was never finalized)
 * must not wait silently: after {@code ledgerbridge.ledger.waiting-timeout-minutes} each one opens
 * an exception, once, for a person to look at. The event keeps waiting: if its dependency arrives
 * later it is still posted.
 */
@Component("waitingEvents")
public class WaitingEvents {

    private static final Logger log = LoggerFactory.getLogger(WaitingEvents.class);

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final ExceptionQueue exceptions;
    private final int timeoutMinutes;
    private final int feeTimeoutMinutes;

    public WaitingEvents(JdbcTemplate jdbc, ObjectMapper mapper, ExceptionQueue exceptions,
                         @Value("${ledgerbridge.ledger.waiting-timeout-minutes:1440}") int timeoutMinutes,
                         @Value("${ledgerbridge.ledger.fee-timeout-minutes:1440}") int feeTimeoutMinutes) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.exceptions = exceptions;
        this.timeoutMinutes = timeoutMinutes;
        this.feeTimeoutMinutes = feeTimeoutMinutes;
    }

    /**
     * Reads (and locks) for a batch the events already waiting for what it may post ({@code invoice:...},
     * {@code payment:...}, {@code payment-intent:...}), so that draining them reads nothing more.
     */
    void loadWaiting(List<String> dependencies, Batch batch) {
        if (!dependencies.isEmpty()) {
            for (String dependency : dependencies) {
                batch.stored.put(dependency, new ArrayList<>());
            }
            jdbc.query("""
                    select id, waiting_for, canonical::text from inbox_event
                    where status = 'waiting' and waiting_for = any(?) order by id for update""",
                    rs -> {
                        batch.stored.get(rs.getString(2)).add(waitingEvent(rs.getLong(1), rs.getString(3)));
                    }, (Object) dependencies.toArray(String[]::new));
        }
    }

    /**
     * The waiting events whose invoice or payment is posted by now, at most 500, locked (rows another
     * transaction holds are skipped, not waited for): each one into {@code events}, its canonical form
     * into {@code forms}.
     */
    void ready(List<CanonicalEvent> events, List<String> forms) {
        jdbc.query("""
                select id, canonical::text from inbox_event i
                where status = 'waiting' and (
                      waiting_for like 'invoice:%' and exists (select 1 from ar_invoice a where a.invoice_id = substr(i.waiting_for, 9))
                   or waiting_for like 'payment:%' and exists (select 1 from ar_payment p where p.payment_id = substr(i.waiting_for, 9))
                   or waiting_for like 'payment-intent:%'
                      and exists (select 1 from ar_payment p where p.payment_intent = substr(i.waiting_for, 16))
                   or waiting_for like 'settled:%' and exists (select 1 from ar_invoice a where a.invoice_id = substr(i.waiting_for, 9)
                      and a.total - a.amount_paid - a.amount_credited - a.amount_written_off <= 0))
                order by id limit 500 for update skip locked""",
                rs -> {
                    events.add(waitingEvent(rs.getLong(1), rs.getString(2)));
                    forms.add(rs.getString(2));
                });
    }

    /**
     * Applies the events that were waiting for {@code dependency}, in the order they arrived; returns the
     * entries they posted. In a batch, those are the ones the database holds (read for the whole batch
     * at its start where it could know the dependency) and those that started waiting earlier in it.
     */
    List<Long> drain(String dependency, Batch batch) {
        List<CanonicalEvent> stored = batch.stored.remove(dependency);
        List<CanonicalEvent> waiting = new ArrayList<>(stored != null ? stored : storedWaiting(dependency));
        waiting.addAll(batch.waiting.getOrDefault(dependency, List.of()));
        batch.waiting.remove(dependency);
        // an event is drained once per dependency (it may wait again, for something else, after it was applied)
        waiting.removeIf(e -> e.inboxId() != null && !batch.drained.add(e.inboxId() + "@" + dependency));
        List<Long> posted = new ArrayList<>();
        for (CanonicalEvent e : waiting) {
            posted.addAll(batch.apply(e).entryIds());
        }
        return posted;
    }

    private List<CanonicalEvent> storedWaiting(String dependency) {
        return jdbc.query("""
                select id, canonical::text as canonical from inbox_event
                where status = 'waiting' and waiting_for = ? order by id for update""",
                (rs, i) -> waitingEvent(rs.getLong(1), rs.getString(2)), dependency);
    }

    private CanonicalEvent waitingEvent(long inboxId, String canonical) {
        try {
            return mapper.readValue(canonical, CanonicalEvent.class).withInboxId(inboxId);
        } catch (java.io.IOException ex) {
            throw new IllegalStateException("waiting event " + inboxId + " cannot be read back", ex);
        }
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
            // the event that posted the payment
            Long event = jdbc.queryForList("""
                    select i.id from inbox_event i join journal_entry e on i.id = any(e.source_event_ids)
                    where e.id = ? limit 1""", Long.class, p.get("entry_id")).stream().findFirst().orElse(null);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("payment", payment);
            details.put("amount", p.get("amount"));
            details.put("currency", p.get("currency"));
            exceptions.open(new NewException("fee_unknown", event, (String) p.get("customer_id"),
                    "The processor fee of payment " + payment.substring(payment.indexOf(':') + 1) + " (" + p.get("amount") + " "
                            + p.get("currency") + ", paid " + p.get("paid_at") + ") is still unknown: no event carried its balance "
                            + "transaction and no payout listed it. Check it in Stripe; it is posted when it becomes known.",
                    details, "ledger", null, null));
        }
        if (!flagged.isEmpty()) {
            log.warn("{} payments have had no known processor fee for more than {} minutes: exceptions opened", flagged.size(),
                    feeTimeoutMinutes);
        }
        return flagged.size();
    }

    /** Opens an exception for each event waiting longer than the timeout; returns how many. */
    @Transactional
    public int flagOverdue() {
        List<Map<String, Object>> overdue = jdbc.queryForList("""
                select i.id, i.source || ' event ' || i.event_id || ' (' || i.event_type || ') has waited since '
                           || to_char(i.received_at, 'YYYY-MM-DD HH24:MI TZ') || ' for ' || i.waiting_for as summary,
                       i.waiting_for
                from inbox_event i
                where i.status = 'waiting' and i.received_at < now() - make_interval(mins => ?)
                  and not exists (select 1 from exception_item x where x.inbox_event_id = i.id and x.kind = 'dependency_missing')
                order by i.id""",
                timeoutMinutes);
        for (Map<String, Object> i : overdue) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("waitingFor", i.get("waiting_for"));
            exceptions.open(new NewException("dependency_missing", ((Number) i.get("id")).longValue(), null,
                    (String) i.get("summary"), details, "ledger", null, null));
        }
        int n = overdue.size();
        if (n > 0) {
            log.warn("{} events have waited more than {} minutes for what they depend on: exceptions opened", n, timeoutMinutes);
        }
        return n;
    }
}
