/** Who did what and why: the only writer of audit_record. */
@ApplicationModule(displayName = "Audit trail")
package io.ledgerbridge.audit;

import org.springframework.modulith.ApplicationModule;
