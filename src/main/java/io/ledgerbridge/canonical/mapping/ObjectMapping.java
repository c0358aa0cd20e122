package io.ledgerbridge.canonical.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The {@code fields:} block of a mapping file for one canonical record type: each canonical field
 * with its {@link FieldExpression}; a list field maps each element of a source array with its own
 * block ({@code each:} + {@code fields:}). Field names are checked against the record at load time.
 */
public final class ObjectMapping {

    private final Map<String, FieldExpression> fields = new LinkedHashMap<>();
    /**
     * Per field, the expressions for the source's API versions from a given version on ({@code name@2025-03-31:}),
     * newest first: where a shape differs, the event's {@code api_version} chooses; an event without one, or older
     * than every override, reads the field's plain expression.
     */
    private final Map<String, java.util.NavigableMap<String, FieldExpression>> since = new LinkedHashMap<>();
    private final Map<String, ListMapping> lists = new LinkedHashMap<>();

    private record ListMapping(FieldExpression each, ObjectMapping element) {
    }

    public ObjectMapping(YamlSource yaml, Node block, Class<? extends Record> target) {
        Map<String, RecordComponent> components = new LinkedHashMap<>();
        for (RecordComponent c : target.getRecordComponents()) {
            components.put(c.getName(), c);
        }
        yaml.entries(block).forEach((key, value) -> {
            String name = key;
            String version = null;
            int at = key.indexOf('@');
            if (at > 0) {
                name = key.substring(0, at);
                version = key.substring(at + 1);
                if (!version.matches("\\d{4}-\\d{2}-\\d{2}(\\.[a-z]+)?")) {
                    throw yaml.error(value, "'" + key + "': an API version is written yyyy-MM-dd (with an optional .name), not '"
                            + version + "'");
                }
                if (!(value instanceof ScalarNode)) {
                    throw yaml.error(value, "'" + key + "': a field chosen by API version takes a single expression");
                }
            }
            RecordComponent component = components.get(name);
            if (component == null) {
                throw yaml.error(value, "'" + name + "' is not a field of the canonical " + target.getSimpleName()
                        + " (fields: " + components.keySet() + ")");
            }
            if (version != null) {
                since.computeIfAbsent(name, n -> new java.util.TreeMap<>()).put(version.substring(0, 10), parse(yaml, value));
            } else if (value instanceof ScalarNode) {
                fields.put(name, parse(yaml, value));
            } else if (List.class.isAssignableFrom(component.getType())) {
                Map<String, Node> list = yaml.entries(value);
                Node each = yaml.required(list, value, "each");
                Node elementFields = yaml.required(list, value, "fields");
                @SuppressWarnings("unchecked")
                Class<? extends Record> elementType = (Class<? extends Record>)
                        ((ParameterizedType) component.getGenericType()).getActualTypeArguments()[0];
                lists.put(name, new ListMapping(parse(yaml, each), new ObjectMapping(yaml, elementFields, elementType)));
            } else {
                throw yaml.error(value, "'" + name + "' takes a single expression");
            }
        });
    }

    private static FieldExpression parse(YamlSource yaml, Node node) {
        try {
            return FieldExpression.parse(yaml.scalar(node));
        } catch (IllegalArgumentException e) {
            throw yaml.error(node, e.getMessage());
        }
    }

    /** The canonical record as a JSON tree (Jackson turns it into the record). */
    public ObjectNode apply(JsonNode object, JsonNode event) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        String apiVersion = event == null ? null : event.path("api_version").asText(null);
        java.util.Set<String> names = new java.util.LinkedHashSet<>(fields.keySet());
        names.addAll(since.keySet());
        for (String name : names) {
            FieldExpression expression = fields.get(name);
            java.util.NavigableMap<String, FieldExpression> byVersion = since.get(name);
            if (byVersion != null && apiVersion != null && apiVersion.length() >= 10) {
                Map.Entry<String, FieldExpression> chosen = byVersion.floorEntry(apiVersion.substring(0, 10));
                if (chosen != null) {
                    expression = chosen.getValue();
                }
            }
            JsonNode v = expression == null ? null : expression.evaluate(object, event);
            if (v != null) {
                out.set(name, v);
            }
        }
        lists.forEach((name, list) -> {
            ArrayNode array = out.putArray(name);
            JsonNode source = list.each().evaluate(object, event);
            if (source != null && source.isArray()) {
                for (JsonNode item : source) {
                    array.add(list.element().apply(item, event));
                }
            } else if (source != null) {
                throw new MappingException("'" + list.each() + "' is not an array");
            }
        });
        return out;
    }
}
