package io.ledgerbridge.pipeline;

import io.ledgerbridge.canonical.CanonicalType;
import io.ledgerbridge.canonical.UnroutableEventException;
import io.ledgerbridge.canonical.mapping.YamlSource;
import io.ledgerbridge.contracts.ContractMapper;
import io.ledgerbridge.sources.stripe.StripeEventMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The routing table of the canonical stage, {@code mappings/routing.yaml}: per source the mapper that
 * reads its raw events, per canonical type where the event goes (the ledger's canonical topic, the
 * contract topic, or nowhere). Loaded and checked at start-up; an error names the file and the line.
 * The canonical stage routes by it, and the ledger stage takes the types it sends to the ledger.
 */
@Component
public class CanonicalRouting {

    public static final String FILE = "routing.yaml";

    /** The mappers a source can be read by, each with the sources it has mappings for. */
    public enum Mapper {
        STRIPE(Set.of(StripeEventMapper.SOURCE)),
        CONTRACTS(ContractMapper.SOURCES);

        private final Set<String> sources;

        Mapper(Set<String> sources) {
            this.sources = sources;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where a canonical event goes from the canonical stage. */
    public enum Destination {
        /** The canonical topic, for the ledger stage. */
        LEDGER,
        /** The contract topic, for the contract stage. */
        CONTRACTS,
        /** Nowhere: the event ends in the canonical stage, as ignored. */
        END;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<String, Mapper> mappers;
    private final Map<CanonicalType, Destination> destinations;

    @Autowired
    public CanonicalRouting(@Value("${ledgerbridge.mappings-dir}") String mappingsDir) {
        this(Path.of(mappingsDir));
    }

    CanonicalRouting(Path mappingsDir) {
        YamlSource yaml = YamlSource.read(mappingsDir.resolve(FILE), mappingsDir);
        Node root = yaml.root();
        Map<String, Node> top = yaml.entries(root);
        for (Map.Entry<String, Node> e : top.entrySet()) {
            if (!e.getKey().equals("sources") && !e.getKey().equals("types")) {
                throw yaml.error(e.getValue(), "unknown key '" + e.getKey() + "' (sources, types)");
            }
        }
        this.mappers = Collections.unmodifiableMap(sources(yaml, yaml.required(top, root, "sources")));
        this.destinations = Collections.unmodifiableMap(types(yaml, root, yaml.required(top, root, "types")));
    }

    private static Map<String, Mapper> sources(YamlSource yaml, Node node) {
        Map<String, Mapper> out = new LinkedHashMap<>();
        yaml.entries(node).forEach((source, value) -> {
            String name = yaml.scalar(value);
            Mapper mapper = Arrays.stream(Mapper.values()).filter(m -> m.key().equals(name)).findFirst()
                    .orElseThrow(() -> yaml.error(value, "source '" + source + "': unknown mapper '" + name + "' ("
                            + Arrays.stream(Mapper.values()).map(Mapper::key).collect(Collectors.joining(", ")) + ")"));
            if (!mapper.sources.contains(source)) {
                throw yaml.error(value, "unknown source '" + source + "': the " + mapper.key() + " mapper has no mapping for it ("
                        + String.join(", ", new TreeSet<>(mapper.sources)) + ")");
            }
            out.put(source, mapper);
        });
        return out;
    }

    private static Map<CanonicalType, Destination> types(YamlSource yaml, Node root, Node node) {
        Map<CanonicalType, Destination> out = new EnumMap<>(CanonicalType.class);
        yaml.entries(node).forEach((name, value) -> {
            CanonicalType type = Arrays.stream(CanonicalType.values()).filter(t -> t.name().equals(name)).findFirst()
                    .orElseThrow(() -> yaml.error(value, "unknown canonical type '" + name + "'"));
            String where = yaml.scalar(value);
            Destination destination = Arrays.stream(Destination.values()).filter(d -> d.key().equals(where)).findFirst()
                    .orElseThrow(() -> yaml.error(value, "canonical type " + name + ": unknown destination '" + where + "' ("
                            + Arrays.stream(Destination.values()).map(Destination::key).collect(Collectors.joining(", ")) + ")"));
            if (destination == Destination.END && type != CanonicalType.IGNORED) {
                throw yaml.error(value, "canonical type " + name + " cannot end in the canonical stage: only IGNORED gets its outcome there");
            }
            out.put(type, destination);
        });
        Set<CanonicalType> missing = EnumSet.allOf(CanonicalType.class);
        missing.removeAll(out.keySet());
        if (!missing.isEmpty()) {
            throw yaml.error(node, "canonical types without a destination: "
                    + missing.stream().map(Enum::name).collect(Collectors.joining(", ")));
        }
        return out;
    }

    /** The mapper that reads the source's raw events; an unrouted source is unroutable (dead-lettered at once). */
    public Mapper mapper(String source) {
        Mapper mapper = source == null ? null : mappers.get(source);
        if (mapper == null) {
            throw new UnroutableEventException("no canonical mapping for source " + source);
        }
        return mapper;
    }

    /** Where an event of this canonical type goes. */
    public Destination destination(CanonicalType type) {
        return destinations.get(type);
    }

    /** The canonical types sent to the ledger. */
    public Set<CanonicalType> toLedger() {
        Set<CanonicalType> out = EnumSet.noneOf(CanonicalType.class);
        destinations.forEach((type, d) -> {
            if (d == Destination.LEDGER) {
                out.add(type);
            }
        });
        return out;
    }
}
