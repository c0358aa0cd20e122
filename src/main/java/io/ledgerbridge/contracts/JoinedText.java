package io.ledgerbridge.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import io.ledgerbridge.canonical.mapping.FieldExpression;
import io.ledgerbridge.canonical.mapping.YamlSource;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A text a mapping file builds from one expression or from a list of them joined by spaces, such as
 * a person's name from {@code [owner.firstName, owner.lastName]}; parts without a value are left out.
 */
final class JoinedText {

    private final List<FieldExpression> parts = new ArrayList<>();

    private JoinedText(YamlSource yaml, Node node) {
        List<Node> nodes = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
        for (Node n : nodes) {
            try {
                parts.add(FieldExpression.parse(yaml.scalar(n)));
            } catch (IllegalArgumentException e) {
                throw yaml.error(n, e.getMessage());
            }
        }
    }

    /** The text the node describes, or null when the mapping file has no such node. */
    static JoinedText of(YamlSource yaml, Node node) {
        return node == null ? null : new JoinedText(yaml, node);
    }

    /** The parts that have a value, joined by spaces; null when none has. */
    String evaluate(JsonNode object, JsonNode event) {
        List<String> values = new ArrayList<>();
        for (FieldExpression part : parts) {
            JsonNode v = part.evaluate(object, event);
            if (v != null && !v.isNull() && !v.isMissingNode() && !v.asText().isBlank()) {
                values.add(v.asText().trim());
            }
        }
        return values.isEmpty() ? null : String.join(" ", values);
    }
}
