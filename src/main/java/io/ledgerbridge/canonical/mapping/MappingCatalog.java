package io.ledgerbridge.canonical.mapping;

import io.ledgerbridge.canonical.CanonicalType;
import io.ledgerbridge.canonical.CreditNote;
import io.ledgerbridge.canonical.Customer;
import io.ledgerbridge.canonical.Invoice;
import io.ledgerbridge.canonical.Payment;
import io.ledgerbridge.canonical.Payout;
import io.ledgerbridge.canonical.Refund;
import io.ledgerbridge.canonical.InvoicePayment;
import io.ledgerbridge.canonical.Dispute;
import io.ledgerbridge.canonical.BalanceChange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The versioned mappings of one source ({@code mappings/<source>/*.v<N>.yaml}), loaded and checked
 * as a whole: a file that does not parse, names an unknown canonical field or type, or claims an
 * event type another file already maps, fails the load with its file and line.
 */
public final class MappingCatalog {

    private static final Logger log = LoggerFactory.getLogger(MappingCatalog.class);

    /** The canonical record class of each mapping target name. */
    public static final Map<String, Class<? extends Record>> TARGETS = Map.of(
            "customer", Customer.class,
            "invoice", Invoice.class,
            "payment", Payment.class,
            "refund", Refund.class,
            "creditNote", CreditNote.class,
            "payout", Payout.class,
            "invoicePayment", InvoicePayment.class,
            "dispute", Dispute.class,
            "balanceChange", BalanceChange.class);

    private final Map<String, EventMapping> byEventType;
    private final Map<String, String> ignored;

    private MappingCatalog(Map<String, EventMapping> byEventType, Map<String, String> ignored) {
        this.byEventType = byEventType;
        this.ignored = ignored;
    }

    public Optional<EventMapping> forEventType(String eventType) {
        return Optional.ofNullable(byEventType.get(eventType));
    }

    public Optional<String> ignoredReason(String eventType) {
        return Optional.ofNullable(ignored.get(eventType));
    }

    public int size() {
        return byEventType.size() + ignored.size();
    }

    /** Loads every {@code *.yaml} of {@code mappingsDir/source}. */
    public static MappingCatalog load(Path mappingsDir, String source) {
        Path dir = mappingsDir.resolve(source);
        if (!Files.isDirectory(dir)) {
            throw new MappingException(dir + ": no mappings directory for source '" + source + "'");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new MappingException(dir + ": cannot be listed: " + e.getMessage(), e);
        }
        Map<String, EventMapping> byType = new LinkedHashMap<>();
        Map<String, String> ignored = new LinkedHashMap<>();
        Map<String, String> claimedBy = new HashMap<>();
        for (Path file : files) {
            YamlSource yaml = YamlSource.read(file, mappingsDir);
            Map<String, Node> top = yaml.entries(yaml.root());
            String version = yaml.scalar(yaml.required(top, yaml.root(), "version"));
            if (top.containsKey("ignored")) {
                yaml.entries(top.get("ignored")).forEach((type, reason) -> {
                    claim(yaml, reason, type, claimedBy);
                    ignored.put(type, yaml.scalar(reason));
                });
            }
            if (top.containsKey("events")) {
                for (Parsed p : parse(yaml, version, top)) {
                    claim(yaml, p.at(), p.eventType(), claimedBy);
                    byType.put(p.eventType(), p.mapping());
                }
            }
        }
        for (String type : byType.keySet()) {
            if (ignored.containsKey(type)) {
                throw new MappingException(source + ": event type '" + type + "' is both mapped and ignored");
            }
        }
        log.info("Loaded {} {} mappings ({} mapped event types, {} ignored) from {}", files.size(), source,
                byType.size(), ignored.size(), dir);
        return new MappingCatalog(Map.copyOf(byType), Map.copyOf(ignored));
    }

    private record Parsed(String eventType, EventMapping mapping, Node at) {
    }

    private static void claim(YamlSource yaml, Node at, String type, Map<String, String> claimedBy) {
        String previous = claimedBy.putIfAbsent(type, yaml.file());
        if (previous != null) {
            throw yaml.error(at, "event type '" + type + "' is already mapped by " + previous);
        }
    }

    private static List<Parsed> parse(YamlSource yaml, String version, Map<String, Node> top) {
        Node root = yaml.root();
        String object = yaml.scalar(yaml.required(top, root, "object"));
        Node targetNode = yaml.required(top, root, "target");
        String target = yaml.scalar(targetNode);
        Class<? extends Record> targetType = TARGETS.get(target);
        if (targetType == null) {
            throw yaml.error(targetNode, "unknown target '" + target + "' (known: " + TARGETS.keySet() + ")");
        }
        FieldExpression customerRef = top.containsKey("customerRef")
                ? expression(yaml, top.get("customerRef")) : null;
        FieldExpression occurredAt = expression(yaml, yaml.required(top, root, "occurredAt"));
        Map<String, String> requires = new LinkedHashMap<>();
        if (top.containsKey("requires")) {
            yaml.entries(top.get("requires")).forEach((k, v) -> requires.put(k, yaml.scalar(v)));
        }
        ObjectMapping body = new ObjectMapping(yaml, yaml.required(top, root, "fields"), targetType);
        List<Parsed> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Node> e : yaml.entries(top.get("events")).entrySet()) {
            Node spec = e.getValue();
            String typeName;
            FieldExpression at = occurredAt;
            if (spec instanceof ScalarNode) {
                typeName = yaml.scalar(spec);
            } else {
                Map<String, Node> s = yaml.entries(spec);
                typeName = yaml.scalar(yaml.required(s, spec, "type"));
                if (s.containsKey("occurredAt")) {
                    at = expression(yaml, s.get("occurredAt"));
                }
            }
            CanonicalType type;
            try {
                type = CanonicalType.valueOf(typeName);
            } catch (IllegalArgumentException ex) {
                throw yaml.error(spec, "unknown canonical type '" + typeName + "' (known: " + List.of(CanonicalType.values()) + ")");
            }
            out.add(new Parsed(e.getKey(),
                    new EventMapping(version, yaml.file(), object, target, type, customerRef, at, Map.copyOf(requires), body),
                    spec));
        }
        return out;
    }

    private static FieldExpression expression(YamlSource yaml, Node node) {
        try {
            return FieldExpression.parse(yaml.scalar(node));
        } catch (IllegalArgumentException e) {
            throw yaml.error(node, e.getMessage());
        }
    }
}
