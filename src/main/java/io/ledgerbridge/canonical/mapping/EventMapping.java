package io.ledgerbridge.canonical.mapping;

import com.fasterxml.jackson.databind.JsonNode;
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
        FieldExpressionRef customerRef,
        FieldExpressionRef occurredAt,
        Map<String, String> requires,
        ObjectMappingRef body) {

    /** Opaque handle on a parsed field expression. */
    public static final class FieldExpressionRef {
        private final FieldExpression expression;

        FieldExpressionRef(FieldExpression expression) {
            this.expression = expression;
        }

        public JsonNode evaluate(JsonNode object, JsonNode event) {
            return expression.evaluate(object, event);
        }
    }

    /** Opaque handle on a parsed fields block. */
    public static final class ObjectMappingRef {
        private final ObjectMapping mapping;

        ObjectMappingRef(ObjectMapping mapping) {
            this.mapping = mapping;
        }

        public com.fasterxml.jackson.databind.node.ObjectNode apply(JsonNode object, JsonNode event) {
            return mapping.apply(object, event);
        }
    }
}
