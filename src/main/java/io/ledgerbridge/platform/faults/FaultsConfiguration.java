package io.ledgerbridge.platform.faults;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;

/** Arms the crash point and the failing point of {@code ledgerbridge.faults.*} (fault tests only). */
@Configuration(proxyBeanMethods = false)
public class FaultsConfiguration {

    public FaultsConfiguration(@Value("${ledgerbridge.faults.halt-at:}") String haltAt,
                               @Value("${ledgerbridge.faults.halt-after:1}") int haltAfter,
                               @Value("${ledgerbridge.faults.fail-at:}") String failAt,
                               @Value("${ledgerbridge.faults.fail-percent:0}") int failPercent) {
        Faults.arm(haltAt, haltAfter);
        Faults.flaky(failAt, failPercent);
    }
}
