/** HubSpot: signature, deal events, CRM API client and pipelines. */
@ApplicationModule(displayName = "HubSpot")
package io.ledgerbridge.sources.hubspot;

import org.springframework.modulith.ApplicationModule;
