package io.ledgerbridge.sources.stripe.imports;
import io.ledgerbridge.inbox.Inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.sources.stripe.imports.ImportedEvents.Family;
import io.ledgerbridge.sources.stripe.imports.ImportedEvents.Imported;
import io.ledgerbridge.inbox.InboxStore;
import io.ledgerbridge.platform.faults.Faults;
import io.ledgerbridge.platform.jobs.JobProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Stripe history import (issue 21): lists the objects of a date range family by family (invoices
 * before what pays, credits or refunds them), turns each into the events Stripe would have sent
 * ({@link ImportedEvents}), and stores them through the webhooks' own inbox ({@link InboxStore#store},
 * idempotent by event id), from where the normal pipeline posts them. The ledger's entry keys are by
 * business object, so an imported event and a webhook for the same change post once.
 * <p>
 * Position: per family, the id of the last object of the last page whose events are all stored
 * ({@code stripe_import_cursor}), written after the page's events are committed. A restart (or a
 * {@code kill -9}) reads the page after the cursor again; what of it was stored before is a duplicate.
 * One import at a time, cluster-wide: the instance that runs it holds a PostgreSQL advisory lock on a
 * connection of its own for the whole run, which the database releases when the instance dies; every
 * instance looks for running imports nobody holds at start-up and every
 * {@code ledgerbridge.stripe.import.resume-period-ms}, and resumes them.
 * <p>
 * Progress: {@code job_run} (kind {@code stripe_import}, detail read, stored, posted, ratePerSecond,
 * etaSeconds), the log, {@code ledgerbridge.stripe.import.objects} / {@code .events} counters and the
 * {@code ledgerbridge.stripe.import.rate} gauge. Cancelling (the job's cancel) is read between pages.
 */
@Service("stripeImports")
public class StripeImports {

    private static final Logger log = LoggerFactory.getLogger(StripeImports.class);
    static final String KIND = "stripe_import";
    /** First key of the advisory lock an instance holds while it runs an import (the second is the import id). */
    private static final int LOCK = 0x4c42494d; // "LBIM"
    /** How often one event is handed to the inbox when it answers late before the import pauses. */
    private static final int STORE_ATTEMPTS = 10;

    /** A running or finished import as the API shows it. */
    public record Status(long id, long jobId, LocalDate from, LocalDate to, String status, String phase,
                         boolean opening, int openingEntries, Map<String, Object> progress,
                         List<Map<String, Object>> families, String message, java.time.OffsetDateTime startedAt,
                         java.time.OffsetDateTime finishedAt) {
    }

    /** A run that stops here as if its instance had died (fault tests): the row stays running, the lock is released. */
    static final class Abandoned extends RuntimeException {
        Abandoned(String where) {
            super("import abandoned at " + where + " (fault injection)");
        }
    }

    private final JdbcTemplate jdbc;
    private final DataSource dataSource;
    private final StripeLists lists;
    private final ImportedEvents events;
    private final StripeInbox inbox;
    private final JobProgress jobs;
    private final OpeningBalances openings;
    private final ZoneId zone;
    private final int storeConcurrency;
    private final long postingWaitSeconds;
    private final int pagesInFlight;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> daemon(r, "stripe-import"));
    private final ExecutorService fetcher = Executors.newCachedThreadPool(r -> daemon(r, "stripe-import-fetch"));
    private final ExecutorService storers;
    private final Map<Long, Future<?>> running = new ConcurrentHashMap<>();
    private final Counter objectsRead;
    private final Counter eventsStored;
    private final AtomicReference<Double> rate = new AtomicReference<>(0.0);

    public StripeImports(JdbcTemplate jdbc, StripeLists lists, StripeInbox inbox,
                         JobProgress jobs, OpeningBalances openings, ObjectMapper mapper, MeterRegistry registry,
                         @Value("${ledgerbridge.timezone:UTC}") String timezone,
                         @Value("${ledgerbridge.stripe.import.store-concurrency:100}") int storeConcurrency,
                         @Value("${ledgerbridge.stripe.import.posting-wait-seconds:900}") long postingWaitSeconds,
                         @Value("${ledgerbridge.stripe.import.pages-in-flight:4}") int pagesInFlight) {
        this.jdbc = jdbc;
        this.dataSource = jdbc.getDataSource();
        this.lists = lists;
        this.events = new ImportedEvents(mapper);
        this.inbox = inbox;
        this.jobs = jobs;
        this.openings = openings;
        this.zone = ZoneId.of(timezone);
        this.storeConcurrency = Math.max(1, storeConcurrency);
        this.postingWaitSeconds = postingWaitSeconds;
        this.pagesInFlight = Math.max(1, pagesInFlight);
        this.storers = Executors.newFixedThreadPool(this.storeConcurrency, r -> daemon(r, "stripe-import-store"));
        this.objectsRead = Counter.builder("ledgerbridge.stripe.import.objects")
                .description("Stripe objects read by history imports").register(registry);
        this.eventsStored = Counter.builder("ledgerbridge.stripe.import.events")
                .description("Events history imports stored in the inbox (new ones, not duplicates)").register(registry);
        Gauge.builder("ledgerbridge.stripe.import.rate", rate, AtomicReference::get)
                .description("Objects a second the running history import reads").baseUnit("objects").register(registry);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @PreDestroy
    void stop() {
        runner.shutdownNow();
        fetcher.shutdownNow();
        storers.shutdownNow();
    }

    public boolean configured() {
        return lists.configured();
    }

    // ---- starting, resuming, cancelling -------------------------------------------------------

    /** Starts an import of [from, to); throws DuplicateKeyException while another one runs. */
    public Status start(LocalDate from, LocalDate to, boolean opening, String user) {
        if (!lists.configured()) {
            throw new StripeLists.NotConfigured();
        }
        String name = from + ".." + to;
        long jobId = jobs.start(KIND, name, null, user);
        long id;
        try {
            id = jdbc.queryForObject("""
                    insert into stripe_import (job_id, range_from, range_to, opening, phase, started_by, first_inbox_id)
                    values (?, ?, ?, ?, ?, ?, (select coalesce(max(id), 0) + 1 from inbox_event)) returning id""", Long.class, jobId, from, to, opening,
                    opening ? "opening" : "listing", user);
        } catch (org.springframework.dao.DuplicateKeyException e) {
            jobs.finish(jobId, "failed", "another Stripe import is running");
            throw e;
        }
        jdbc.update("""
                insert into stripe_import_cursor (import_id, family) select ?, f from unnest(?::text[]) f""",
                id, java.util.Arrays.stream(Family.values()).map(f -> f.key).toArray(String[]::new));
        log.info("Stripe import {} of {} started by {} (job {}), {} requests/s", id, name, user, jobId,
                lists.requestsPerSecond());
        submit(id);
        return status(id).orElseThrow();
    }

    /** Asks a running import to stop between two pages; false when it is not running. */
    public boolean cancel(long id) {
        Long jobId = jdbc.query("select job_id from stripe_import where id = ? and status = 'running'",
                rs -> rs.next() ? rs.getLong(1) : null, id);
        return jobId != null && jobs.requestCancel(jobId);
    }

    @EventListener(ApplicationReadyEvent.class)
    void resumeAtStart() {
        resumeUnowned();
    }

    /** Resumes the running imports no instance is working on (after a restart or the death of an instance). */
    public int resumeUnowned() {
        int resumed = 0;
        for (Long id : jdbc.queryForList("select id from stripe_import where status = 'running' order by id", Long.class)) {
            if (running.containsKey(id)) {
                continue;
            }
            Boolean held = jdbc.queryForObject("""
                    select exists (select 1 from pg_locks where locktype = 'advisory' and classid = ? and objid = ?
                                   and objsubid = 2 and granted)""", Boolean.class, LOCK, id.intValue());
            if (!Boolean.TRUE.equals(held)) {
                log.info("Stripe import {} is running and nobody works on it: resuming from its cursors", id);
                submit(id);
                resumed++;
            }
        }
        return resumed;
    }

    private synchronized void submit(long id) {
        if (running.containsKey(id)) {
            return;
        }
        running.put(id, runner.submit(() -> {
            try {
                runLocked(id);
            } finally {
                running.remove(id);
            }
        }));
    }

    /** Whether this instance is working on the import now. */
    public boolean runningHere(long id) {
        return running.containsKey(id);
    }

    private void runLocked(long id) {
        try (Connection lockConnection = dataSource.getConnection()) {
            lockConnection.setAutoCommit(true);
            if (!tryLock(lockConnection, id)) {
                log.info("Stripe import {} is being run by another instance", id);
                return;
            }
            try {
                run(id);
            } finally {
                try (PreparedStatement s = lockConnection.prepareStatement("select pg_advisory_unlock(?, ?)")) {
                    s.setInt(1, LOCK);
                    s.setInt(2, (int) id);
                    s.execute();
                }
            }
        } catch (Abandoned e) {
            log.warn("Stripe import {}: {}", id, e.getMessage());
        } catch (org.springframework.dao.DataAccessException e) {
            // the database or the inbox is unavailable or too slow for now: what is committed stays, the import
            // stays running, and the next resume check (any instance) carries on from its cursors
            log.warn("Stripe import {} paused, the database did not answer ({}); it resumes from its cursors", id, e.getMessage());
        } catch (SQLException e) {
            log.error("Stripe import {} could not take its lock; the next resume check tries again", id, e);
        } catch (RuntimeException e) {
            log.error("Stripe import {} failed", id, e);
            finish(id, "failed", e.getMessage());
        }
    }

    private static boolean tryLock(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select pg_try_advisory_lock(?, ?)")) {
            s.setInt(1, LOCK);
            s.setInt(2, (int) id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    // ---- the run --------------------------------------------------------------------------------

    private record Row(long jobId, LocalDate from, LocalDate to, String status, String phase, boolean opening) {
    }

    /** Counters of one run, started from what the cursors say was done before a restart. */
    private final class Progress {
        final long id;
        final long jobId;
        final AtomicLong read = new AtomicLong();
        final AtomicLong stored = new AtomicLong();
        final AtomicLong eventCount = new AtomicLong();
        final long startNanos = System.nanoTime();
        final long readAtStart;
        /** Every inbox row this import stores has an id from here on (the inbox's next id when it started). */
        final long firstInboxId;
        long lastReport;
        long lastPostedCount;
        long lastPostedAt;
        double fraction;

        Progress(long id, long jobId) {
            this.id = id;
            this.jobId = jobId;
            jdbc.query("select coalesce(sum(objects), 0), coalesce(sum(stored), 0), coalesce(sum(events), 0) "
                    + "from stripe_import_cursor where import_id = ?", rs -> {
                        read.set(rs.getLong(1));
                        stored.set(rs.getLong(2));
                        eventCount.set(rs.getLong(3));
                    }, id);
            readAtStart = read.get();
            firstInboxId = jdbc.queryForObject("select first_inbox_id from stripe_import where id = ?", Long.class, id);
        }

        double ratePerSecond() {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            return seconds <= 0 ? 0 : (read.get() - readAtStart) / seconds;
        }

        void report(String phase, boolean force) {
            long now = System.currentTimeMillis();
            if (!force && now - lastReport < 1000) {
                return;
            }
            lastReport = now;
            if (force || now - lastPostedAt > 2000) {
                lastPostedCount = posted(id);
                lastPostedAt = now;
            }
            double r = ratePerSecond();
            rate.set(r);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("phase", phase);
            detail.put("read", read.get());
            detail.put("events", eventCount.get());
            detail.put("stored", stored.get());
            detail.put("posted", lastPostedCount);
            detail.put("ratePerSecond", Math.round(r * 10) / 10.0);
            Long eta = eta(phase, r);
            if (eta != null) {
                detail.put("etaSeconds", eta);
            }
            jobs.advance(jobId, read.get(), null, detail);
            log.info("Stripe import {}: {} objects read ({}/s), {} events stored, {} posted, phase {}{}", id, read.get(),
                    Math.round(r), stored.get(), lastPostedCount, phase, eta == null ? "" : ", about " + eta + " s to go");
        }

        /** Listing: the share of the range the families have covered so far; posting: the backlog at the posting rate. */
        private Long eta(String phase, double r) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            if (phase.equals("listing") && fraction > 0.001 && r > 0) {
                return Math.round(seconds * (1 - fraction) / fraction);
            }
            if (phase.equals("posting") && lastPostedCount > 0 && seconds > 0) {
                long left = Math.max(0, stored.get() - lastPostedCount);
                return Math.round(left / Math.max(1e-9, lastPostedCount / seconds));
            }
            return null;
        }
    }

    private void run(long id) {
        Row row = jdbc.queryForObject("select job_id, range_from, range_to, status, phase, opening from stripe_import where id = ?",
                (rs, i) -> new Row(rs.getLong(1), rs.getObject(2, LocalDate.class), rs.getObject(3, LocalDate.class),
                        rs.getString(4), rs.getString(5), rs.getBoolean(6)), id);
        if (!row.status().equals("running")) {
            return;
        }
        Progress progress = new Progress(id, row.jobId());
        if (row.phase().equals("opening")) {
            int entries = openings.book(id, row.from(), progress.read::addAndGet);
            jdbc.update("update stripe_import set phase = 'listing', opening_entries = ? where id = ?", entries, id);
            log.info("Stripe import {}: {} opening entries booked at {}", id, entries, row.from());
        }
        long fromEpoch = row.from().atStartOfDay(zone).toEpochSecond();
        long toEpoch = row.to().atStartOfDay(zone).toEpochSecond();
        Family[] families = Family.values();
        for (int f = 0; f < families.length; f++) {
            Family family = families[f];
            Boolean done = jdbc.queryForObject("select done from stripe_import_cursor where import_id = ? and family = ?",
                    Boolean.class, id, family.key);
            if (!Boolean.TRUE.equals(done)) {
                if (!importFamily(progress, family, f, families.length, fromEpoch, toEpoch)) {
                    return;
                }
            }
        }
        jdbc.update("update stripe_import set phase = 'posting' where id = ?", id);
        progress.fraction = 1;
        long deadline = System.currentTimeMillis() + postingWaitSeconds * 1000;
        while (unposted(id) > 0 && System.currentTimeMillis() < deadline) {
            if (jobs.cancelRequested(progress.jobId)) {
                finish(id, "cancelled", "cancelled while its events were being posted");
                return;
            }
            progress.report("posting", false);
            sleep(500);
        }
        progress.report("posting", true);
        long left = unposted(id);
        finish(id, "succeeded", progress.read.get() + " objects read, " + progress.stored.get() + " events stored, "
                + progress.lastPostedCount + " posted" + (left > 0 ? ", " + left + " still in the pipeline" : ""));
    }

    /** A unit of work: the objects of one page (or of one page of customers) and the cursor after them. */
    private record Unit(List<JsonNode> objects, String cursor, String apiVersion, long oldestCreated, boolean last,
                        RuntimeException failure) {
    }

    /** Lists one family from its cursor to its end; false when the run stopped (cancelled). */
    private boolean importFamily(Progress progress, Family family, int index, int count, long fromEpoch, long toEpoch) {
        long id = progress.id;
        String cursor = jdbc.queryForObject("select last_id from stripe_import_cursor where import_id = ? and family = ?",
                String.class, id, family.key);
        Map<String, String> range = new LinkedHashMap<>();
        range.put("created[gte]", Long.toString(fromEpoch));
        range.put("created[lt]", Long.toString(toEpoch));
        if (family == Family.CHARGES) {
            range.put("expand[]", "data.balance_transaction");
        }
        BlockingQueue<Unit> queue = new ArrayBlockingQueue<>(8);
        Future<?> fetching = fetcher.submit(() -> fetch(family, range, cursor, queue));
        // pages whose events are being stored, oldest first; their cursors move in this order as each completes
        java.util.ArrayDeque<Storing> storing = new java.util.ArrayDeque<>();
        try {
            while (true) {
                if (jobs.cancelRequested(progress.jobId)) {
                    finish(id, "cancelled", "cancelled after " + progress.read.get() + " objects");
                    return false;
                }
                Unit unit = queue.take();
                if (unit.failure() != null) {
                    throw unit.failure();
                }
                storing.add(submit(unit));
                while (storing.size() > pagesInFlight || (unit.last() && !storing.isEmpty())) {
                    Storing page = storing.poll();
                    Stored stored = awaitStored(progress, page);
                    Faults.point("import.page-stored");
                    if (Faults.fails("import.page-stored")) {
                        throw new Abandoned("import.page-stored");
                    }
                    Unit done = page.unit();
                    jdbc.update("""
                            update stripe_import_cursor set last_id = coalesce(?, last_id), done = ?, pages = pages + 1,
                                   objects = objects + ?, events = events + ?, stored = stored + ?
                            where import_id = ? and family = ?""",
                            done.cursor(), done.last(), done.objects().size(), stored.events(), stored.stored(), id, family.key);
                    double within = done.oldestCreated() > 0 && toEpoch > fromEpoch
                            ? Math.min(1, Math.max(0, (double) (toEpoch - done.oldestCreated()) / (toEpoch - fromEpoch))) : 0;
                    progress.fraction = (index + (done.last() ? 1 : within)) / count;
                    progress.report("listing", false);
                }
                if (unit.last()) {
                    log.info("Stripe import {}: {} done", id, family.key);
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Abandoned("shutdown");
        } finally {
            fetching.cancel(true);
        }
    }

    /** What storing a unit did: the events its objects became, and how many of them the inbox did not have. */
    private record Stored(int events, int stored) {
    }

    /** Reads pages ahead of the store, in order, into the queue (the back-pressure of its capacity). */
    private void fetch(Family family, Map<String, String> range, String cursor, BlockingQueue<Unit> queue) {
        try {
            String after = cursor;
            while (!Thread.currentThread().isInterrupted()) {
                Unit unit = family == Family.CUSTOMER_BALANCE_TRANSACTIONS ? customerPage(range, after)
                        : listPage(family, range, after);
                queue.put(unit);
                if (unit.last()) {
                    return;
                }
                after = unit.cursor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            try {
                queue.put(new Unit(List.of(), null, null, 0, false, e));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Unit listPage(Family family, Map<String, String> range, String after) {
        StripeLists.Page page = lists.page(family.path, range, after);
        if (page == null) {
            return new Unit(List.of(), null, null, 0, true, null);
        }
        long oldest = page.data().isEmpty() ? 0 : page.data().get(page.data().size() - 1).path("created").asLong();
        return new Unit(page.data(), page.lastId(), page.apiVersion(), oldest, !page.hasMore() || page.data().isEmpty(), null);
    }

    /** A page of customers, and the balance transactions of each in the range (the list exists per customer only). */
    private Unit customerPage(Map<String, String> range, String after) {
        StripeLists.Page customers = lists.page("/v1/customers", Map.of(), after);
        if (customers == null) {
            return new Unit(List.of(), null, null, 0, true, null);
        }
        Map<String, String> filters = new LinkedHashMap<>(range);
        List<JsonNode> transactions = new ArrayList<>();
        String version = customers.apiVersion();
        for (JsonNode customer : customers.data()) {
            String path = "/v1/customers/" + customer.path("id").asText() + "/balance_transactions";
            String txnAfter = null;
            while (true) {
                StripeLists.Page page = lists.page(path, filters, txnAfter);
                if (page == null) {
                    break;
                }
                transactions.addAll(page.data());
                if (!page.hasMore() || page.data().isEmpty()) {
                    break;
                }
                txnAfter = page.lastId();
            }
        }
        return new Unit(transactions, customers.lastId(), version, 0, !customers.hasMore() || customers.data().isEmpty(),
                null);
    }

    /** A page whose events are handed to the inbox, and the answers to come. */
    private record Storing(Unit unit, List<Future<InboxStore.Stored>> futures) {
    }

    /** Hands a unit's events to the inbox, many at once so its group commit takes them together. */
    private Storing submit(Unit unit) {
        List<Imported> all = new ArrayList<>();
        for (JsonNode object : unit.objects()) {
            all.addAll(events.of(object, unit.apiVersion()));
        }
        List<Future<InboxStore.Stored>> futures = new ArrayList<>(all.size());
        for (Imported e : all) {
            futures.add(storers.submit(() -> storeOne(e)));
        }
        return new Storing(unit, futures);
    }

    /**
     * Stores one event, asking again when the inbox answers late: the webhooks' store timeout is for senders
     * that should retry, and the import is that sender (a late store may have committed after all: then the
     * second is a duplicate of it).
     */
    private InboxStore.Stored storeOne(Imported e) {
        for (int attempt = 1; ; attempt++) {
            try {
                return inbox.store(e.envelope());
            } catch (org.springframework.dao.QueryTimeoutException timeout) {
                if (attempt >= STORE_ATTEMPTS) {
                    throw timeout;
                }
                log.debug("Inbox late for {} (attempt {}): storing it again", e.eventId(), attempt);
            }
        }
    }

    /** Waits until every event of a page is stored (or found stored) and counts them. */
    private Stored awaitStored(Progress progress, Storing page) throws InterruptedException {
        Unit unit = page.unit();
        List<Future<InboxStore.Stored>> futures = page.futures();
        int stored = 0;
        for (Future<InboxStore.Stored> f : futures) {
            InboxStore.Stored s;
            try {
                s = f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re
                        : new IllegalStateException("storing an imported event failed", e.getCause());
            }
            // stored by this import: new now, or by an earlier pass of this import over the same page (a crash
            // between storing a page and moving its cursor); what earlier imports stored is older than its start
            if (!s.duplicate() || s.id() >= progress.firstInboxId) {
                stored++;
            }
        }
        progress.read.addAndGet(unit.objects().size());
        progress.eventCount.addAndGet(futures.size());
        progress.stored.addAndGet(stored);
        objectsRead.increment(unit.objects().size());
        eventsStored.increment(stored);
        return new Stored(futures.size(), stored);
    }

    // ---- progress and status ------------------------------------------------------------------

    /** Events this import stored that the pipeline has taken to an outcome (posted, ignored, waiting, exception...). */
    long posted(long id) {
        Long n = jdbc.queryForObject("""
                select count(*) from inbox_event e, stripe_import i
                where i.id = ? and e.id >= i.first_inbox_id and e.source = 'stripe' and e.event_id like 'import:%'
                  and e.received_at >= i.started_at and e.status not in ('received', 'published')""", Long.class, id);
        return n == null ? 0 : n;
    }

    private long unposted(long id) {
        Long n = jdbc.queryForObject("""
                select count(*) from inbox_event e, stripe_import i
                where i.id = ? and e.id >= i.first_inbox_id and e.source = 'stripe' and e.event_id like 'import:%'
                  and e.received_at >= i.started_at and e.status in ('received', 'published')""", Long.class, id);
        return n == null ? 0 : n;
    }

    private void finish(long id, String status, String message) {
        Long jobId = jdbc.query("""
                update stripe_import set status = ?, phase = 'done', message = ?, finished_at = now()
                where id = ? and status = 'running' returning job_id""", rs -> rs.next() ? rs.getLong(1) : null,
                status, message, id);
        if (jobId != null) {
            jobs.finish(jobId, status, message);
            rate.set(0.0);
            log.info("Stripe import {} {}: {}", id, status, message);
        }
    }

    public Optional<Status> status(long id) {
        List<Status> found = jdbc.query("""
                select id, job_id, range_from, range_to, status, phase, opening, opening_entries, message, started_at, finished_at
                from stripe_import where id = ?""", (rs, i) -> {
                    long jobId = rs.getLong(2);
                    Map<String, Object> progress = new LinkedHashMap<>(jobs.find(jobId).map(JobProgress.Run::detail).orElse(Map.of()));
                    progress.put("posted", posted(id));
                    List<Map<String, Object>> families = jdbc.query("""
                            select family, last_id, done, pages, objects, events, stored from stripe_import_cursor
                            where import_id = ? order by array_position(?::text[], family)""", (r, k) -> {
                                Map<String, Object> m = new LinkedHashMap<>();
                                m.put("family", r.getString(1));
                                m.put("cursor", r.getString(2));
                                m.put("done", r.getBoolean(3));
                                m.put("pages", r.getLong(4));
                                m.put("objects", r.getLong(5));
                                m.put("events", r.getLong(6));
                                m.put("stored", r.getLong(7));
                                return m;
                            }, id, java.util.Arrays.stream(Family.values()).map(f -> f.key).toArray(String[]::new));
                    return new Status(rs.getLong(1), jobId, rs.getObject(3, LocalDate.class), rs.getObject(4, LocalDate.class),
                            rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getInt(8), progress, families,
                            rs.getString(9), rs.getObject(10, java.time.OffsetDateTime.class),
                            rs.getObject(11, java.time.OffsetDateTime.class));
                }, id);
        return found.stream().findFirst();
    }

    public List<Status> recent(int limit) {
        return jdbc.queryForList("select id from stripe_import order by id desc limit ?", Long.class, limit).stream()
                .map(this::status).flatMap(Optional::stream).toList();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Abandoned("shutdown");
        }
    }
}
