package io.ledgerbridge.canonical.mapping;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * A YAML file of {@code mappings/} read as a node tree that remembers line numbers, so every
 * error names the file and the line (contract.md: reported at start-up or reload, not at the
 * first message).
 */
public final class YamlSource {

    private final String file;
    private final Node root;

    private YamlSource(String file, Node root) {
        this.file = file;
        this.root = root;
    }

    public static YamlSource read(Path path, Path base) {
        String name = base == null ? path.toString() : base.relativize(path).toString();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            Node root = new Yaml(new LoaderOptions()).compose(reader);
            if (root == null) {
                throw new MappingException(name + ":1: the file is empty");
            }
            return new YamlSource(name, root);
        } catch (MarkedYAMLException e) {
            throw new MappingException(name + ":" + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem(), e);
        } catch (IOException e) {
            throw new MappingException(name + ": cannot be read: " + e.getMessage(), e);
        }
    }

    public String file() {
        return file;
    }

    public Node root() {
        return root;
    }

    public MappingException error(Node at, String message) {
        return new MappingException(file + ":" + (at.getStartMark().getLine() + 1) + ": " + message);
    }

    /** The entries of a mapping node, keys as strings, in file order. */
    public Map<String, Node> entries(Node node) {
        if (!(node instanceof MappingNode mapping)) {
            throw error(node, "expected a mapping (key: value)");
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            String key = scalar(t.getKeyNode());
            if (out.put(key, t.getValueNode()) != null) {
                throw error(t.getKeyNode(), "duplicate key '" + key + "'");
            }
        }
        return out;
    }

    public String scalar(Node node) {
        if (!(node instanceof ScalarNode s)) {
            throw error(node, "expected a single value");
        }
        return s.getValue();
    }

    public Node required(Map<String, Node> entries, Node parent, String key) {
        Node n = entries.get(key);
        if (n == null) {
            throw error(parent, "missing '" + key + "'");
        }
        return n;
    }
}
