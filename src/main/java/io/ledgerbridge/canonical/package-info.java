/** The canonical events and the mapping engine that reads source payloads into them. */
@ApplicationModule(displayName = "Canonical model")
package io.ledgerbridge.canonical;

import org.springframework.modulith.ApplicationModule;
