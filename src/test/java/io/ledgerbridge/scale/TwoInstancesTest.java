package io.ledgerbridge.scale;

import static io.ledgerbridge.support.StripeEvents.charge;
import static io.ledgerbridge.support.StripeEvents.event;
import static io.ledgerbridge.support.StripeEvents.invoice;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ledgerbridge.LedgerbridgeApplication;
import io.ledgerbridge.support.Http;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Scale-out: a second instance of the product against the same PostgreSQL and Kafka, sharing the
 * consumer groups. Webhooks go to both; the second instance is stopped halfway; the first takes over
 * its partitions. Every acknowledged event is posted exactly once, and a recognition run asked of
 * both instances at the same moment posts once.
 */
@LedgerbridgeTest
class TwoInstancesTest {

    private static final Instant PERIOD_START = Instant.parse("2023-03-01T00:00:00Z");
    private static final Instant PERIOD_END = Instant.parse("2024-03-01T00:00:00Z");
    private static final Instant INVOICED = Instant.parse("2023-03-01T09:00:00Z");
    private static final Instant PAID = Instant.parse("2023-03-02T10:00:00Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Environment env;

    private ConfigurableApplicationContext second() {
        // as command-line arguments: they win over application.yml, as the environment variables of a real instance do
        return new SpringApplicationBuilder(LedgerbridgeApplication.class).profiles("test").run(
                "--server.port=0",
                "--spring.datasource.url=" + env.getProperty("spring.datasource.url"),
                "--spring.datasource.username=" + env.getProperty("spring.datasource.username"),
                "--spring.datasource.password=" + env.getProperty("spring.datasource.password"),
                "--ledgerbridge.kafka.brokers=" + env.getProperty("ledgerbridge.kafka.brokers"),
                "--camel.main.name=ledgerbridge-b",
                "--spring.application.name=ledgerbridge-b");
    }

    @Test
    void twoInstancesShareTheWorkAndTheSurvivorFinishesItOnceEach() throws Exception {
        ConfigurableApplicationContext b = second();
        int portB = ((WebServerApplicationContext) b).getWebServer().getPort();
        List<Http> instances = List.of(new Http(port), new Http(portB));
        int customers = 40;
        String run = uid();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < customers; i++) {
            String cus = "cus_s" + run + i;
            String inv = "in_s" + run + i;
            bodies.add(event("evt_" + uid(), "invoice.finalized",
                    invoice(inv, cus, "usd", 120_000 + i, PERIOD_START, PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED).toString());
            bodies.add(event("evt_" + uid(), "charge.succeeded", charge("ch_s" + run + i, cus, inv, "usd", 120_000 + i, 3_000L, PAID), PAID)
                    .toString());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < bodies.size(); i++) {
                String body = bodies.get(i);
                Http to = instances.get(i % 2);
                sent.add(CompletableFuture.supplyAsync(() -> to.stripe(body), pool));
                if (i == bodies.size() / 2) {
                    // halfway through, the second instance goes away: its partitions move to the first
                    sent.forEach(CompletableFuture::join);
                    b.close();
                    instances = List.of(new Http(port), new Http(port));
                }
            }
            for (CompletableFuture<HttpResponse<String>> f : sent) {
                assertThat(f.join().statusCode()).isEqualTo(200);
            }
        } finally {
            pool.shutdown();
            if (b.isActive()) {
                b.close();
            }
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> jdbc.queryForObject("""
                select count(*) from inbox_event where payload like ? and status = 'posted'""", Integer.class, "%_s" + run + "%")
                == bodies.size());
        // each invoice, payment and fee once: 3 entries a customer, all balanced
        assertThat(jdbc.queryForObject("select count(*) from journal_entry where entry_key like ? or entry_key like ? or entry_key like ?",
                Integer.class, "stripe:invoice:in_s" + run + "%", "stripe:payment:ch_s" + run + "%", "stripe:fee:%s" + run + "%"))
                .isEqualTo(customers * 3);
        assertThat(jdbc.queryForObject("""
                select count(*) from (select e.id from journal_entry e join journal_line l on l.entry_id = e.id
                                      where e.entry_key like ? group by e.id having sum(l.debit) <> sum(l.credit)) x""",
                Integer.class, "stripe:%" + run + "%")).isZero();
        assertThat(jdbc.queryForObject("select count(*) from processed_message where message_key like ?", Integer.class,
                "stripe:evt_%") ).isPositive();
    }

    @Test
    void aRecognitionRunAskedOfBothInstancesAtOnceRunsOnce() throws Exception {
        String inv = "in_r" + uid();
        Http http = new Http(port);
        assertThat(http.stripe(event("evt_" + uid(), "invoice.finalized", invoice(inv, "cus_r" + uid(), "usd", 120_000, PERIOD_START,
                PERIOD_END, INVOICED, "prod_platform_annual"), INVOICED).toString()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from invoice_line where invoice_id = ?", Integer.class, "stripe:" + inv) == 1);
        ConfigurableApplicationContext b = second();
        try {
            int portB = ((WebServerApplicationContext) b).getWebServer().getPort();
            Http a = new Http(port);
            Http other = new Http(portB);
            String through = "2023-04-30";
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(
                    () -> a.postAs("/api/revenue/recognize?through=" + through, "admin", "admin-test", null));
            CompletableFuture<HttpResponse<String>> second = CompletableFuture.supplyAsync(
                    () -> other.postAs("/api/revenue/recognize?through=" + through, "admin", "admin-test", null));
            assertThat(first.join().statusCode()).isEqualTo(200);
            assertThat(second.join().statusCode()).isEqualTo(200);
            // 2023-03-01..2024-03-01 is 366 days; 61 of them through April: 120,000 x 61 / 366 = 20,000, recognised once
            assertThat(jdbc.queryForObject("select recognised from invoice_line where invoice_id = ?", Long.class, "stripe:" + inv))
                    .isEqualTo(20_000);
        } finally {
            b.close();
        }
    }
}
