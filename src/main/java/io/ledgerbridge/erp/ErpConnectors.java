package io.ledgerbridge.erp;

import java.util.Map;

/** The configured ERP connectors by name (empty when the ledger is not synced to an ERP). */
public record ErpConnectors(Map<String, ErpConnector> byName) {
}
