/** The canonical and ledger stages over Kafka, batch retries and the dead-letter store. */
@ApplicationModule(displayName = "Pipeline")
package io.ledgerbridge.pipeline;

import org.springframework.modulith.ApplicationModule;
