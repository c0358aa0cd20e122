package io.ledgerbridge.canonical.mapping;

import io.ledgerbridge.canonical.CanonicalType;
import java.util.Map;

/**
 * What one mapping file says about one source event type: the canonical type, the canonical body
 * it fills, how to read the customer and the business time, and the conditions under which the
 * event has a financial effect at all.
 */
public record EventMapping(
        String version,
        String file,
        String sourceObject,
        String target,
        CanonicalType type,
        FieldExpression customerRef,
        FieldExpression occurredAt,
        Map<String, String> requires,
        ObjectMapping body) {
}
