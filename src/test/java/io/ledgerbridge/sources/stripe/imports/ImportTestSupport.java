package io.ledgerbridge.sources.stripe.imports;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.support.FakeStripeApi;
import io.ledgerbridge.support.Http;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** What the import and recovery tests share: HTTP to the product, a fresh fake Stripe account, no import left running. */
abstract class ImportTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    Http http;

    @BeforeEach
    void freshStripeAccount() {
        http = new Http(port);
        FakeStripeApi.reset();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                jdbc.queryForObject("select count(*) from stripe_import where status = 'running'", Integer.class) == 0);
    }

    /** Signed balance (debit - credit) of an account over the entries of these Stripe customers dated up to asOf. */
    long balance(List<String> stripeCustomers, String account, String asOf) {
        Long v = jdbc.queryForObject("""
                select coalesce(sum(l.debit - l.credit), 0) from journal_line l join journal_entry e on e.id = l.entry_id
                join customer_xref x on x.customer_id = e.customer_id and x.system = 'stripe'
                where x.external_id = any(?) and l.account_code = ? and e.entry_date <= ?::date""", Long.class,
                stripeCustomers.toArray(String[]::new), account, asOf);
        return v == null ? 0 : v;
    }

    long balance(String stripeCustomer, String account) {
        return balance(List.of(stripeCustomer), account, "9999-12-31");
    }
}
