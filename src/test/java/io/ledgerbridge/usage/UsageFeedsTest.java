package io.ledgerbridge.usage;

import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
}
