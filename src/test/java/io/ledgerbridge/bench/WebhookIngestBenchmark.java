package io.ledgerbridge.bench;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.faults.ChildInstance;
import io.ledgerbridge.faults.FaultRig;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import io.ledgerbridge.support.StripeSigner;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Benchmark of webhook ingest and of the pipeline behind it (by hand, docs/benchmarks.md):
 * <pre>
 * apt-get install -y wrk
 * ./mvnw -B verify -Pbench -Dtest=WebhookIngestBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * The product runs as its own JVM ({@link ChildInstance}: production JIT, a 512 MiB heap, its own
 * database on the embedded PostgreSQL and its own topics on the embedded Kafka broker, which stay in
 * this JVM) and the load comes from wrk, a separate process, so neither the load generator nor the
 * infrastructure share the product's heap. Phases, each with fresh signed Stripe events (an
 * invoice.finalized and a charge.succeeded with its fee per customer):
 * <ol>
 * <li>warm-up: events through the whole pipeline until posted, and the echo route, so the JIT has compiled the hot paths;</li>
 * <li>ceiling: an echo route behind the same servlet filters (method, content type, size, rate limit), storing nothing;</li>
 * <li>ingest: signed webhooks (signature check, envelope, durable inbox insert, 200) at the same connections and time,
 * with the pipeline running behind them (relay, mapping, posting share the cores);</li>
 * <li>ingest with the pipeline held: the same, with the outbox relay's route stopped through Jolokia, so the webhooks
 * have the cores to themselves as the echo route had; the relay is started again and the backlog posted;</li>
 * <li>end to end: webhooks paced at a fixed offered rate, each event's lag from the inbox to its journal entry.</li>
 * </ol>
 * The heap the product uses is read from its GC log (the used heap before each collection is its peak);
 * the CPU each process used during each measured phase, from /proc (what shares the cores).
 */
@Tag("bench")
@LedgerbridgeTest
class WebhookIngestBenchmark {

    private static final Instant START = Instant.parse("2021-01-01T00:00:00Z");
    private static final Instant END = Instant.parse("2022-01-01T00:00:00Z");
    private static final Pattern WRK = Pattern.compile(
            "WRK requests=(\\d+) duration_us=(\\d+) p50_us=(\\d+) p99_us=(\\d+) max_us=(\\d+) non2xx=(\\d+) errors=(\\d+)");

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Environment env;

    private record Load(long requests, double seconds, double p50ms, double p99ms, double maxMs, long non2xx, long errors) {
        double perSecond() {
            return requests / seconds;
        }

        @Override
        public String toString() {
            return String.format("%.0f req/s (%d in %.1f s), p50 %.1f ms, p99 %.1f ms, max %.0f ms, %d non-2xx, %d socket errors",
                    perSecond(), requests, seconds, p50ms, p99ms, maxMs, non2xx, errors);
        }
    }

    @Test
    void signedWebhooksAgainstAnEchoRouteAndEndToEnd() throws Exception {
        int connections = Integer.getInteger("bench.connections", 64);
        int seconds = Integer.getInteger("bench.seconds", 20);
        int rate = Integer.getInteger("bench.rate", 2_000);
        int pacedConnections = Integer.getInteger("bench.paced-connections", 64);
        int pacedSeconds = Integer.getInteger("bench.paced-seconds", 30);
        String heap = System.getProperty("bench.product-heap", "512m");
        int warmRounds = Integer.getInteger("bench.warm-rounds", 15);
        Path wrk = Path.of(System.getProperty("bench.wrk", "/usr/bin/wrk"));
        assertThat(wrk).as("wrk, the load generator (apt-get install -y wrk)").isExecutable();

        try (FaultRig rig = new FaultRig(jdbc, env, "bench", "", 0)) {
            Path work = Files.createDirectories(rig.home.resolve("bench"));
            Path script = work.resolve("signed-requests.lua");
            try (InputStream in = getClass().getResourceAsStream("/bench/signed-requests.lua")) {
                Files.copy(in, script);
            }
            Files.writeString(work.resolve("bench-echo.camel.yaml"), """
                    # benchmark ceiling: behind the same servlet filters as the webhooks, stores nothing
                    - route:
                        id: bench-echo
                        from:
                          uri: platform-http:/webhooks/bench-echo
                          parameters:
                            httpMethodRestrict: POST
                          steps:
                            - setBody:
                                constant: '{"status":"accepted"}'
                    """);
            try (ChildInstance product = ChildInstance.start(rig.home, "bench", rig.with(
                    "camel.main.routes-include-pattern", "file:routes/**/*.camel.yaml,file:bench/*.camel.yaml",
                    "ledgerbridge.relay.poll-interval-ms", "100",
                    // the benchmark measures capacity: the per-source limit (5,000 a second by default) stays out of the way
                    "ledgerbridge.webhooks.rate-limit.stripe", "1000000",
                    "ledgerbridge.webhooks.rate-limit.bench-echo", "1000000",
                    "logging.level.io.ledgerbridge", "WARN"),
                    jvm(heap, rig.home.resolve("gc.log")))) {
                String url = "http://127.0.0.1:" + product.port;
                Http http = new Http(product.port);
                Bodies bodies = new Bodies(rig.run);

                // 1. warm-up: load in rounds until the JIT has compiled what the load runs (on 2 cores its one C2
                //    thread takes minutes for a Spring, Camel and Kafka application; measuring before that measures it)
                double lastEcho = 0;
                double lastIngest = 0;
                for (int round = 1; ; round++) {
                    Path warm = bodies.write(work.resolve("warm" + round + ".tsv"), 30_000);
                    Load echoRound = wrk(wrk, script, warm, url, "/webhooks/bench-echo", connections, 10, 0);
                    Load ingestRound = wrk(wrk, script, warm, url, "/webhooks/stripe", connections, 10, 0);
                    awaitPosted(rig, bodies, warm, Duration.ofMinutes(5));
                    System.out.printf("BENCH warm-up round %d: echo %.0f req/s, webhooks %.0f req/s%n",
                            round, echoRound.perSecond(), ingestRound.perSecond());
                    // warm when neither rate still grows by more than 5% a round
                    boolean settled = round >= 3 && echoRound.perSecond() < lastEcho * 1.05
                            && ingestRound.perSecond() < lastIngest * 1.05;
                    lastEcho = Math.max(lastEcho, echoRound.perSecond());
                    lastIngest = Math.max(lastIngest, ingestRound.perSecond());
                    if (settled || round >= warmRounds) {
                        break;
                    }
                }

                // 2. ceiling and 3. ingest, same connections, same time, fresh events
                Path ingestFile = bodies.write(work.resolve("ingest.tsv"), 160_000);
                CpuTime echoCpu = new CpuTime(product.pid());
                Load echo = wrk(wrk, script, ingestFile, url, "/webhooks/bench-echo", connections, seconds, 0);
                String echoCpuUse = echoCpu.used();
                CpuTime ingestCpu = new CpuTime(product.pid());
                WalWritten ingestWal = new WalWritten(rig.db);
                Groups ingestGroups = new Groups(http);
                Load ingest = wrk(wrk, script, ingestFile, url, "/webhooks/stripe", connections, seconds, 0);
                String ingestCpuUse = ingestCpu.used();
                String ingestGroupUse = ingestGroups.since();
                String ingestWalUse = ingestWal.since();
                String ingestPrefix = bodies.prefix(ingestFile);
                long stored = count(rig, "select count(*) from inbox_event where event_id like ?", ingestPrefix);
                long drainStart = System.nanoTime();
                awaitPosted(rig, bodies, ingestFile, Duration.ofMinutes(10));
                double drain = (System.nanoTime() - drainStart) / 1e9;
                double backlogRate = rate(rig, ingestPrefix);

                // 3b. ingest with the pipeline held: the outbox relay stopped through Jolokia (what ops can do from
                //     Hawtio), so nothing is published, mapped or posted while the webhooks run, as during the echo
                //     phase; the relay is started again and the backlog posted before the next phase
                Path heldFile = bodies.write(work.resolve("held.tsv"), 160_000);
                relay(http, "stop()");
                CpuTime heldCpu = new CpuTime(product.pid());
                Groups heldGroups = new Groups(http);
                Load held = wrk(wrk, script, heldFile, url, "/webhooks/stripe", connections, seconds, 0);
                String heldCpuUse = heldCpu.used();
                String heldGroupUse = heldGroups.since();
                long[] heldCounts = rig.db.queryForObject("""
                        select count(*), count(*) filter (where published_at is null) from inbox_event where event_id like ?""",
                        (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}, bodies.prefix(heldFile));
                long heldStored = heldCounts[0];
                long heldUnpublished = heldCounts[1];
                relay(http, "start()");
                long heldStart = System.nanoTime();
                awaitPosted(rig, bodies, heldFile, Duration.ofMinutes(10));
                double heldDrain = (System.nanoTime() - heldStart) / 1e9;

                // 4. end to end at a fixed offered rate
                Path pacedFile = bodies.write(work.resolve("paced.tsv"), (int) (rate * pacedSeconds * 1.3));
                CpuTime pacedCpu = new CpuTime(product.pid());
                WalWritten pacedWal = new WalWritten(rig.db);
                PerEvent pacedPerEvent = new PerEvent(rig.db);
                Load paced = wrk(wrk, script, pacedFile, url, "/webhooks/stripe", pacedConnections, pacedSeconds, rate);
                String pacedCpuUse = pacedCpu.used();
                String pacedWalUse = pacedWal.since();
                String pacedPrefix = bodies.prefix(pacedFile);
                awaitPosted(rig, bodies, pacedFile, Duration.ofMinutes(5));
                long pacedStored = count(rig, "select count(*) from inbox_event where event_id like ?", pacedPrefix);
                String pacedCost = pacedPerEvent.since(pacedStored);
                double throughput = rate(rig, pacedPrefix);
                double[] lag = rig.db.queryForObject("""
                        select percentile_cont(0.5) within group (order by extract(epoch from processed_at - received_at)),
                               percentile_cont(0.99) within group (order by extract(epoch from processed_at - received_at)),
                               max(extract(epoch from processed_at - received_at)),
                               percentile_cont(0.5) within group (order by extract(epoch from published_at - received_at)),
                               percentile_cont(0.99) within group (order by extract(epoch from published_at - received_at))
                        from inbox_event where event_id like ?""",
                        (rs, n) -> new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5)},
                        pacedPrefix);
                long unbalanced = rig.db.queryForObject("""
                        select count(*) from (select entry_id from journal_line group by entry_id
                                              having sum(debit) <> sum(credit)) x""", Long.class);
                long deadLetters = rig.db.queryForObject("select count(*) from dead_letter", Long.class);

                System.out.printf("%nBENCH product: own JVM, -Xmx%s, %d cores shared with wrk, PostgreSQL and the Kafka broker%n",
                        heap, Runtime.getRuntime().availableProcessors());
                System.out.printf("BENCH echo route (ceiling), %d connections:  %s%n", connections, echo);
                System.out.printf("BENCH CPU during the echo phase: %s%n", echoCpuUse);
                System.out.printf("BENCH signed + durable ack, %d connections: %s = %.0f%% of the echo route; %d distinct events stored%n",
                        connections, ingest, 100 * ingest.perSecond() / echo.perSecond(), stored);
                System.out.printf("BENCH CPU during the ingest phase: %s%n", ingestCpuUse);
                System.out.printf("BENCH inbox group commit during the ingest phase: %s%n", ingestGroupUse);
                System.out.printf("BENCH PostgreSQL during the ingest phase: %s%n", ingestWalUse);
                System.out.printf("BENCH backlog of %d events posted %.1f s after the ingest ended (pipeline %.0f events/s from first receipt to last posting)%n",
                        stored, drain, backlogRate);
                System.out.printf("BENCH signed + durable ack, pipeline held (relay stopped), %d connections: %s = %.0f%% of the echo route;"
                        + " %d events stored, %d of them unpublished when the relay started again%n", connections, held,
                        100 * held.perSecond() / echo.perSecond(), heldStored, heldUnpublished);
                System.out.printf("BENCH CPU during the held ingest phase: %s%n", heldCpuUse);
                System.out.printf("BENCH inbox group commit during the held ingest phase: %s%n", heldGroupUse);
                System.out.printf("BENCH held backlog posted %.1f s after the relay was started again%n", heldDrain);
                System.out.printf("BENCH end to end at %d/s offered (%d connections, requests on a fixed schedule): %s%n", rate, pacedConnections, paced);
                System.out.printf("BENCH CPU during the fixed-rate phase: %s%n", pacedCpuUse);
                System.out.printf("BENCH PostgreSQL during the fixed-rate phase: %s%n", pacedWalUse);
                System.out.printf("BENCH end to end: %.0f events/s webhook to journal entry; lag inbox -> posted p50 %.3f s, p99 %.3f s, max %.3f s"
                        + " (of which inbox -> published to Kafka by the relay: p50 %.3f s, p99 %.3f s)%n",
                        throughput, lag[0], lag[1], lag[2], lag[3], lag[4]);
                System.out.printf("BENCH end to end against the echo route: %.0f events/s = %.1f%% of the echo route's %.0f req/s%n",
                        throughput, 100 * throughput / echo.perSecond(), echo.perSecond());
                System.out.printf("BENCH PostgreSQL an event, fixed-rate phase from its first webhook to its last posting: %s%n", pacedCost);
                System.out.printf("BENCH product heap (-Xmx%s, whole run): %s; unbalanced entries %d, dead letters %d%n%n",
                        heap, heapFromGcLog(rig.home.resolve("gc.log")), unbalanced, deadLetters);
                assertThat(unbalanced).isZero();
                assertThat(deadLetters).isZero();
                assertThat(heldUnpublished).as("the relay published nothing while stopped").isEqualTo(heldStored);
            }
        }
    }

    /** The product's JVM options: the heap, plus any given in bench.product-options (a profiler, say). */
    private static List<String> jvm(String heap, Path gcLog) {
        List<String> options = new ArrayList<>(List.of("-Xmx" + heap, "-XX:+HeapDumpOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog));
        String more = System.getProperty("bench.product-options", "").trim();
        if (!more.isEmpty()) {
            options.addAll(List.of(more.split("\\s+")));
        }
        return options;
    }

    /**
     * CPU time used by the processes that share the cores, between its creation and {@link #used()}, read
     * from /proc (Linux): the product, PostgreSQL (its server processes), this JVM (the Kafka broker and
     * the harness), wrk (this JVM's children that ended: wrk is the only one a phase starts) and the rest.
     */
    private static final class CpuTime {
        private static final double TICKS_A_SECOND = 100; // USER_HZ on Linux
        private final long product;
        private final long start = System.nanoTime();
        private final Map<String, Long> before;

        CpuTime(long product) throws IOException {
            this.product = product;
            this.before = read();
        }

        /** "product 20.0 s, PostgreSQL 16.4 s, ... = 42.6 s of CPU in 20.1 s (2 cores: 40.2 s)". */
        String used() throws IOException {
            double wall = (System.nanoTime() - start) / 1e9;
            Map<String, Long> after = read();
            StringBuilder out = new StringBuilder();
            long total = 0;
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long ticks = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                total += ticks;
                out.append(out.isEmpty() ? "" : ", ").append(String.format("%s %.1f s", e.getKey(), ticks / TICKS_A_SECOND));
            }
            int cores = Runtime.getRuntime().availableProcessors();
            return String.format("%s = %.1f s of CPU in %.1f s (%d cores: %.1f s)", out, total / TICKS_A_SECOND, wall, cores,
                    cores * wall);
        }

        private Map<String, Long> read() throws IOException {
            Map<String, Long> ticks = new LinkedHashMap<>();
            for (String group : List.of("product", "PostgreSQL", "test JVM (broker, harness)", "wrk", "other")) {
                ticks.put(group, 0L);
            }
            long self = ProcessHandle.current().pid();
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"),
                    p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
                for (Path process : processes) {
                    String stat;
                    try {
                        stat = Files.readString(process.resolve("stat"));
                    } catch (IOException gone) {
                        continue;
                    }
                    // pid (comm) state ppid ... utime stime cutime cstime: the fields after the name, from state on
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    long pid = Long.parseLong(process.getFileName().toString());
                    if (pid == product) {
                        ticks.merge("product", own, Long::sum);
                    } else if (pid == self) {
                        ticks.merge("test JVM (broker, harness)", own, Long::sum);
                        ticks.merge("wrk", Long.parseLong(f[13]) + Long.parseLong(f[14]), Long::sum);
                    } else if (name.equals("postgres")) {
                        ticks.merge("PostgreSQL", own, Long::sum);
                    } else {
                        ticks.merge("other", own, Long::sum);
                    }
                }
            }
            return ticks;
        }
    }

    /**
     * The WAL the PostgreSQL server wrote between its creation and {@link #since()}, with the full-page
     * images in it (a page's first change after a checkpoint is written whole) and the checkpoints that
     * started: a checkpoint during a phase makes its WAL, and the CPU that writes it, grow for a while.
     */
    private static final class WalWritten {
        private final JdbcTemplate db;
        private final long[] before;

        WalWritten(JdbcTemplate db) {
            this.db = db;
            this.before = read();
        }

        /** "556 MB of WAL in 3,444,670 records, 0 of them full-page images; 0 checkpoints started". */
        String since() {
            long[] after = read();
            long checkpoints = after[3] - before[3];
            return String.format("%,d MB of WAL in %,d records, %,d of them full-page images; %d checkpoint%s started",
                    (after[0] - before[0]) >> 20, after[1] - before[1], after[2] - before[2], checkpoints, checkpoints == 1 ? "" : "s");
        }

        private long[] read() {
            return db.queryForObject("""
                    select w.wal_bytes::bigint, w.wal_records, w.wal_fpi, c.num_timed + c.num_requested
                    from pg_stat_wal w, pg_stat_checkpointer c""",
                    (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)});
        }
    }

    /**
     * What PostgreSQL did for each event between its creation and {@link #since}: the WAL it wrote
     * ({@code pg_stat_wal}, the whole server) and the statements it executed in the product's database
     * ({@code pg_stat_statements}, when the server preloads it: the bench profile does; transaction
     * control such as COMMIT included), with the statements that ran most often. The harness's own
     * queries in that database (one a second while it waits for the postings) are counted too: a few
     * dozen against tens of thousands of events.
     */
    static final class PerEvent {
        private record Statement(String query, long calls, long walBytes) {
        }

        private final JdbcTemplate db;
        private final long walBefore;
        private final Map<Long, Statement> before;

        PerEvent(JdbcTemplate db) {
            this.db = db;
            boolean loaded = Boolean.TRUE.equals(db.queryForObject(
                    "select count(*) > 0 from pg_settings where name = 'shared_preload_libraries' and setting like '%pg_stat_statements%'",
                    Boolean.class));
            if (loaded) {
                db.execute("create extension if not exists pg_stat_statements");
            }
            this.walBefore = wal();
            this.before = loaded ? statements() : null;
        }

        /** "3.9 KB of WAL and 2.7 statements an event (61,234 events); most often: ...". */
        String since(long events) {
            long walBytes = wal() - walBefore;
            StringBuilder out = new StringBuilder(String.format("%,d bytes of WAL an event (%,d MB for %,d events)",
                    events == 0 ? 0 : walBytes / events, walBytes >> 20, events));
            if (before == null) {
                return out.append("; statements not counted (pg_stat_statements is not preloaded: run with -Pbench)").toString();
            }
            Map<Long, Statement> after = statements();
            List<Statement> delta = new ArrayList<>();
            long calls = 0;
            for (Map.Entry<Long, Statement> e : after.entrySet()) {
                Statement was = before.get(e.getKey());
                long n = e.getValue().calls() - (was == null ? 0 : was.calls());
                long wal = e.getValue().walBytes() - (was == null ? 0 : was.walBytes());
                if (n > 0) {
                    delta.add(new Statement(e.getValue().query(), n, wal));
                    calls += n;
                }
            }
            // the statements run most often and those writing the most WAL, by calls
            delta.sort((a, b) -> Long.compare(b.walBytes(), a.walBytes()));
            List<Statement> shown = new ArrayList<>(delta.subList(0, Math.min(6, delta.size())));
            delta.sort((a, b) -> Long.compare(b.calls(), a.calls()));
            delta.stream().limit(8).filter(st -> !shown.contains(st)).forEach(shown::add);
            shown.sort((a, b) -> Long.compare(b.calls(), a.calls()));
            out.append(String.format("; %.2f statements an event (%,d calls); the most frequent and the most writing,"
                    + " with calls and WAL bytes an event:", events == 0 ? 0 : (double) calls / events, calls));
            for (Statement st : shown) {
                String query = st.query().replaceAll("\\s+", " ");
                out.append(String.format("%n  %.3f  %,6d B  %s", (double) st.calls() / events, st.walBytes() / events,
                        query.substring(0, Math.min(110, query.length()))));
            }
            return out.toString();
        }

        private long wal() {
            return db.queryForObject("select wal_bytes::bigint from pg_stat_wal", Long.class);
        }

        private Map<Long, Statement> statements() {
            Map<Long, Statement> map = new LinkedHashMap<>();
            db.query("""
                    select queryid, query, calls, wal_bytes::bigint from pg_stat_statements
                    where dbid = (select oid from pg_database where datname = current_database()) and toplevel""",
                    rs -> {
                        map.put(rs.getLong(1), new Statement(rs.getString(2), rs.getLong(3), rs.getLong(4)));
                    });
            return map;
        }
    }

    /** Runs wrk for the given time against one path with the requests of one file; its own figures. */
    private static Load wrk(Path wrk, Path script, Path requests, String url, String path, int connections, int seconds, int rate)
            throws Exception {
        int threads = Math.min(2, connections);
        Process p = new ProcessBuilder(wrk.toString(), "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "10s",
                "-s", script.toString(), url, "--", requests.toString(), Integer.toString(threads), path, Integer.toString(rate))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(seconds + 120L, TimeUnit.SECONDS)).isTrue();
        Matcher m = WRK.matcher(out);
        assertThat(m.find()).as("wrk output:%n%s", out).isTrue();
        return new Load(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) / 1e6, Long.parseLong(m.group(3)) / 1000.0,
                Long.parseLong(m.group(4)) / 1000.0, Long.parseLong(m.group(5)) / 1000.0, Long.parseLong(m.group(6)),
                Long.parseLong(m.group(7)));
    }

    /**
     * Waits until every stored event of a phase has its outcome: posted, or waiting for an invoice that
     * was never sent (wrk stops at a time, so the last payment of a connection may be sent without it).
     * While waiting it counts only the phase's events still in the pipeline, through the status index,
     * once a second: reading every event of the phase twice a second took a sixth of a core from the
     * pipeline it measures (84 ms a time on a 500 MB inbox). The full check runs once, at the end.
     */
    private static void awaitPosted(FaultRig rig, Bodies bodies, Path file, Duration timeout) {
        String prefix = bodies.prefix(file);
        String tag = bodies.tag(file);
        Object[] dependency = {"invoice:stripe:in_" + tag, "evt_" + tag + "_i"};
        await("all events of " + prefix + " posted in " + timeout).atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofSeconds(1)).until(() -> rig.db.queryForObject("""
                        select count(*) from inbox_event e where status in ('received', 'published', 'waiting') and event_id like ?
                        and (status <> 'waiting' or exists (
                             select 1 from inbox_event i where i.source = 'stripe' and i.event_id = replace(e.waiting_for, ?, ?)))""",
                        Long.class, prefix, dependency[0], dependency[1]) == 0);
        long stored = count(rig, "select count(*) from inbox_event where event_id like ?", prefix);
        assertThat(rig.db.queryForObject("""
                select count(*) from inbox_event e where event_id like ?
                and (status = 'posted' or status = 'waiting' and not exists (
                     select 1 from inbox_event i where i.source = 'stripe' and i.event_id = replace(e.waiting_for, ?, ?)))""",
                Long.class, prefix, dependency[0], dependency[1]))
                .as("events of %s posted, or waiting for an invoice never sent", prefix).isEqualTo(stored);
    }

    /** Events of a phase over the time from the first receipt to the last posting. */
    private static double rate(FaultRig rig, String prefix) {
        return rig.db.queryForObject("""
                select count(*) / extract(epoch from max(processed_at) - min(received_at))
                from inbox_event where event_id like ?""", Double.class, prefix);
    }

    /**
     * Runs an operation ("stop()", "start()") on the outbox relay's route through Jolokia, as an operator
     * would from Hawtio's Camel tab (admin role): the route's MBean is found by a search, then called.
     */
    private static void relay(Http http, String operation) {
        String found = jolokia(http, """
                {"type":"search","mbean":"org.apache.camel:type=routes,name=\\"ops-outbox-relay\\",*"}""");
        Matcher mbean = Pattern.compile("\"value\":\\[\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(found);
        assertThat(mbean.find()).as("the relay route's MBean in %s", found).isTrue();
        jolokia(http, """
                {"type":"exec","mbean":"%s","operation":"%s"}""".formatted(mbean.group(1), operation));
    }

    private static String jolokia(Http http, String request) {
        HttpResponse<String> response = http.postAs("/actuator/jolokia", "admin", "admin-test", request);
        assertThat(response.body()).as("Jolokia: %s", request).contains("\"status\":200");
        return response.body();
    }

    /**
     * The inbox's group commits between its creation and {@link #since()}, from the product's metrics
     * ({@code ledgerbridge_inbox_group_events}, {@code ledgerbridge_inbox_group_seconds}).
     */
    private static final class Groups {
        private static final Pattern METRIC = Pattern.compile(
                "^(ledgerbridge_inbox_group_(?:events|seconds)_(?:count|sum))\\{[^}]*} (\\S+)$", Pattern.MULTILINE);
        private final Http http;
        private final Map<String, Double> before;

        Groups(Http http) {
            this.http = http;
            this.before = read();
        }

        /** "3,052 groups, 19.6 events a group, 6.1 ms a group (statement and commit)". */
        String since() {
            Map<String, Double> after = read();
            double groups = delta(after, "ledgerbridge_inbox_group_events_count");
            double events = delta(after, "ledgerbridge_inbox_group_events_sum");
            double seconds = delta(after, "ledgerbridge_inbox_group_seconds_sum");
            return String.format("%,.0f groups, %.1f events a group, %.1f ms a group (statement and commit)",
                    groups, groups == 0 ? 0 : events / groups, groups == 0 ? 0 : 1000 * seconds / groups);
        }

        private double delta(Map<String, Double> after, String name) {
            return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
        }

        private Map<String, Double> read() {
            String text = http.get("/actuator/prometheus", null, null).body();
            Map<String, Double> values = new LinkedHashMap<>();
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                values.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
            }
            return values;
        }
    }

    private static long count(FaultRig rig, String sql, String arg) {
        return rig.db.queryForObject(sql, Long.class, arg);
    }

    /** Fresh signed Stripe events, written for wrk as a file of "signature TAB body" lines. */
    private static final class Bodies {
        private final String run;

        Bodies(String run) {
            this.run = run.replace("_", "");
        }

        String prefix(Path file) {
            return "evt_" + tag(file) + "_%";
        }

        String tag(Path file) {
            return run + file.getFileName().toString().replace(".tsv", "");
        }

        Path write(Path file, int events) throws IOException {
            String tag = tag(file);
            long now = System.currentTimeMillis() / 1000;
            try (BufferedWriter out = Files.newBufferedWriter(file)) {
                for (int i = 0; i < events / 2; i++) {
                    String cus = "cus_" + tag + i;
                    String inv = "in_" + tag + i;
                    line(out, event("evt_" + tag + "_i" + i, "invoice.finalized",
                            invoice(inv, cus, "usd", 100_000, START, END, START, "prod_platform_annual"), START).toString(), now);
                    line(out, event("evt_" + tag + "_p" + i, "charge.succeeded",
                            charge("ch_" + tag + i, cus, inv, "usd", 100_000, 3_000L, START), START).toString(), now);
                }
            }
            return file;
        }

        private static void line(BufferedWriter out, String body, long now) throws IOException {
            out.write(StripeSigner.sign(body, now, StripeSigner.TEST_SECRET));
            out.write('\t');
            out.write(body);
            out.write('\n');
        }
    }

    /** The product's heap before each collection (its peaks), from its GC log (-Xlog:gc): the highest, and the pauses added up. */
    private static String heapFromGcLog(Path gcLog) throws IOException {
        Matcher m = Pattern.compile("Pause .*? (\\d+)M->(\\d+)M\\((\\d+)M\\) ([\\d.]+)ms").matcher(Files.readString(gcLog));
        long peak = 0;
        long committed = 0;
        double pauses = 0;
        int collections = 0;
        while (m.find()) {
            peak = Math.max(peak, Long.parseLong(m.group(1)));
            committed = Math.max(committed, Long.parseLong(m.group(3)));
            pauses += Double.parseDouble(m.group(4));
            collections++;
        }
        return String.format("peak %d MiB used (largest committed %d MiB), %d collections, %.0f ms paused in all", peak, committed,
                collections, pauses);
    }
}
