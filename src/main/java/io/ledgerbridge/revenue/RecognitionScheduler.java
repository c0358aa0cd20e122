package io.ledgerbridge.revenue;

import java.time.LocalDate;
import java.time.ZoneId;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs recognition on a schedule (cron {@code ledgerbridge.revenue.recognition-cron}, default 00:30
 * daily, in the company time zone) through the day before; safe on every instance at once, since
 * runs take turns on a cluster-wide lock and find nothing left to do.
 */
@Component
@ConditionalOnProperty(name = "ledgerbridge.revenue.scheduled", havingValue = "true", matchIfMissing = true)
public class RecognitionScheduler {

    private final RecognitionService recognition;
    private final ZoneId zone;

    public RecognitionScheduler(RecognitionService recognition, @Value("${ledgerbridge.timezone:UTC}") String timezone) {
        this.recognition = recognition;
        this.zone = ZoneId.of(timezone);
    }

    @Scheduled(cron = "${ledgerbridge.revenue.recognition-cron:0 30 0 * * *}", zone = "${ledgerbridge.timezone:UTC}")
    public void daily() {
        recognition.recognize(LocalDate.now(zone).minusDays(1), "scheduler");
    }
}
