package io.ledgerbridge.usage;

import java.time.Instant;
import java.util.Map;

/**
 * The canonical usage record, whatever feed it came by: who produced it and its id there, the
 * customer (golden id or an external id), the metric, a whole quantity, when it happened, and any
 * other properties.
 */
public record UsageRecord(String producer, String eventId, String customerRef, String metric, long quantity,
                          Instant timestamp, Map<String, String> properties) {
}
