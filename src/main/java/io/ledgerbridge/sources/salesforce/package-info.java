/** Salesforce: webhook, Change Data Capture and its configuration. */
@ApplicationModule(displayName = "Salesforce")
package io.ledgerbridge.sources.salesforce;

import org.springframework.modulith.ApplicationModule;
