package io.ledgerbridge.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/**
 * The one integration-test configuration: the whole product with its routes, the shared embedded
 * PostgreSQL and Kafka, on a random port. Every integration test uses exactly this (no extra
 * properties, no mocked beans) so Spring caches a single context for the whole test JVM.
 * Camel runs exactly as in production (JMX on, so Hawtio and Jolokia see the routes): the Camel
 * test listener, which switches JMX off (stack.md trap 4), is deliberately not used. Time is the
 * {@link MutableClock}'s: a test moves it instead of waiting.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@AutoConfigureObservability
@Import(MutableClock.class)
public @interface LedgerbridgeTest {
}
