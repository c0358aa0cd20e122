package io.ledgerbridge.reconciliation;

import java.time.LocalDate;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Reconciles yesterday every day (cron {@code ledgerbridge.reconciliation.cron}, default 04:00 company
 * time, after the recognition run). On several instances at once, one runs and the others are told
 * a run is going on.
 */
@Component
@ConditionalOnProperty(name = "ledgerbridge.reconciliation.scheduled", havingValue = "true", matchIfMissing = true)
public class ReconciliationScheduler {

    private final ReconciliationService service;

    public ReconciliationScheduler(ReconciliationService service) {
        this.service = service;
    }

    @Scheduled(cron = "${ledgerbridge.reconciliation.cron:0 0 4 * * *}", zone = "${ledgerbridge.timezone:UTC}")
    public void daily() {
        try {
            service.run(LocalDate.now(service.zone()).minusDays(1), "scheduler");
        } catch (ReconciliationService.Busy e) {
            LoggerFactory.getLogger(ReconciliationScheduler.class).info("Scheduled reconciliation skipped: {}", e.getMessage());
        }
    }
}
