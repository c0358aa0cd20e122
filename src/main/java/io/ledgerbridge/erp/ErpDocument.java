package io.ledgerbridge.erp;

import java.time.LocalDate;

/** A journal document as an ERP shows it when read back by our external key: its id, date, total (minor units) and state. */
public record ErpDocument(String erp, String externalKey, String erpId, LocalDate date, String currency, long total,
                          String status) {
}
