package io.ledgerbridge.contracts;

import io.ledgerbridge.sources.hubspot.DealStage;

import io.ledgerbridge.canonical.Amounts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.canonical.mapping.FieldExpression;
import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.canonical.mapping.ObjectMapping;
import io.ledgerbridge.canonical.mapping.YamlSource;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A versioned CRM deal mapping ({@code mappings/salesforce/opportunity.v1.yaml},
 * {@code mappings/hubspot/deal.v1.yaml}): source record to canonical {@link Deal}. The amount is
 * the CRM's decimal, turned into minor units of the deal currency. Whether the deal is won is the
 * {@code won} expression; when the record does not say (no value), the deal's stage decides: it is
 * won when the CRM describes it ({@link StageLookup}) with the metadata the mapping's {@code wonStage}
 * names (HubSpot: {@code isClosed: true}, {@code probability: 1.0}); without {@code wonStage}, not won.
 */
public final class DealMapping {

    private final String version;
    private final String objectPath;
    private final FieldExpression won;
    private final WonStage wonStage;
    private final JoinedText ownerName;
    private final ObjectMapping fields;
    private final Map<String, String> fieldSources = new LinkedHashMap<>();

    /**
     * The CRM's description of a deal's stage (null: not known), read when the deal record itself does not say
     * whether it is won.
     */
    @FunctionalInterface
    public interface StageLookup {
        DealStage stage(String pipeline, String stage);
    }

    /**
     * The stage metadata that makes a deal won ({@code wonStage:} of the mapping, keys as the CRM's
     * pipelines API names them): closed or not, and the probability, compared as a number.
     */
    public record WonStage(boolean closed, BigDecimal probability) {

        boolean matches(DealStage stage) {
            return stage != null && stage.closed() == closed && stage.probability() != null && stage.probability().compareTo(probability) == 0;
        }

        static WonStage read(YamlSource yaml, Node node) {
            Map<String, Node> entries = yaml.entries(node);
            for (Map.Entry<String, Node> e : entries.entrySet()) {
                if (!e.getKey().equals("isClosed") && !e.getKey().equals("probability")) {
                    throw yaml.error(e.getValue(), "wonStage: unknown stage metadata '" + e.getKey() + "' (isClosed, probability)");
                }
            }
            Node closedNode = yaml.required(entries, node, "isClosed");
            String closed = yaml.scalar(closedNode);
            if (!closed.equals("true") && !closed.equals("false")) {
                throw yaml.error(closedNode, "wonStage.isClosed: '" + closed + "' is not true or false");
            }
            Node probabilityNode = yaml.required(entries, node, "probability");
            try {
                return new WonStage(Boolean.parseBoolean(closed), new BigDecimal(yaml.scalar(probabilityNode)));
            } catch (NumberFormatException e) {
                throw yaml.error(probabilityNode, "wonStage.probability: '" + yaml.scalar(probabilityNode) + "' is not a number");
            }
        }
    }

    private DealMapping(YamlSource yaml) {
        Node root = yaml.root();
        Map<String, Node> top = yaml.entries(root);
        version = yaml.scalar(yaml.required(top, root, "version"));
        objectPath = yaml.scalar(yaml.required(top, root, "object"));
        Node wonNode = yaml.required(top, root, "won");
        try {
            won = FieldExpression.parse(yaml.scalar(wonNode));
        } catch (IllegalArgumentException e) {
            throw yaml.error(wonNode, e.getMessage());
        }
        wonStage = top.containsKey("wonStage") ? WonStage.read(yaml, top.get("wonStage")) : null;
        ownerName = JoinedText.of(yaml, top.get("ownerName"));
        Node fieldsNode = yaml.required(top, root, "fields");
        fields = new ObjectMapping(yaml, fieldsNode, Deal.class);
        yaml.entries(fieldsNode).forEach((field, expression) -> fieldSources.put(field, yaml.scalar(expression)));
    }

    public static DealMapping load(Path mappingsDir, String file) {
        return new DealMapping(YamlSource.read(mappingsDir.resolve(file), mappingsDir));
    }

    public String version() {
        return version;
    }

    /**
     * Where the mapping reads a canonical field in the source record ("properties.amount"), without
     * its defaults; null for a field it does not map.
     */
    public String source(String field) {
        return JsonPaths.alternatives(fieldSources.get(field));
    }

    /** Whether a deal in this stage is won, by the mapping's {@code wonStage} (never without one). */
    public boolean won(DealStage stage) {
        return wonStage != null && wonStage.matches(stage);
    }

    /** The deal in a body whose record says whether it is won (or is not won when it does not say). */
    public Deal map(JsonNode body) {
        return map(body, (pipeline, stage) -> null);
    }

    /** The deal in a body that carries the source record under {@code object} (or is the record). */
    public Deal map(JsonNode body, StageLookup stages) {
        JsonNode record = body.has(objectPath) ? body.get(objectPath) : body;
        ObjectNode out = fields.apply(record, body);
        String currency = out.path("currency").asText("USD").toUpperCase(Locale.ROOT);
        Long amount = null;
        if (out.hasNonNull("amount") && !out.get("amount").asText().isBlank()) {
            try {
                amount = Amounts.minor(out.get("amount").asText(), currency);
            } catch (IllegalArgumentException e) {
                throw new MappingException(version + ": amount cannot be read: " + e.getMessage());
            }
        }
        String stage = text(out, "stage");
        String pipeline = text(out, "pipeline");
        String id = text(out, "id");
        if (id == null) {
            throw new MappingException(version + ": the deal has no id");
        }
        JsonNode w = won.evaluate(record, body);
        boolean isWon = w == null || w.isNull() || w.asText().isBlank()
                ? wonStage != null && wonStage.matches(stages.stage(pipeline, stage))
                : w.asText().equalsIgnoreCase("true");
        return new Deal(text(out, "crm"), id, text(out, "name"), stage, isWon, text(out, "accountId"), text(out, "accountName"),
                TermsMapping.domain(text(out, "domain")), amount, currency, date(text(out, "closeDate")),
                text(out, "ownerEmail") == null ? null : text(out, "ownerEmail").toLowerCase(Locale.ROOT),
                ownerName == null ? null : ownerName.evaluate(record, body), pipeline);
    }

    private static String text(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    private LocalDate date(String v) {
        if (v == null) {
            return null;
        }
        try {
            if (v.matches("\\d{10,}")) {
                return Instant.ofEpochMilli(Long.parseLong(v)).atZone(ZoneOffset.UTC).toLocalDate();
            }
            return LocalDate.parse(v.length() > 10 ? v.substring(0, 10) : v);
        } catch (RuntimeException e) {
            throw new MappingException(version + ": closeDate cannot be read: '" + v + "'");
        }
    }
}
