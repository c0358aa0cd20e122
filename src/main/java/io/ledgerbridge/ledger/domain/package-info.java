/** Part of the module's API: domain. */
@NamedInterface("domain")
package io.ledgerbridge.ledger.domain;

import org.springframework.modulith.NamedInterface;
