/** Recognition schedules and the waterfall. */
@ApplicationModule(displayName = "Revenue recognition")
package io.ledgerbridge.revenue;

import org.springframework.modulith.ApplicationModule;
