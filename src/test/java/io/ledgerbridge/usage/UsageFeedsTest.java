package io.ledgerbridge.usage;

import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** The drop folder and the Kafka feed: the same usage by CSV, Kafka and HTTP is counted once; bad rows are reported. */
@LedgerbridgeTest
class UsageFeedsTest {

    private static final Path INBOX = Path.of("data/inbox/usage");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CustomerDirectory customers;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    DataSource dataSource;

    private int count(String eventId, String status) {
        return jdbc.queryForObject("select count(*) from usage_event where event_id = ? and status = ?", Integer.class,
                eventId, status);
    }

    @Test
    void theSameUsageByCsvKafkaAndHttpCountsOnce() throws Exception {
        String cus = "cus_" + uid();
        customers.resolve("stripe", cus);
        String shared = "u_" + uid();
        String row = shared + "," + cus + ",api_calls,700,2026-06-02T08:00:00Z";

        Files.createDirectories(INBOX);
        String file = "usage-" + uid() + ".csv";
        Files.writeString(INBOX.resolve(file + ".tmp"), "event_id,customer,metric,quantity,timestamp\n" + row + "\n");
        Files.move(INBOX.resolve(file + ".tmp"), INBOX.resolve(file));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(INBOX.resolve("done").resolve(file)));
        assertThat(count(shared, "accepted")).isEqualTo(1);

        producer.sendBodyAndHeader("kafka:usage.events", "{\"event_id\":\"" + shared + "\",\"customer\":\"" + cus
                + "\",\"metric\":\"api_calls\",\"quantity\":700,\"timestamp\":\"2026-06-02T08:00:00Z\"}", "kafka.KEY", cus);
        String viaKafka = "u_" + uid();
        producer.sendBodyAndHeader("kafka:usage.events", "{\"event_id\":\"" + viaKafka + "\",\"customer\":\"" + cus
                + "\",\"metric\":\"api_calls\",\"quantity\":5,\"timestamp\":\"2026-06-02T09:00:00Z\"}", "kafka.KEY", cus);
        await().atMost(Duration.ofSeconds(30)).until(() -> count(viaKafka, "accepted") == 1);

        Http http = new Http(port);
        var r = http.post("/usage", "text/csv", "event_id,customer,metric,quantity,timestamp\n" + row + "\n",
                "X-Api-Key", "usage-test-key");
        assertThat(r.body()).contains("\"duplicates\":1");
        assertThat(jdbc.queryForObject("select count(*) from usage_event where event_id = ?", Integer.class, shared)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select sum(quantity) from usage_event where customer_ref = ?", Long.class, cus))
                .isEqualTo(705);
    }

    @Test
    void aKafkaPollIsStoredAsOneBatchAndAnUnreadableMessageIsDeadLetteredAlone() throws Exception {
        String cus = "cus_" + uid();
        customers.resolve("stripe", cus);
        String a = "u_" + uid();
        String b = "u_" + uid();
        String bad = "{\"event_id\":\"" + uid() + "\",\"customer\":\"" + cus + "\",\"metric\":\"api_calls\",\"quantity\":\"lots\"}";
        String eventA = "{\"event_id\":\"" + a + "\",\"customer\":\"" + cus
                + "\",\"metric\":\"api_calls\",\"quantity\":3,\"timestamp\":\"2026-06-02T08:00:00Z\"}";
        producer.sendBodyAndHeader("kafka:usage.events", eventA, "kafka.KEY", cus);
        producer.sendBodyAndHeader("kafka:usage.events", bad, "kafka.KEY", cus);
        producer.sendBodyAndHeader("kafka:usage.events", eventA, "kafka.KEY", cus); // the same event again
        producer.sendBodyAndHeader("kafka:usage.events", "{\"event_id\":\"" + b + "\",\"customer\":\"" + cus
                + "\",\"metric\":\"api_calls\",\"quantity\":4,\"timestamp\":\"2026-06-02T09:00:00Z\"}", "kafka.KEY", cus);
        await().atMost(Duration.ofSeconds(30)).until(() -> count(b, "accepted") == 1);
        assertThat(count(a, "accepted")).isEqualTo(1);
        assertThat(jdbc.queryForObject("select sum(quantity) from usage_event where customer_ref = ?", Long.class, cus)).isEqualTo(7);
        assertThat(jdbc.queryForList("""
                select b.feed || ' ' || b.name from usage_event e join usage_batch b on b.id = e.batch_id
                where e.event_id in (?, ?)""", String.class, a, b)).allMatch(n -> n.startsWith("kafka kafka-"));
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from dead_letter where route_id = 'ingress-usage-kafka' and payload = ?", Integer.class, bad) == 1);
        assertThat(jdbc.queryForObject("select error_message from dead_letter where payload = ?", String.class, bad))
                .contains("quantity");
    }

    @Test
    void aFileWithBadRowsGoesToErrorBesideItsReportAndItsGoodRowsAreStored() throws Exception {
        String cus = "cus_" + uid();
        customers.resolve("stripe", cus);
        String good = "u_" + uid();
        String held = "u_" + uid();
        Files.createDirectories(INBOX);
        String file = "usage-" + uid() + ".csv";
        Files.writeString(INBOX.resolve(file + ".tmp"), "event_id,customer,metric,quantity,timestamp,region\n"
                + good + "," + cus + ",api_calls,10,2026-06-02T08:00:00Z,eu\n"
                + "u_" + uid() + "," + cus + ",api_calls,ten,2026-06-02T08:00:00Z,eu\n"
                + held + "," + cus + ",api_calls,-4,2026-06-02T08:00:00Z,eu\n"
                + "," + cus + ",api_calls,1,2026-06-02T08:00:00Z,eu\n");
        Files.move(INBOX.resolve(file + ".tmp"), INBOX.resolve(file));
        Path report = INBOX.resolve("error").resolve(file.replace(".csv", ".errors.csv"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(report));
        assertThat(INBOX.resolve("error").resolve(file)).exists();
        assertThat(INBOX.resolve(file)).doesNotExist();
        String text = Files.readString(report);
        assertThat(text).startsWith("row,reason\n").contains("3,").contains("quantity").contains("5,").contains("event_id");
        assertThat(count(good, "accepted")).isEqualTo(1);
        assertThat(count(held, "held")).isEqualTo(1);
        Map<String, Object> props = jdbc.queryForMap("select properties::text as p from usage_event where event_id = ?", good);
        assertThat((String) props.get("p")).contains("\"region\": \"eu\"");
    }

    @Test
    void aFileIsLoadedSetBasedEveryRowAccountedFor() throws Exception {
        String cus = "cus_" + uid();
        customers.resolve("stripe", cus);
        String p = "u_" + uid() + "_";
        Files.createDirectories(INBOX);
        String file = "usage-" + uid() + ".csv";
        Files.writeString(INBOX.resolve(file + ".tmp"), "event_id,customer,metric,quantity,timestamp,source,note\n"
                + p + "1," + cus + ",api_calls,10,2026-06-02T08:00:00Z,,\n"               // accepted
                + p + "1," + cus + ",api_calls,10,2026-06-02T08:00:00Z,,\n"               // duplicate within the file
                + p + "1," + cus + ",api_calls,10,2026-06-02T08:00:00Z,meter-b,\n"        // same id, other producer
                + p + "2," + cus + ",api_calls,5,1780387200,,\"tab\there, \\back\"\n"  // Unix seconds, odd property
                + p + "3," + cus + ",api_calls,5,2026-13-02T08:00:00Z,,\n"               // no 13th month
                + p + "4," + cus + ",api_calls,5,2026-06-02,,\n"                         // no time, no zone
                + p + "5,nobody_" + uid() + ",api_calls,5,2026-06-02T08:00:00+02:00,,\n" // unknown customer
                + p + "6," + cus + ",bandwidth,5,2026-06-02T08:00:00Z,,\n"               // unknown metric
                + p + "7," + cus + ",api_calls,5,2099-06-02T08:00:00Z,,\n");             // future
        Files.move(INBOX.resolve(file + ".tmp"), INBOX.resolve(file));
        Path report = INBOX.resolve("error").resolve(file.replace(".csv", ".errors.csv"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(report));
        String text = Files.readString(report);
        assertThat(text.lines().toList()).hasSize(3);
        assertThat(text).contains("6,\"row 6: field 'timestamp' is not a valid date and time\"")
                .contains("7,\"row 7: field 'timestamp' is not ISO-8601 or Unix seconds: '2026-06-02'\"");
        assertThat(jdbc.queryForObject("select count(*) from usage_event where event_id = ?", Integer.class, p + "1"))
                .isEqualTo(2);
        assertThat(jdbc.queryForObject("select occurred_at::text from usage_event where event_id = ?", String.class, p + "2"))
                .isEqualTo("2026-06-02 08:00:00+00");
        assertThat(jdbc.queryForObject("select properties ->> 'note' from usage_event where event_id = ?", String.class, p + "2"))
                .isEqualTo("tab\there, \\back");
        assertThat(jdbc.queryForList("select reason from usage_event where event_id like ? and status = 'held' order by event_id",
                String.class, p + "%")).satisfiesExactly(
                r -> assertThat(r).startsWith("unknown customer 'nobody_"),
                r -> assertThat(r).isEqualTo("unknown metric 'bandwidth' (mappings/usage/metrics.yaml)"),
                r -> assertThat(r).isEqualTo("dated in the future: 2099-06-02T08:00:00Z"));
        assertThat(jdbc.queryForObject("select count(*) from exception_item where kind = 'usage_held' and summary like ?",
                Integer.class, "%" + p + "%")).isEqualTo(3);

        // the same file again: everything already stored counts as a duplicate, no new exception
        Files.writeString(INBOX.resolve(file + ".tmp"), Files.readString(INBOX.resolve("error").resolve(file)));
        Files.delete(report);
        Files.move(INBOX.resolve(file + ".tmp"), INBOX.resolve(file));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(report));
        assertThat(jdbc.queryForObject("select count(*) from usage_event where event_id like ?", Integer.class, p + "%"))
                .isEqualTo(6);
        assertThat(jdbc.queryForObject("select count(*) from exception_item where kind = 'usage_held' and summary like ?",
                Integer.class, "%" + p + "%")).isEqualTo(3);

        // a file with an event stored before goes the staged way: its new held row is stored and opens its exception there
        String third = "usage-" + uid() + ".csv";
        Files.writeString(INBOX.resolve(third + ".tmp"), "event_id,customer,metric,quantity,timestamp\n"
                + p + "1," + cus + ",api_calls,10,2026-06-02T08:00:00Z\n"
                + p + "8," + cus + ",api_calls,-2,2026-06-02T08:00:00Z\n");
        Files.move(INBOX.resolve(third + ".tmp"), INBOX.resolve(third));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(INBOX.resolve("done").resolve(third)));
        assertThat(count(p + "8", "held")).isEqualTo(1);
        Map<String, Object> exception = jdbc.queryForMap("""
                select details->>'feed' as feed, details->>'batch' as batch from exception_item
                where kind = 'usage_held' and summary like ?""", "%" + p + "8%");
        assertThat(exception.get("feed")).isEqualTo("csv");
        assertThat((String) exception.get("batch")).startsWith("csv-" + third + "@");
        assertThat(jdbc.queryForObject("""
                select b.name from usage_event e join usage_batch b on b.id = e.batch_id where e.event_id = ?""",
                String.class, p + "8")).isEqualTo(exception.get("batch"));
    }

    @Test
    void anEventStoredByAnotherFeedDuringTheLoadCountsOnceAndTheRestOfTheFileIsStored() throws Exception {
        String cus = "cus_" + uid();
        customers.resolve("stripe", cus);
        String p = "u_" + uid() + "_";
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            // another feed is storing event 2 and has not committed yet: the file's anti-join cannot see it
            try (PreparedStatement ps = other.prepareStatement("""
                    with batch as (insert into usage_batch (name, feed) values (?, 'http') returning id)
                    insert into usage_event (producer, event_id, customer_ref, metric, quantity, occurred_at, batch_id, status)
                    select 'default', ?, ?, 'api_calls', 2, '2026-06-02T08:00:00Z', id, 'accepted' from batch""")) {
                ps.setString(1, "other-feed-" + p);
                ps.setString(2, p + "2");
                ps.setString(3, cus);
                ps.executeUpdate();
            }
            Files.createDirectories(INBOX);
            String file = "usage-" + uid() + ".csv";
            StringBuilder csv = new StringBuilder("event_id,customer,metric,quantity,timestamp\n");
            for (int i = 1; i <= 3; i++) {
                csv.append(p).append(i).append(',').append(cus).append(",api_calls,1,2026-06-02T08:00:00Z\n");
            }
            Files.writeString(INBOX.resolve(file + ".tmp"), csv);
            Files.move(INBOX.resolve(file + ".tmp"), INBOX.resolve(file));
            // the load now waits on event 2's lock; the other feed commits, the load hits the unique key and falls back
            await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'copy usage_event%'",
                    Integer.class) > 0);
            other.commit();
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(INBOX.resolve("done").resolve(file)));
        }
        assertThat(jdbc.queryForList("""
                select e.event_id || ':' || b.feed from usage_event e join usage_batch b on b.id = e.batch_id
                where e.event_id like ? order by e.event_id""", String.class, p + "%")).containsExactly(p + "1:csv", p + "2:http", p + "3:csv");
    }
}
