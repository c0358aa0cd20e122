package io.ledgerbridge.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import io.ledgerbridge.canonical.UnroutableEventException;
import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.pipeline.KafkaBatch;
import io.ledgerbridge.platform.NotRetryable;
import io.ledgerbridge.sources.stripe.StripeApi;
import io.ledgerbridge.usage.UsageFormatException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one list of failures that are not retried ({@link NotRetryable}, and a message that is not JSON)
 * as the shared error handling applies it: the real {@code routes/ops/error-handling.camel.yaml} loaded
 * into a Camel context of its own, with a probe route on {@code lb-errors} that fails as told and a
 * {@code direct:dead-letter} that records what reaches it. Camel's onException names the interface and
 * matches the exceptions that implement it (and those that carry one as their cause); the batch stages'
 * check ({@link KafkaBatch#notRetryable}) agrees.
 */
class NotRetryableTest {

    private CamelContext camel;
    private ProducerTemplate producer;
    private final AtomicInteger attempts = new AtomicInteger();
    private final List<Exchange> deadLetters = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failure;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        PluginHelper.getRoutesLoader(camel).loadRoutes(
                ResourceHelper.resolveMandatoryResource(camel, "file:routes/ops/error-handling.camel.yaml"));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:probe").routeId("probe").routeConfigurationId("lb-errors")
                        .process(e -> {
                            attempts.incrementAndGet();
                            throw failure;
                        });
                from("direct:dead-letter").routeId("dead-letter-probe").process(e -> deadLetters.add(e.copy()));
            }
        });
        camel.start();
        producer = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    /** Sends one message to the probe that fails with the given exception; returns how often it was tried. */
    private int tries(RuntimeException e) {
        attempts.set(0);
        deadLetters.clear();
        failure = e;
        producer.send("direct:probe", x -> x.getMessage().setBody("{\"inboxId\":1}"));
        return attempts.get();
    }

    @Test
    void aRefusalFromStripeIsDeadLetteredAtOnceWithTheOriginalMessage() {
        StripeApi.Refused refused = new StripeApi.Refused("Stripe refused customer (HTTP 400): No such price", null);

        assertThat(tries(refused)).as("attempts").isEqualTo(1);
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)).isSameAs(refused);
            assertThat(d.getProperty(Exchange.FAILURE_ROUTE_ID, String.class)).isEqualTo("probe");
            assertThat(d.getMessage().getBody(String.class)).isEqualTo("{\"inboxId\":1}");
        });
        assertThat(KafkaBatch.notRetryable(refused)).isTrue();
    }

    @Test
    void everyNotRetryableFailureAndUnreadableJsonIsDeadLetteredAtOnce() {
        List<RuntimeException> wrongInThemselves = List.of(new MappingException("invoice.v1: missing 'id'"),
                new UnroutableEventException("no canonical mapping for source zoho"),
                new UsageFormatException("row 3: quantity 'x' is not a number"),
                new StripeApi.Refused("Stripe refused price (HTTP 400)", null),
                // a not-retryable failure wrapped on its way up is found by its cause
                new IllegalStateException("step failed", new MappingException("a field of the wrong type")),
                new IllegalStateException("not JSON", new JsonParseException(null, "Unexpected character")));
        for (RuntimeException e : wrongInThemselves) {
            assertThat(tries(e)).as("attempts for %s", e).isEqualTo(1);
            assertThat(deadLetters).as("dead letters for %s", e).hasSize(1);
        }
        for (RuntimeException e : wrongInThemselves.subList(0, 4)) {
            assertThat(e).isInstanceOf(NotRetryable.class);
            assertThat(KafkaBatch.notRetryable(e)).as("%s in a batch stage", e).isTrue();
        }
    }

    @Test
    void anyOtherFailureIsRetriedThreeTimesThenDeadLettered() {
        assertThat(tries(new IllegalStateException("Stripe customer failed (HTTP 503), will retry"))).isEqualTo(4);
        assertThat(deadLetters).hasSize(1);
        assertThat(KafkaBatch.notRetryable(new IllegalStateException("the database is away"))).isFalse();
    }
}
