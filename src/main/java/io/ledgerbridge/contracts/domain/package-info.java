/** Part of the contracts module's API: the contract rules (plain Java), also read by the billing write-back. */
@NamedInterface("domain")
package io.ledgerbridge.contracts.domain;

import org.springframework.modulith.NamedInterface;
