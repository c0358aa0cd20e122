package io.ledgerbridge.erp;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * A ledger journal entry as an ERP receives it: our external key (the ERP's external id, so a retry
 * never creates a second document), the date, currency and lines with the ERP's account and
 * dimensions. Amounts stay integer minor units; each connector writes them as the ERP wants.
 */
public record ErpJournal(String externalKey, long entryId, LocalDate date, String currency, String erpCurrency, String memo,
                         List<Line> lines) {

    public record Line(String ledgerAccount, String erpAccount, long debit, long credit, String customerId,
                       Map<String, String> dimensions) {
    }

    public long total() {
        return lines.stream().mapToLong(Line::debit).sum();
    }

    public ErpJournal withDate(LocalDate newDate, String note) {
        return new ErpJournal(externalKey, entryId, newDate, currency, erpCurrency, memo + " " + note, lines);
    }
}
