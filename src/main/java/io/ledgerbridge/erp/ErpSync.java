package io.ledgerbridge.erp;

import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.pipeline.DeadLetterStore;
import io.ledgerbridge.exceptions.NewException;
import org.springframework.transaction.support.TransactionTemplate;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.domain.JournalEntry;
import io.ledgerbridge.ledger.domain.JournalLine;
import io.ledgerbridge.platform.faults.Faults;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The ERP side of the transactional outbox (named by {@code routes/erp/erp-sync.camel.yaml}): claims
 * due postings with {@code SKIP LOCKED} (any number of instances), looks a document up by our key
 * before re-posting anything a previous attempt may have committed, posts, reads the document back
 * to confirm it, and sorts failures: 429 / 5xx / timeouts back off (Retry-After or exponential) and
 * feed a circuit breaker per ERP; a refusal is a dead letter plus an exception with the ERP's own
 * message; a closed ERP period books the journal on the first day of the next month, noted on it.
 */
public class ErpSync {

    private static final Logger log = LoggerFactory.getLogger(ErpSync.class);

    private final JdbcTemplate jdbc;
    private final LedgerStore ledger;
    private final Map<String, ErpConnector> connectors;
    private final Map<String, ErpMaps> maps;
    private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
    private final MeterRegistry registry;
    private final int batchSize;
    private final long leaseSeconds;
    private final ExceptionQueue exceptions;
    private final TransactionTemplate transactions;
    private final DeadLetterStore deadLetters;

    public ErpSync(JdbcTemplate jdbc, LedgerStore ledger, Map<String, ErpConnector> connectors, Map<String, ErpMaps> maps,
                   MeterRegistry registry, ExceptionQueue exceptions, TransactionTemplate transactions, DeadLetterStore deadLetters,
                   int batchSize, Duration openFor, Duration lease) {
        this.exceptions = exceptions;
        this.transactions = transactions;
        this.deadLetters = deadLetters;
        this.leaseSeconds = lease.toSeconds();
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.connectors = connectors;
        this.maps = maps;
        this.registry = registry;
        this.batchSize = batchSize;
        for (String erp : connectors.keySet()) {
            CircuitBreaker cb = CircuitBreaker.of(erp, CircuitBreakerConfig.custom()
                    .slidingWindowSize(10).minimumNumberOfCalls(5).failureRateThreshold(50)
                    .waitDurationInOpenState(openFor).permittedNumberOfCallsInHalfOpenState(1)
                    .automaticTransitionFromOpenToHalfOpenEnabled(true)
                    .recordExceptions(ErpException.Retryable.class).build());
            cb.getEventPublisher().onStateTransition(e -> log.warn("ERP {} circuit breaker: {}", erp, e.getStateTransition()));
            breakers.put(erp, cb);
            Gauge.builder("ledgerbridge.erp.circuit.open", cb, b -> b.getState() == CircuitBreaker.State.OPEN ? 1 : 0)
                    .tag("erp", erp).description("1 while the ERP's circuit breaker is open").register(registry);
            Gauge.builder("ledgerbridge.erp.sync.lag.seconds", jdbc, j -> lag(j, erp)).tag("erp", erp)
                    .description("age of the oldest journal entry not yet in the ERP").register(registry);
        }
    }

    private static double lag(JdbcTemplate jdbc, String erp) {
        Double v = jdbc.queryForObject("""
                select coalesce(extract(epoch from now() - min(created_at)), 0) from erp_posting
                where erp = ? and status in ('pending', 'sending')""", Double.class, erp);
        return v == null ? 0 : v;
    }

    public ErpConnectors connectors() {
        return new ErpConnectors(Map.copyOf(connectors));
    }

    public CircuitBreaker.State state(String erp) {
        CircuitBreaker cb = breakers.get(erp);
        if (cb == null) {
            throw new IllegalArgumentException(erp + " is not a configured ERP");
        }
        return cb.getState();
    }

    /** One pass over every configured ERP; returns how many postings reached the ERP. */
    public int syncAll() {
        int done = 0;
        for (String erp : connectors.keySet()) {
            done += sync(erp);
        }
        return done;
    }

    public int sync(String erp) {
        CircuitBreaker cb = breakers.get(erp);
        if (!cb.tryAcquirePermission()) {
            return 0;
        }
        cb.releasePermission();
        List<Map<String, Object>> claimed = jdbc.queryForList("""
                update erp_posting set status = 'sending', attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
                where id in (select id from erp_posting where erp = ? and status in ('pending', 'sending') and next_attempt_at <= now()
                             order by id limit ? for update skip locked)
                returning id, entry_id, external_key, attempts""", leaseSeconds, erp, batchSize);
        claimed.sort(java.util.Comparator.comparingLong(m -> (Long) m.get("id")));
        int done = 0;
        for (int i = 0; i < claimed.size(); i++) {
            Map<String, Object> p = claimed.get(i);
            if (!cb.tryAcquirePermission()) {
                release(claimed.subList(i, claimed.size()), "circuit breaker open");
                break;
            }
            long started = System.nanoTime();
            try {
                one(erp, (Long) p.get("id"), (Long) p.get("entry_id"), (String) p.get("external_key"), (Integer) p.get("attempts"));
                cb.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                done++;
            } catch (ErpException.Retryable e) {
                cb.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
                retryLater(erp, (Long) p.get("id"), (Integer) p.get("attempts"), e);
            } catch (ErpException.Refused e) {
                cb.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                refuse(erp, (Long) p.get("id"), (Long) p.get("entry_id"), e.getMessage());
            } catch (RuntimeException e) {
                cb.releasePermission();
                retryLater(erp, (Long) p.get("id"), (Integer) p.get("attempts"), new ErpException.Retryable(e.getMessage(), null, e));
            }
        }
        return done;
    }

    private void one(String erp, long postingId, long entryId, String key, int attempts) {
        ErpConnector connector = connectors.get(erp);
        // a previous attempt may have reached the ERP before it failed for us: find it, never post it twice
        Optional<ErpDocument> existing = attempts > 1 ? connector.find(key) : Optional.empty();
        String erpId;
        LocalDate booked;
        String note = null;
        if (existing.isPresent()) {
            erpId = existing.get().erpId();
            booked = existing.get().date();
        } else {
            ErpJournal journal = journal(erp, entryId, key);
            booked = journal.date();
            String posted = null;
            for (int shift = 0; shift < 12 && posted == null; shift++) {
                try {
                    posted = connector.post(journal);
                } catch (ErpException.ClosedPeriod closed) {
                    LocalDate next = journal.date().withDayOfMonth(1).plusMonths(1);
                    note = "(dated " + journal.date() + "; the " + erp + " period is closed)";
                    journal = journal(erp, entryId, key).withDate(next, note);
                    booked = next;
                }
            }
            if (posted == null) {
                throw new ErpException.Refused(erp + ": no open period found within a year after " + journal.date());
            }
            erpId = posted;
            Faults.point("erp.posted");
        }
        jdbc.update("""
                update erp_posting set status = 'posted', erp_id = ?, erp_date = ?, posted_at = coalesce(posted_at, now()),
                       last_error = ? where id = ?""", erpId, java.sql.Date.valueOf(booked), note, postingId);
        // read back: the ERP's own view of what it booked
        connector.find(key).ifPresent(doc -> jdbc.update("""
                update erp_posting set status = 'confirmed', erp_status = ?, erp_date = ?, confirmed_at = now() where id = ?""",
                doc.status(), java.sql.Date.valueOf(doc.date()), postingId));
        registry.counter("ledgerbridge.erp.postings", "erp", erp, "outcome", existing.isPresent() ? "found" : "posted").increment();
    }

    ErpJournal journal(String erp, long entryId, String key) {
        JournalEntry entry = ledger.read(entryId);
        ErpMaps m = maps.get(erp);
        List<ErpJournal.Line> lines = new ArrayList<>();
        for (JournalLine l : entry.lines()) {
            lines.add(new ErpJournal.Line(l.account(), m.account(l.account()), l.debit(), l.credit(), l.customerId(), m.dimensions(l.account())));
        }
        return new ErpJournal(key, entryId, entry.date(), entry.currency(), m.currency(entry.currency()), entry.memo(), lines);
    }

    private void retryLater(String erp, long postingId, int attempts, ErpException.Retryable e) {
        long backoff = Math.min(600, (long) Math.pow(2, Math.min(attempts, 10)));
        long wait = e.retryAfter() == null ? backoff : Math.max(e.retryAfter().toSeconds(), 1);
        jdbc.update("""
                update erp_posting set status = 'pending', next_attempt_at = now() + make_interval(secs => ?), last_error = ? where id = ?""",
                wait, e.getMessage(), postingId);
        registry.counter("ledgerbridge.erp.postings", "erp", erp, "outcome", "retry").increment();
    }

    private void release(List<Map<String, Object>> rows, String why) {
        for (Map<String, Object> p : rows) {
            jdbc.update("""
                    update erp_posting set status = 'pending', attempts = attempts - 1, next_attempt_at = now() + interval '5 seconds',
                           last_error = ? where id = ?""", why, p.get("id"));
        }
    }

    /** The posting failed, its dead letter and its exception: one transaction, so no one sees one without the others. */
    private void refuse(String erp, long postingId, long entryId, String message) {
        String entryKey = transactions.execute(status -> {
            jdbc.update("update erp_posting set status = 'failed', last_error = ? where id = ?", message, postingId);
            String key = jdbc.queryForList("select entry_key from journal_entry where id = ?", String.class, entryId)
                    .stream().findFirst().orElse(null);
            if (key == null) {
                return null; // the entry is gone: nothing to report against (as before, no dead letter either)
            }
            deadLetters.storeRefused("erp-sync", "direct:erp-retry", erp + ":" + key, "{\"postingId\":" + postingId + "}",
                    ErpException.Refused.class.getName(), message);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("erp", erp);
            details.put("entry", entryId);
            details.put("entryKey", key);
            details.put("message", message);
            exceptions.open(NewException.of("erp_refused", "erp-sync",
                            "Journal entry " + key + " was not accepted by " + erp + ": " + message, details)
                    .subject("journal_entry", Long.toString(entryId)));
            return key;
        });
        registry.counter("ledgerbridge.erp.postings", "erp", erp, "outcome", "refused").increment();
        log.warn("{} refused journal entry {}: {}", erp, entryKey, message);
    }

    /** Replay of a dead-lettered posting: try it again now (after the cause was fixed). */
    public void retry(Map<String, Object> body) {
        Object id = body.get("postingId");
        jdbc.update("update erp_posting set status = 'pending', next_attempt_at = now(), last_error = null where id = ? and status = 'failed'",
                ((Number) id).longValue());
    }
}
