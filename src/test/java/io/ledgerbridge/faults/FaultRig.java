package io.ledgerbridge.faults;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.support.FakeErp;
import io.ledgerbridge.support.Http;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * What a fault test (or a benchmark of the product as its own process) needs around a
 * {@link ChildInstance}: a database of its own on the embedded PostgreSQL (migrated, journal ids far from the shared context's so ERP document keys do not meet),
 * Kafka topics and consumer groups of its own, a stream of signed Stripe events (an annual invoice
 * and its payment with a fee per customer), and the end-state checks: each event once in the inbox
 * and posted, each invoice, payment and fee one balanced journal entry, and in the ERP once.
 */
public final class FaultRig implements AutoCloseable {

    private static final Instant PERIOD_START = Instant.parse("2023-03-01T00:00:00Z");
    private static final Instant PERIOD_END = Instant.parse("2024-03-01T00:00:00Z");
    private static final Instant INVOICED = Instant.parse("2023-03-01T09:00:00Z");
    private static final Instant PAID = Instant.parse("2023-03-02T10:00:00Z");

    public final String run;
    final String database;
    public final JdbcTemplate db;
    final Map<String, String> props = new LinkedHashMap<>();
    public final Path home;
    final List<String> bodies = new ArrayList<>();
    final int customers;
    private final JdbcTemplate parent;

    public FaultRig(JdbcTemplate parent, Environment env, String name, String erp, int customers) throws Exception {
        this.parent = parent;
        this.customers = customers;
        run = name.replaceAll("[^a-z0-9]", "_") + "_" + uid().toLowerCase();
        database = "fault_" + run;
        parent.execute("create database " + database);
        String url = env.getRequiredProperty("spring.datasource.url").replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
        String user = env.getRequiredProperty("spring.datasource.username");
        String password = env.getRequiredProperty("spring.datasource.password");
        Flyway.configure().dataSource(url, user, password).load().migrate();
        db = new JdbcTemplate(new DriverManagerDataSource(url, user, password));
        db.queryForObject("select setval(pg_get_serial_sequence('journal_entry', 'id'), ?)", Long.class,
                1_000_000_000L + Math.floorMod(run.hashCode(), 1_000_000) * 1000L);
        props.put("spring.datasource.url", url);
        props.put("spring.datasource.username", user);
        props.put("spring.datasource.password", password);
        props.put("ledgerbridge.kafka.brokers", env.getRequiredProperty("ledgerbridge.kafka.brokers"));
        for (String topic : List.of("ingress", "canonical", "usage", "contracts")) {
            props.put("ledgerbridge.kafka.topics." + topic, run + "." + topic);
        }
        props.put("ledgerbridge.kafka.group-prefix", run);
        props.put("ledgerbridge.erp.targets", erp);
        props.put("ledgerbridge.erp.lease-seconds", "4");
        props.put("ledgerbridge.relay.redrive-after-seconds", "15");
        home = Files.createTempDirectory("lb-fault-");
        for (int i = 0; i < customers; i++) {
            String cus = "cus_k" + run + i;
            String inv = "in_k" + run + i;
            bodies.add(event("evt_" + uid(), "invoice.finalized",
                    invoice(inv, cus, "usd", 120_000 + i, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED).toString());
            bodies.add(event("evt_" + uid(), "charge.succeeded", charge("ch_k" + run + i, cus, inv, "usd", 120_000 + i, 3_000L, PAID), PAID)
                    .toString());
        }
    }

    /** The properties plus some more. */
    public Map<String, String> with(String... keyValues) {
        Map<String, String> p = new LinkedHashMap<>(props);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    /** One delivery; true for a 2xx answer, false for any other answer or a lost connection. */
    static boolean deliver(Http http, String body) {
        return status(http, body) / 100 == 2;
    }

    /** The answer's status, or 0 when the connection was lost. */
    static int status(Http http, String body) {
        try {
            HttpResponse<String> r = http.stripe(body);
            return r.statusCode();
        } catch (RuntimeException connectionLost) {
            return 0;
        }
    }

    /** Waits until every event is posted, then checks that everything happened exactly once. */
    void assertEveryEventPostedOnce(String erp) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> db.queryForObject(
                "select count(*) from inbox_event where status = 'posted'", Integer.class) == bodies.size());
        assertThat(db.queryForObject("select count(*) from inbox_event", Integer.class)).isEqualTo(bodies.size());
        assertThat(db.queryForObject("select count(*) from journal_entry", Integer.class)).isEqualTo(customers * 3);
        assertThat(db.queryForObject("select count(distinct entry_key) from journal_entry", Integer.class)).isEqualTo(customers * 3);
        assertThat(db.queryForObject("""
                select count(*) from (select entry_id from journal_line group by entry_id
                                      having sum(debit) <> sum(credit)) x""", Integer.class)).isZero();
        assertThat(db.queryForObject("select coalesce(sum(debit) - sum(credit), 0) from journal_line", Long.class)).isZero();
        assertThat(db.queryForObject("select count(*) from dead_letter", Integer.class)).isZero();
        if (!erp.isEmpty()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> db.queryForObject(
                    "select count(*) from erp_posting where status = 'confirmed'", Integer.class) == customers * 3);
            for (Long entry : db.queryForList("select id from journal_entry", Long.class)) {
                assertThat(FakeErp.docs(erp, "lb-je-" + entry)).as("%s documents of entry %s", erp, entry).hasSize(1);
            }
        }
    }

    /** The ledger as comparable rows: each entry by business key and date with its lines (account, the customer's Stripe id, debit, credit). */
    List<String> ledger() {
        return db.queryForList("""
                select e.entry_key || ' ' || e.entry_date || ' ' || l.account_code || ' '
                       || coalesce((select min(x.external_id) from customer_xref x where x.customer_id = l.customer_id), '-')
                       || ' ' || l.debit || ' ' || l.credit
                from journal_entry e join journal_line l on l.entry_id = e.id
                order by 1""", String.class);
    }

    /**
     * Rebuilds the ledger from this rig's inbox (every stored payload, in arrival order, delivered to
     * a fresh instance with an empty database) and checks it is line for line the ledger that came
     * through the faults.
     */
    void assertLedgerRebuildsIdenticallyFromTheInbox(Environment env) throws Exception {
        List<String> payloads = db.queryForList("select payload from inbox_event order by id", String.class);
        try (FaultRig fresh = new FaultRig(parent, env, "rebuild", "", customers)) {
            fresh.bodies.clear();
            fresh.bodies.addAll(payloads);
            try (ChildInstance child = ChildInstance.start(fresh.home, "rebuild", fresh.props)) {
                Http http = new Http(child.port);
                for (String payload : payloads) {
                    assertThat(deliver(http, payload)).isTrue();
                }
                fresh.assertEveryEventPostedOnce("");
            }
            assertThat(fresh.ledger()).isNotEmpty().containsExactlyElementsOf(ledger());
        }
    }

    /** Refuses (false) or allows (true) connections to this rig's database, closing the open ones. */
    void database(boolean up) {
        parent.execute("alter database " + database + " allow_connections " + up);
        if (!up) {
            parent.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + database + "'");
        }
    }

    @Override
    public void close() {
        parent.execute("alter database " + database + " allow_connections true");
        parent.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + database + "'");
    }
}
