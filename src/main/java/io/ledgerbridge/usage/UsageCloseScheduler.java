package io.ledgerbridge.usage;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Closes the previous month's usage on a schedule (cron {@code ledgerbridge.usage.close-cron},
 * default 03:00 on the 1st, company time zone). Safe on every instance at once: closes take turns on
 * a cluster-wide lock and a period already closed rates nothing twice.
 */
@Component
@ConditionalOnProperty(name = "ledgerbridge.usage.close-scheduled", havingValue = "true", matchIfMissing = true)
public class UsageCloseScheduler {

    private final UsageClose close;

    public UsageCloseScheduler(UsageClose close) {
        this.close = close;
    }

    @Scheduled(cron = "${ledgerbridge.usage.close-cron:0 0 3 1 * *}", zone = "${ledgerbridge.timezone:UTC}")
    public void monthly() {
        try {
            close.close(close.previousPeriod(), "scheduler");
        } catch (UsageClose.NotNow e) {
            org.slf4j.LoggerFactory.getLogger(UsageCloseScheduler.class).info("Scheduled usage close skipped: {}", e.getMessage());
        }
    }
}
