package io.ledgerbridge.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Why a usage event is held, one rule at a time, in the order the rules are checked. */
class HoldRulesTest {

    private final UsageIngest.HoldRules rules = new UsageIngest.HoldRules(Set.of("api_calls", "seats"),
            ZoneId.of("America/New_York"), Set.of("2026-05"), Instant.parse("2026-07-01T12:05:00Z"));

    private String reason(String customerId, String metric, long quantity, String at) {
        return rules.reason("crm-42", customerId, metric, quantity, Instant.parse(at));
    }

    @Test
    void anEventThatPassesEveryRuleIsAccepted() {
        assertThat(reason("cust_1", "api_calls", 0, "2026-06-30T10:00:00Z")).isNull();
    }

    @Test
    void eachRuleNamesWhatIsWrong() {
        assertThat(reason(null, "api_calls", 5, "2026-06-30T10:00:00Z")).isEqualTo("unknown customer 'crm-42'");
        assertThat(reason("cust_1", "gigabytes", 5, "2026-06-30T10:00:00Z"))
                .isEqualTo("unknown metric 'gigabytes' (mappings/usage/metrics.yaml)");
        assertThat(reason("cust_1", "seats", -3, "2026-06-30T10:00:00Z")).isEqualTo("negative quantity -3");
        assertThat(reason("cust_1", "seats", 3, "2026-07-01T12:05:00.250Z")).isEqualTo("dated in the future: 2026-07-01T12:05:00Z");
        assertThat(reason("cust_1", "seats", 3, "2026-05-31T23:00:00Z")).isEqualTo("dated in closed period 2026-05");
    }

    @Test
    void theClosedPeriodIsTheMonthInTheLedgersTimeZone() {
        // 1 June 02:00 UTC is still 31 May in New York: the closed month
        assertThat(reason("cust_1", "seats", 3, "2026-06-01T02:00:00Z")).isEqualTo("dated in closed period 2026-05");
        assertThat(reason("cust_1", "seats", 3, "2026-06-01T05:00:00Z")).isNull();
    }

    @Test
    void theFirstRuleBrokenIsTheOneGiven() {
        assertThat(reason(null, "gigabytes", -1, "2026-05-10T00:00:00Z")).isEqualTo("unknown customer 'crm-42'");
    }
}
