package io.ledgerbridge.sources.stripe;

import io.ledgerbridge.canonical.mapping.MappingCatalog;
import io.ledgerbridge.canonical.mapping.YamlSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The catalogue of the Stripe event types documented for money-moving objects ({@code mappings/stripe/catalogue.yaml},
 * key {@code types}): for each, whether it can move money. A type that moves money and has no mapping is never
 * recorded as ignored: the mapper turns it into an UNPOSTABLE event and the ledger opens an exception for it.
 * Loading fails when {@code ignored.v1.yaml} lists a type the catalogue says moves money.
 */
public final class StripeCatalogue {

    /** One documented event type. */
    public record Type(String object, boolean movesMoney, String note) {
    }

    private final Map<String, Type> types;

    private StripeCatalogue(Map<String, Type> types) {
        this.types = types;
    }

    public static StripeCatalogue load(Path mappingsDir, MappingCatalog mappings) {
        Path file = mappingsDir.resolve(StripeEventMapper.SOURCE).resolve("catalogue.yaml");
        Map<String, Type> types = new LinkedHashMap<>();
        if (Files.exists(file)) {
            YamlSource yaml = YamlSource.read(file, mappingsDir);
            Map<String, Node> top = yaml.entries(yaml.root());
            yaml.entries(yaml.required(top, yaml.root(), "types")).forEach((type, spec) -> {
                Map<String, Node> s = yaml.entries(spec);
                boolean moves = Boolean.parseBoolean(yaml.scalar(yaml.required(s, spec, "movesMoney")));
                String note = s.containsKey("note") ? yaml.scalar(s.get("note")) : "";
                String object = s.containsKey("object") ? yaml.scalar(s.get("object")) : null;
                if (moves && mappings.forEventType(type).isEmpty() && mappings.ignoredReason(type).isPresent()) {
                    throw yaml.error(spec, "event type '" + type + "' moves money: it needs a posting rule or an exception, "
                            + "not a place in ignored.v1.yaml");
                }
                types.put(type, new Type(object, moves, note));
            });
        }
        return new StripeCatalogue(Map.copyOf(types));
    }

    public boolean movesMoney(String eventType) {
        Type t = types.get(eventType);
        return t != null && t.movesMoney();
    }

    public String note(String eventType) {
        return Optional.ofNullable(types.get(eventType)).map(Type::note).orElse("");
    }

    public Map<String, Type> types() {
        return types;
    }
}
