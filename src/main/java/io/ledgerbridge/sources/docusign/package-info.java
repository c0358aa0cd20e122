/** DocuSign Connect: signature and envelope events. */
@ApplicationModule(displayName = "DocuSign")
package io.ledgerbridge.sources.docusign;

import org.springframework.modulith.ApplicationModule;
