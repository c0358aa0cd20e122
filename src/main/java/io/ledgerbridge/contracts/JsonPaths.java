package io.ledgerbridge.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Dotted paths into JSON where {@code name[]} steps into every element of an array. */
final class JsonPaths {

    private JsonPaths() {
    }

    static List<JsonNode> select(JsonNode root, String path) {
        List<JsonNode> current = new ArrayList<>(List.of(root));
        for (String step : path.split("\\.")) {
            boolean each = step.endsWith("[]");
            String name = each ? step.substring(0, step.length() - 2) : step;
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                JsonNode child = node == null ? null : node.get(name);
                if (child == null || child.isNull()) {
                    continue;
                }
                if (each) {
                    if (child.isArray()) {
                        child.forEach(next::add);
                    }
                } else {
                    next.add(child);
                }
            }
            current = next;
        }
        return current;
    }

    /**
     * The sources an expression of alternatives reads, without its constants:
     * "Client.Company | customer_legal_name | =x" is "Client.Company or customer_legal_name"; null when it has none.
     */
    static String alternatives(String expression) {
        if (expression == null) {
            return null;
        }
        List<String> sources = new ArrayList<>();
        for (String alt : expression.split("\\|")) {
            if (!alt.trim().startsWith("=")) {
                sources.add(alt.trim());
            }
        }
        return sources.isEmpty() ? null : String.join(" or ", sources);
    }
}
