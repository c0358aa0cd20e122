/** Double-entry ledger: posting rules, journal entries, receivables, periods. */
@ApplicationModule(displayName = "Ledger")
package io.ledgerbridge.ledger;

import org.springframework.modulith.ApplicationModule;
