/** Read models of the finance console: overview, search, event trace. */
@ApplicationModule(displayName = "Operations console")
package io.ledgerbridge.ops;

import org.springframework.modulith.ApplicationModule;
