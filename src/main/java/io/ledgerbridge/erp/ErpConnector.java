package io.ledgerbridge.erp;

import java.util.Optional;

/** One ERP: posts a journal under our external key and reads it back by that key. */
public interface ErpConnector {

    /** netsuite, quickbooks, xero. */
    String name();

    /** Creates the journal; returns the ERP's document id. */
    String post(ErpJournal journal);

    /** The document with this external key, if the ERP has it (used before any re-post, and to confirm). */
    Optional<ErpDocument> find(String externalKey);

    /** Every document the ERP holds under this external key (more than one is a duplicate); by default the one {@link #find} gives. */
    default java.util.List<ErpDocument> findAll(String externalKey) {
        return find(externalKey).map(java.util.List::of).orElse(java.util.List.of());
    }

    /** Every journal the ERP booked on a day, ours or not (the reconciliation's ERP side). */
    java.util.List<ErpDocument> list(java.time.LocalDate day);
}
