/** Closed-won deals and signed contracts: validation, approval and the billing act. */
@ApplicationModule(displayName = "Contracts")
package io.ledgerbridge.contracts;

import org.springframework.modulith.ApplicationModule;
