package io.ledgerbridge.canonical.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One field of a mapping file: alternatives separated by {@code |}, the first that yields a value
 * wins (so older and newer shapes of a source API can stand side by side). An alternative is
 * <ul>
 *   <li>a path into the source object, dots between names ({@code status_transitions.finalized_at});
 *       {@code @event.} starts at the event envelope instead;</li>
 *   <li>{@code sum(path[].field)}: the sum of a field over an array (0 for an empty or absent array);</li>
 *   <li>{@code =literal}: a constant (number, true/false, or text).</li>
 * </ul>
 * followed by an optional transform: {@code :upper}, {@code :lower}, {@code :epoch} (Unix seconds to
 * an ISO instant), {@code :id} (a Stripe id, or the {@code id} of an expanded object).
 */
public final class FieldExpression {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> TRANSFORMS = List.of("upper", "lower", "epoch", "id");

    private record Alternative(String kind, String path, String arrayPath, String field, JsonNode constant, String transform) {
    }

    private final String source;
    private final List<Alternative> alternatives;

    private FieldExpression(String source, List<Alternative> alternatives) {
        this.source = source;
        this.alternatives = alternatives;
    }

    /** Parses an expression; throws IllegalArgumentException with the reason. */
    public static FieldExpression parse(String text) {
        List<Alternative> alts = new ArrayList<>();
        for (String raw : text.split("\\|")) {
            String alt = raw.trim();
            if (alt.isEmpty()) {
                throw new IllegalArgumentException("empty alternative in '" + text + "'");
            }
            if (alt.startsWith("=")) {
                alts.add(new Alternative("const", null, null, null, constant(alt.substring(1)), null));
                continue;
            }
            String transform = null;
            int colon = alt.lastIndexOf(':');
            if (colon > 0 && !alt.substring(colon).contains(")")) {
                transform = alt.substring(colon + 1);
                alt = alt.substring(0, colon);
                if (!TRANSFORMS.contains(transform)) {
                    throw new IllegalArgumentException("unknown transform ':" + transform + "' (known: " + TRANSFORMS + ")");
                }
            }
            if (alt.startsWith("sum(") && alt.endsWith(")")) {
                String inner = alt.substring(4, alt.length() - 1);
                int brackets = inner.indexOf("[].");
                if (brackets <= 0) {
                    throw new IllegalArgumentException("sum() takes path[].field, got '" + inner + "'");
                }
                alts.add(new Alternative("sum", null, inner.substring(0, brackets), inner.substring(brackets + 3), null, transform));
            } else if (alt.matches("@?[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                alts.add(new Alternative("path", alt, null, null, null, transform));
            } else {
                throw new IllegalArgumentException("cannot read '" + alt + "' (a path, sum(path[].field) or =constant)");
            }
        }
        return new FieldExpression(text, alts);
    }

    private static JsonNode constant(String v) {
        if (v.equals("true") || v.equals("false")) {
            return NODES.booleanNode(Boolean.parseBoolean(v));
        }
        if (v.matches("-?\\d+")) {
            return NODES.numberNode(Long.parseLong(v));
        }
        return NODES.textNode(v);
    }

    /** The value for this object (null when no alternative yields one). */
    public JsonNode evaluate(JsonNode object, JsonNode event) {
        for (Alternative a : alternatives) {
            JsonNode v = switch (a.kind()) {
                case "const" -> a.constant();
                case "sum" -> sum(resolve(object, event, a.arrayPath()), a.field());
                default -> resolve(object, event, a.path());
            };
            if (v != null && !v.isNull() && !v.isMissingNode()) {
                return a.transform() == null ? v : transform(v, a.transform());
            }
        }
        return null;
    }

    private static JsonNode resolve(JsonNode object, JsonNode event, String path) {
        JsonNode node = object;
        String p = path;
        if (p.startsWith("@event.")) {
            node = event;
            p = p.substring("@event.".length());
        }
        for (String part : p.split("\\.")) {
            if (node == null) {
                return null;
            }
            node = node.get(part);
        }
        return node;
    }

    private static JsonNode sum(JsonNode array, String field) {
        long total = 0;
        if (array != null && array.isArray()) {
            for (JsonNode item : array) {
                JsonNode v = item.get(field);
                if (v != null && v.isIntegralNumber()) {
                    total = Math.addExact(total, v.asLong());
                } else if (v != null && !v.isNull()) {
                    throw new MappingException("sum over '" + field + "': not an integer: " + v);
                }
            }
        }
        return NODES.numberNode(total);
    }

    private static JsonNode transform(JsonNode v, String transform) {
        return switch (transform) {
            case "upper" -> new TextNode(v.asText().toUpperCase(Locale.ROOT));
            case "lower" -> new TextNode(v.asText().toLowerCase(Locale.ROOT));
            case "epoch" -> {
                if (!v.isIntegralNumber()) {
                    throw new MappingException("expected Unix seconds, got " + v);
                }
                yield new TextNode(java.time.Instant.ofEpochSecond(v.asLong()).toString());
            }
            case "id" -> v.isObject() ? v.get("id") : v;
            default -> throw new IllegalStateException(transform);
        };
    }

    @Override
    public String toString() {
        return source;
    }
}
