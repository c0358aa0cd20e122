/** Usage feeds (files, HTTP, Kafka), rating against the contract and the period close. */
@ApplicationModule(displayName = "Usage")
package io.ledgerbridge.usage;

import org.springframework.modulith.ApplicationModule;
