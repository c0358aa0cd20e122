/** What could not go straight through and the decision on it: the only writer of exception_item. */
@ApplicationModule(displayName = "Exception queue")
package io.ledgerbridge.exceptions;

import org.springframework.modulith.ApplicationModule;
