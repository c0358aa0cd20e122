/** Security, OpenAPI, the console shell, API errors, jobs, fault points, health and the embedded servers: shared by every module. */
@ApplicationModule(displayName = "Platform", type = ApplicationModule.Type.OPEN)
package io.ledgerbridge.platform;

import org.springframework.modulith.ApplicationModule;
