/** PandaDoc: signature and document events. */
@ApplicationModule(displayName = "PandaDoc")
package io.ledgerbridge.sources.pandadoc;

import org.springframework.modulith.ApplicationModule;
