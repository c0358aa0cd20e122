/** Part of the module's API: mapping. */
@NamedInterface("mapping")
package io.ledgerbridge.canonical.mapping;

import org.springframework.modulith.NamedInterface;
