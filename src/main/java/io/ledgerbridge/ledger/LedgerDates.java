package io.ledgerbridge.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** The day of an instant in the company's time zone ({@code ledgerbridge.timezone}): the date an entry is posted on. */
@Component
class LedgerDates {

    private final ZoneId zone;

    LedgerDates(@Value("${ledgerbridge.timezone:UTC}") String timezone) {
        this.zone = ZoneId.of(timezone);
    }

    LocalDate date(Instant instant) {
        return LocalDate.ofInstant(instant, zone);
    }
}
