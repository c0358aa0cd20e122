/** Daily three-way reconciliation: source vs ledger vs ERP. */
@ApplicationModule(displayName = "Reconciliation")
package io.ledgerbridge.reconciliation;

import org.springframework.modulith.ApplicationModule;
