package io.ledgerbridge.inbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The durable inbox. An event is inserted with its idempotency key {@code (source, event_id)} in one
 * statement, so it is either stored with its key or not at all (stack.md trap 9: no key without its
 * row, no row without its key). The event as received ({@code received_event}) is written once; the same
 * statement inserts its row of {@code pipeline_state} ("received"), which the pipeline then updates
 * ({@link OutboxRelay}, {@link PipelineState}).
 * <p>
 * Group commit: the webhooks that arrive while a store is under way wait in a queue, and the next
 * store takes all of them (up to {@code ledgerbridge.webhooks.group-commit.max-events}) in one
 * statement and one commit; each sender is answered once the statement holding its event has
 * committed. Under load this turns a statement and a commit per webhook into one per group; a lone
 * webhook is stored at once. A store that fails fails every webhook of its group (503, the senders
 * retry); one that does not answer within the store timeout is answered 503 too, and if it commits
 * after all, the retry is answered as a duplicate: nothing is lost and nothing stored twice.
 * <p>
 * Metrics: {@code ledgerbridge_inbox_group_events} (events a statement stored: how well the commits are
 * shared) and {@code ledgerbridge_inbox_group_seconds} (a group's statement and commit).
 */
@Component
public class InboxStore {

    private static final Logger log = LoggerFactory.getLogger(InboxStore.class);

    /** The outcome of storing one received event. */
    public record Stored(long id, String source, String eventId, boolean duplicate, boolean samePayload) {
    }

    private record Request(String source, String eventId, String eventType, String partitionKey, String payload,
                           String sha256, String contentType, CompletableFuture<Stored> result) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ExceptionQueue exceptions;
    private final ObjectMapper mapper;
    private final int timeoutSeconds;
    private final int maxGroup;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean running = true;
    private final DistributionSummary groupEvents;
    private final Timer groupTime;

    /**
     * @param timeoutSeconds how long a store may take before the sender is told 503 (a locked or
     *                       unreachable database must not hold webhook senders until they time out)
     * @param maxGroup       the most events one statement stores (1: every event its own statement)
     * @param writerCount    how many groups may be stored at once
     */
    public InboxStore(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, ExceptionQueue exceptions,
                      ObjectMapper mapper,
                      @Value("${ledgerbridge.webhooks.store-timeout-seconds:5}") int timeoutSeconds,
                      @Value("${ledgerbridge.webhooks.group-commit.max-events:100}") int maxGroup,
                      @Value("${ledgerbridge.webhooks.group-commit.writers:2}") int writerCount,
                      MeterRegistry registry) {
        this.groupEvents = DistributionSummary.builder("ledgerbridge.inbox.group.events")
                .description("Events the inbox stored in one statement and commit (group commit)")
                .baseUnit("events")
                .register(registry);
        this.groupTime = Timer.builder("ledgerbridge.inbox.group")
                .description("Time to store one group of events in the inbox, statement and commit")
                .register(registry);
        this.jdbc = new JdbcTemplate(jdbc.getDataSource());
        this.transactions = new TransactionTemplate(transactionManager);
        this.exceptions = exceptions;
        this.mapper = mapper;
        this.jdbc.setQueryTimeout(timeoutSeconds);
        this.timeoutSeconds = timeoutSeconds;
        this.maxGroup = Math.max(1, maxGroup);
        for (int i = 0; i < Math.max(1, writerCount); i++) {
            Thread writer = new Thread(this::write, "inbox-writer-" + i);
            writer.setDaemon(true);
            writer.start();
            writers.add(writer);
        }
    }

    @PreDestroy
    void stop() {
        running = false;
        writers.forEach(Thread::interrupt);
    }

    /** Stores the event, or finds the one stored before under its key; waits for the commit of its group. */
    public Stored store(String source, String eventId, String eventType, String partitionKey, String payload,
                        String contentType) {
        Request request = new Request(source, eventId, eventType, partitionKey, payload, sha256(payload), contentType,
                new CompletableFuture<>());
        queue.add(request);
        try {
            return request.result().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DataAccessException dae) {
                throw dae;
            }
            throw new IllegalStateException("storing " + source + " event " + eventId + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new QueryTimeoutException("the inbox did not store " + source + " event " + eventId + " within "
                    + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueryTimeoutException("interrupted while storing " + source + " event " + eventId);
        }
    }

    /** A writer: takes what waits (at least one event, at most a group) and stores it in one statement. */
    private void write() {
        List<Request> group = new ArrayList<>(maxGroup);
        while (running) {
            try {
                group.add(queue.take());
                queue.drainTo(group, maxGroup - 1);
                long start = System.nanoTime();
                Map<Integer, Stored> stored = storeGroup(group);
                groupTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                groupEvents.record(group.size());
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).result().complete(stored.get(i));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                group.forEach(r -> r.result().completeExceptionally(e));
            } finally {
                group.clear();
            }
        }
    }

    /**
     * One statement for the whole group: inserts what is new (on conflict nothing) and finds, in the same
     * snapshot, what was stored before. Within the group the first event of a key is the one stored.
     */
    private Map<Integer, Stored> storeGroup(List<Request> group) {
        int n = group.size();
        String[] sources = new String[n];
        String[] eventIds = new String[n];
        String[] types = new String[n];
        String[] keys = new String[n];
        String[] payloads = new String[n];
        String[] shas = new String[n];
        String[] contentTypes = new String[n];
        for (int i = 0; i < n; i++) {
            Request r = group.get(i);
            sources[i] = r.source();
            eventIds[i] = r.eventId();
            types[i] = r.eventType();
            keys[i] = r.partitionKey();
            payloads[i] = r.payload();
            shas[i] = r.sha256();
            contentTypes[i] = r.contentType();
        }
        record Row(long id, boolean inserted, String storedSha) {
        }
        Map<Integer, Row> rows = new HashMap<>();
        jdbc.query("""
                with incoming as (
                    select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                                  with ordinality as t(source, event_id, event_type, partition_key, payload, payload_sha256,
                                                       content_type, n)),
                stored as (
                    insert into received_event (source, event_id, event_type, partition_key, payload, payload_sha256, content_type)
                    select source, event_id, event_type, partition_key, payload, payload_sha256, content_type
                    from incoming order by n
                    on conflict (source, event_id) do nothing
                    returning id, source, event_id),
                state as (
                    insert into pipeline_state (id) select id from stored order by id)
                select i.n, s.id, e.id, e.payload_sha256 from incoming i
                left join stored s on s.source = i.source and s.event_id = i.event_id
                left join received_event e on e.source = i.source and e.event_id = i.event_id""",
                rs -> {
                    int index = rs.getInt(1) - 1;
                    long insertedId = rs.getLong(2);
                    boolean inserted = !rs.wasNull();
                    long existingId = rs.getLong(3);
                    boolean existed = !rs.wasNull();
                    rows.put(index, inserted ? new Row(insertedId, true, null)
                            : existed ? new Row(existingId, false, rs.getString(4)) : null);
                }, sources, eventIds, types, keys, payloads, shas, contentTypes);
        Map<Integer, Stored> result = new HashMap<>();
        Map<String, Stored> firstOfKey = new HashMap<>();
        Map<String, String> storedShaOfKey = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Request r = group.get(i);
            String key = r.source() + '\u0000' + r.eventId();
            Stored first = firstOfKey.get(key);
            Row row = rows.get(i);
            Stored stored;
            if (first != null) {
                // the same event twice in one group: the first is the one stored
                stored = new Stored(first.id(), r.source(), r.eventId(), true, r.sha256().equals(storedShaOfKey.get(key)));
            } else if (row != null && row.inserted()) {
                stored = new Stored(row.id(), r.source(), r.eventId(), false, true);
                storedShaOfKey.put(key, r.sha256());
            } else if (row != null) {
                stored = new Stored(row.id(), r.source(), r.eventId(), true, r.sha256().equals(row.storedSha()));
                storedShaOfKey.put(key, row.storedSha());
            } else {
                // stored by another writer after this statement's snapshot was taken
                Row other = jdbc.queryForObject("select id, payload_sha256 from received_event where source = ? and event_id = ?",
                        (rs, k) -> new Row(rs.getLong(1), false, rs.getString(2)), r.source(), r.eventId());
                stored = new Stored(other.id(), r.source(), r.eventId(), true, r.sha256().equals(other.storedSha()));
                storedShaOfKey.put(key, other.storedSha());
            }
            firstOfKey.putIfAbsent(key, stored);
            result.put(i, stored);
        }
        if (n > 1 && log.isDebugEnabled()) {
            log.debug("Inbox: {} events stored in one statement", n);
        }
        return result;
    }

    /** A conflicting delivery as recorded: its row, how often this body came, the exception it opened (first time only). */
    public record Conflict(long id, int deliveries, Long exceptionId) {
    }

    /** The most of each body (in characters) a payload_conflict exception holds; beyond it, the start and the hash. */
    static final int CONFLICT_BODY_LIMIT = 65_536;

    /**
     * Records a delivery of an event already stored under its key with a different body. Called only for
     * such a delivery, after its group committed, so the group commit pays nothing for it. One transaction:
     * the conflict row (a repeat of the same body counts a delivery) and, for a body not seen before, the
     * payload_conflict exception holding both bodies (each at most {@value #CONFLICT_BODY_LIMIT} characters
     * beside its SHA-256 and size), opened on the review queue ({@link ExceptionQueue}).
     */
    public Conflict recordConflict(Stored stored, String payload, String contentType) {
        return transactions.execute(tx -> {
            Conflict delivery = jdbc.queryForObject("""
                    insert into inbox_conflict (inbox_event_id, payload_sha256, payload_bytes, content_type)
                    values (?, ?, ?, ?)
                    on conflict (inbox_event_id, payload_sha256)
                        do update set deliveries = inbox_conflict.deliveries + 1, last_received_at = now()
                    returning id, deliveries""",
                    (rs, n) -> new Conflict(rs.getLong(1), rs.getInt(2), null),
                    stored.id(), sha256(payload), utf8Bytes(payload), contentType);
            if (delivery.deliveries() != 1) {
                return delivery;
            }
            return new Conflict(delivery.id(), delivery.deliveries(),
                    exceptions.open(conflictException(stored, delivery.id(), payload, contentType)));
        });
    }

    /** The payload_conflict exception of a body not seen before: both bodies, bounded, with their hashes and sizes. */
    private NewException conflictException(Stored stored, long conflictId, String payload, String contentType) {
        record Found(String summary, String details) {
        }
        Found found = jdbc.queryForObject("""
                select e.source || ' event ' || e.event_id || ' was delivered again with a different body; '
                           || 'the sender was answered duplicate and the first body is kept',
                       jsonb_build_object('source', e.source, 'eventId', e.event_id, 'limit', ?::int,
                           'stored', jsonb_build_object('sha256', e.payload_sha256, 'bytes', octet_length(e.payload),
                               'receivedAt', e.received_at, 'contentType', e.content_type,
                               'payload', left(e.payload, ?), 'truncated', length(e.payload) > ?),
                           'delivered', jsonb_build_object('sha256', ?::text, 'bytes', ?::int,
                               'receivedAt', now(), 'contentType', ?::text,
                               'payload', left(?::text, ?), 'truncated', length(?::text) > ?))::text
                from received_event e where e.id = ?""",
                (rs, n) -> new Found(rs.getString(1), rs.getString(2)),
                CONFLICT_BODY_LIMIT, CONFLICT_BODY_LIMIT, CONFLICT_BODY_LIMIT,
                sha256(payload), utf8Bytes(payload), contentType, payload, CONFLICT_BODY_LIMIT, payload, CONFLICT_BODY_LIMIT,
                stored.id());
        Map<String, Object> details;
        try {
            details = mapper.readValue(found.details(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new NewException("payload_conflict", stored.id(), null, found.summary(), details, "ingress",
                "inbox_conflict", Long.toString(conflictId));
    }

    private static int utf8Bytes(String payload) {
        return payload.getBytes(StandardCharsets.UTF_8).length;
    }

    static String sha256(String payload) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
