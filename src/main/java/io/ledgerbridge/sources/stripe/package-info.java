/** Stripe: signature, event mapping, API client, billing write-back, reconciliation source, history import. */
@ApplicationModule(displayName = "Stripe")
package io.ledgerbridge.sources.stripe;

import org.springframework.modulith.ApplicationModule;
