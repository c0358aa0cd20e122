package io.ledgerbridge.platform;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one clock of the product: whatever asks "what time is it" in Java (signature windows, token
 * expiry, usage held as dated in the future, whether a period is over) asks this bean, so tests move
 * time by replacing it instead of waiting for it. SQL {@code now()} inside statements is the
 * database's own.
 */
@Configuration(proxyBeanMethods = false)
public class ClockConfiguration {

    @Bean
    public Clock clock() {
        return Clock.systemUTC();
    }
}
