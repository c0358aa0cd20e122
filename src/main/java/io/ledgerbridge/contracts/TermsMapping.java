package io.ledgerbridge.contracts;

import io.ledgerbridge.canonical.Amounts;

import com.fasterxml.jackson.databind.JsonNode;
import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.canonical.mapping.FieldExpression;
import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.canonical.mapping.YamlSource;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A versioned e-signature mapping ({@code mappings/docusign/envelope.v1.yaml},
 * {@code mappings/pandadoc/document.v1.yaml}): which events carry signed terms, where the document's
 * name/value pairs are (custom fields, tabs, tokens, metadata), which names hold which term, and
 * where the line items and usage prices are. Errors in the file name the file and line at start-up;
 * a document whose terms cannot be read throws {@link MappingException} naming the term.
 */
public final class TermsMapping {

    private static final Set<String> TERMS = Set.of("crm", "dealId", "customerLegalName", "billingContactName",
            "billingContactEmail", "domain", "startDate", "termMonths", "billingFrequency", "paymentTermsDays", "currency",
            "poNumber", "poRequired");
    private static final Set<String> LINE_FIELDS = Set.of("sku", "description", "quantity", "price", "discount");
    private static final Pattern NET_DAYS = Pattern.compile("(?i)\\s*(?:net\\s*)?(\\d{1,3})\\s*(?:days?)?\\s*");
    private static final DateTimeFormatter US_DATE = DateTimeFormatter.ofPattern("M/d/yyyy");

    private record ValueSource(String each, String name, String value, String object) {
    }

    private record EventRule(String type, String whenPath, String whenEquals) {
    }

    /** What a source event means: signed terms, or ignored with a reason. */
    public record Result(Contract contract, String ignoredReason, String version, Instant occurredAt) {
    }

    private final String source;
    private final String version;
    private final Map<String, EventRule> events = new LinkedHashMap<>();
    private final Map<String, String> ignored = new LinkedHashMap<>();
    private final FieldExpression documentId;
    private final FieldExpression signedAt;
    private final FieldExpression sentBy;
    private final JoinedText sentByName;
    private final JoinedText documentName;
    private final List<ValueSource> values = new ArrayList<>();
    private final Map<String, String> terms = new LinkedHashMap<>();
    private final String linesNumbered;
    private final String linesEach;
    private final Map<String, FieldExpression> lineFields = new LinkedHashMap<>();
    private final String usageNumbered;

    private TermsMapping(String source, YamlSource yaml) {
        this.source = source;
        Node root = yaml.root();
        Map<String, Node> top = yaml.entries(root);
        version = yaml.scalar(yaml.required(top, root, "version"));
        yaml.entries(yaml.required(top, root, "events")).forEach((type, spec) -> {
            if (spec instanceof ScalarNode) {
                events.put(type, new EventRule(check(yaml, spec, yaml.scalar(spec)), null, null));
            } else {
                Map<String, Node> s = yaml.entries(spec);
                String t = check(yaml, spec, yaml.scalar(yaml.required(s, spec, "type")));
                String path = null;
                String equals = null;
                if (s.containsKey("when")) {
                    Map<String, Node> w = yaml.entries(s.get("when"));
                    path = yaml.scalar(yaml.required(w, s.get("when"), "path"));
                    equals = yaml.scalar(yaml.required(w, s.get("when"), "equals"));
                }
                events.put(type, new EventRule(t, path, equals));
            }
        });
        if (top.containsKey("ignored")) {
            yaml.entries(top.get("ignored")).forEach((type, reason) -> ignored.put(type, yaml.scalar(reason)));
        }
        documentId = expression(yaml, yaml.required(top, root, "documentId"));
        signedAt = expression(yaml, yaml.required(top, root, "signedAt"));
        sentBy = top.containsKey("sentBy") ? expression(yaml, top.get("sentBy")) : null;
        sentByName = JoinedText.of(yaml, top.get("sentByName"));
        documentName = JoinedText.of(yaml, top.get("documentName"));
        Node valuesNode = yaml.required(top, root, "values");
        if (!(valuesNode instanceof SequenceNode seq)) {
            throw yaml.error(valuesNode, "'values' is a list of {each, name, value} or {object}");
        }
        for (Node item : seq.getValue()) {
            Map<String, Node> v = yaml.entries(item);
            if (v.containsKey("object")) {
                values.add(new ValueSource(null, null, null, yaml.scalar(v.get("object"))));
            } else {
                values.add(new ValueSource(yaml.scalar(yaml.required(v, item, "each")), yaml.scalar(yaml.required(v, item, "name")),
                        yaml.scalar(yaml.required(v, item, "value")), null));
            }
        }
        yaml.entries(yaml.required(top, root, "terms")).forEach((term, names) -> {
            if (!TERMS.contains(term)) {
                throw yaml.error(names, "'" + term + "' is not a contract term (terms: " + TERMS + ")");
            }
            terms.put(term, yaml.scalar(names));
        });
        Map<String, Node> lines = yaml.entries(yaml.required(top, root, "lines"));
        linesNumbered = lines.containsKey("numbered") ? yaml.scalar(lines.get("numbered")) : null;
        linesEach = lines.containsKey("each") ? yaml.scalar(lines.get("each")) : null;
        if ((linesNumbered == null) == (linesEach == null)) {
            throw yaml.error(top.get("lines"), "'lines' takes either 'numbered: <prefix>' or 'each: <path[]>' with 'fields'");
        }
        if (linesEach != null) {
            Node fieldsNode = yaml.required(lines, top.get("lines"), "fields");
            yaml.entries(fieldsNode).forEach((field, expr) -> {
                if (!LINE_FIELDS.contains(field)) {
                    throw yaml.error(expr, "'" + field + "' is not a line field (fields: " + LINE_FIELDS + ")");
                }
                lineFields.put(field, expression(yaml, expr));
            });
        }
        usageNumbered = top.containsKey("usagePrices")
                ? yaml.scalar(yaml.required(yaml.entries(top.get("usagePrices")), top.get("usagePrices"), "numbered")) : null;
    }

    private static String check(YamlSource yaml, Node at, String type) {
        if (!type.equals("CONTRACT_SIGNED")) {
            throw yaml.error(at, "an e-signature event maps to CONTRACT_SIGNED, not '" + type + "'");
        }
        return type;
    }

    private static FieldExpression expression(YamlSource yaml, Node node) {
        try {
            return FieldExpression.parse(yaml.scalar(node));
        } catch (IllegalArgumentException e) {
            throw yaml.error(node, e.getMessage());
        }
    }

    /** Loads the single terms mapping of {@code mappingsDir/source/}. */
    public static TermsMapping load(Path mappingsDir, String source) {
        Path dir = mappingsDir.resolve(source);
        try (var files = Files.list(dir)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            if (yamls.size() != 1) {
                throw new MappingException(dir + ": expected exactly one terms mapping, found " + yamls.size());
            }
            return new TermsMapping(source, YamlSource.read(yamls.get(0), mappingsDir));
        } catch (java.io.IOException e) {
            throw new MappingException(dir + ": no mappings for source '" + source + "': " + e.getMessage(), e);
        }
    }

    public String version() {
        return version;
    }

    /** The document's names a term is read from, "or" between them ("Client.Company or customer_legal_name"). */
    public String source(String term) {
        return JsonPaths.alternatives(terms.get(term));
    }

    /** The contract in this document, or why the event is ignored. */
    public Result map(String eventType, JsonNode event) {
        EventRule rule = events.get(eventType);
        Instant at = instant(signedAt.evaluate(event, event));
        if (rule == null) {
            String reason = ignored.getOrDefault(eventType, "event type '" + eventType + "' carries no signed terms");
            return new Result(null, reason, version, at);
        }
        if (rule.whenPath() != null) {
            String actual = text(FieldExpression.parse(rule.whenPath()).evaluate(event, event));
            if (!rule.whenEquals().equals(actual)) {
                return new Result(null, eventType + " with " + rule.whenPath() + " = " + actual + ": not signed yet", version, at);
            }
        }
        String document = text(documentId.evaluate(event, event));
        if (document == null) {
            throw new MappingException(version + ": no document id");
        }
        Map<String, String> named = values(event);
        String currency = upper(term(named, "currency"));
        Contract contract = new Contract(source, document, at, lower(term(named, "crm")), term(named, "dealId"),
                term(named, "customerLegalName"), term(named, "billingContactName"), lower(term(named, "billingContactEmail")),
                domain(term(named, "domain")), date(named), integer(named, "termMonths"),
                frequency(term(named, "billingFrequency")), netDays(term(named, "paymentTermsDays")), currency,
                term(named, "poNumber"), yes(term(named, "poRequired")),
                sentBy == null ? null : lower(text(sentBy.evaluate(event, event))),
                lines(event, named, currency), usage(named, currency),
                documentName == null ? null : documentName.evaluate(event, event),
                sentByName == null ? null : sentByName.evaluate(event, event));
        return new Result(contract, null, version, at);
    }

    private Map<String, String> values(JsonNode event) {
        Map<String, String> named = new LinkedHashMap<>();
        for (ValueSource v : values) {
            if (v.object() != null) {
                for (JsonNode o : JsonPaths.select(event, v.object())) {
                    o.fields().forEachRemaining(e -> putFirst(named, e.getKey(), e.getValue()));
                }
                continue;
            }
            for (JsonNode item : JsonPaths.select(event, v.each())) {
                JsonNode name = item.get(v.name());
                if (name != null && name.isValueNode()) {
                    putFirst(named, name.asText(), item.get(v.value()));
                }
            }
        }
        return named;
    }

    private static void putFirst(Map<String, String> named, String name, JsonNode value) {
        if (value != null && value.isValueNode() && !value.isNull() && !value.asText().isBlank()) {
            named.putIfAbsent(name, value.asText().trim());
        }
    }

    private String term(Map<String, String> named, String term) {
        String spec = terms.get(term);
        if (spec == null) {
            return null;
        }
        for (String alt : spec.split("\\|")) {
            String a = alt.trim();
            if (a.startsWith("=")) {
                return a.substring(1);
            }
            String v = named.get(a);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private List<Contract.Line> lines(JsonNode event, Map<String, String> named, String currency) {
        List<Contract.Line> out = new ArrayList<>();
        if (linesEach != null) {
            int n = 0;
            for (JsonNode item : JsonPaths.select(event, linesEach)) {
                n++;
                Map<String, String> f = new LinkedHashMap<>();
                lineFields.forEach((field, expr) -> {
                    JsonNode v = expr.evaluate(item, event);
                    if (v != null && v.isValueNode()) {
                        f.put(field, v.asText());
                    }
                });
                out.add(line(f, "line " + n, currency));
            }
            return out;
        }
        for (Map.Entry<Integer, Map<String, String>> e : numbered(named, linesNumbered).entrySet()) {
            out.add(line(e.getValue(), linesNumbered + "." + e.getKey(), currency));
        }
        return out;
    }

    private Contract.Line line(Map<String, String> f, String where, String currency) {
        String sku = f.get("sku");
        if (sku == null) {
            throw new MappingException(version + ": " + where + " has no sku");
        }
        long quantity = f.get("quantity") == null ? 1 : parse(where + ".quantity", () -> Amounts.decimal(f.get("quantity")).longValueExact());
        long price = requireCurrency(currency, where) == null ? 0
                : parse(where + ".price", () -> Amounts.minor(required(f, "price", where), currency));
        BigDecimal discount = f.get("discount") == null ? null
                : parse(where + ".discount", () -> Amounts.decimal(f.get("discount")).stripTrailingZeros());
        if (discount != null && (discount.signum() < 0 || discount.compareTo(BigDecimal.valueOf(100)) > 0)) {
            throw new MappingException(version + ": " + where + ".discount must be a percentage from 0 to 100, got " + f.get("discount"));
        }
        if (discount != null && discount.signum() == 0) {
            discount = null;
        }
        return new Contract.Line(sku, f.get("description"), quantity, price, discount);
    }

    private List<Contract.UsageTerm> usage(Map<String, String> named, String currency) {
        List<Contract.UsageTerm> out = new ArrayList<>();
        if (usageNumbered == null) {
            return out;
        }
        for (Map.Entry<Integer, Map<String, String>> e : numbered(named, usageNumbered).entrySet()) {
            Map<String, String> f = e.getValue();
            String where = usageNumbered + "." + e.getKey();
            requireCurrency(currency, where);
            String mode = f.getOrDefault("mode", "per_unit").toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
            if (!Set.of("per_unit", "graduated", "volume").contains(mode)) {
                throw new MappingException(version + ": " + where + ".mode must be per_unit, graduated or volume, got " + f.get("mode"));
            }
            BigDecimal unit = f.get("unit_price") == null ? null
                    : parse(where + ".unit_price", () -> Amounts.minorPrice(f.get("unit_price"), currency));
            List<Contract.Tier> tiers = f.get("tiers") == null ? List.of() : tiers(f.get("tiers"), where, currency);
            long included = f.get("included") == null ? 0 : parse(where + ".included", () -> Amounts.decimal(f.get("included")).longValueExact());
            long minimum = f.get("minimum") == null ? 0 : parse(where + ".minimum", () -> Amounts.minor(f.get("minimum"), currency));
            out.add(new Contract.UsageTerm(required(f, "metric", where), mode, unit, tiers, included, minimum));
        }
        return out;
    }

    /** "1000:0, 10000:0.002, inf:0.001" or with a flat fee "1000:0:50". */
    private List<Contract.Tier> tiers(String text, String where, String currency) {
        List<Contract.Tier> out = new ArrayList<>();
        for (String part : text.split("[,;]")) {
            String[] p = part.trim().split(":");
            if (p.length < 2 || p.length > 3) {
                throw new MappingException(version + ": " + where + ".tiers: '" + part.trim() + "' is not upTo:unitPrice[:flatFee]");
            }
            Long upTo = p[0].trim().equalsIgnoreCase("inf") ? null : parse(where + ".tiers", () -> Long.parseLong(p[0].trim()));
            BigDecimal price = parse(where + ".tiers", () -> Amounts.minorPrice(p[1], currency));
            long flat = p.length == 3 ? parse(where + ".tiers", () -> Amounts.minor(p[2], currency)) : 0;
            out.add(new Contract.Tier(upTo, price, flat));
        }
        return out;
    }

    private static Map<Integer, Map<String, String>> numbered(Map<String, String> named, String prefix) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "[._](\\d+)[._]([A-Za-z_]+)");
        Map<Integer, Map<String, String>> rows = new TreeMap<>();
        named.forEach((name, value) -> {
            Matcher m = p.matcher(name);
            if (m.matches()) {
                rows.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new LinkedHashMap<>())
                        .put(m.group(2).toLowerCase(Locale.ROOT), value);
            }
        });
        return rows;
    }

    private String requireCurrency(String currency, String where) {
        if (currency == null) {
            throw new MappingException(version + ": " + where + " has prices but the document states no currency");
        }
        try {
            Amounts.exponent(currency);
        } catch (IllegalArgumentException e) {
            throw new MappingException(version + ": term currency: " + e.getMessage());
        }
        return currency;
    }

    private String required(Map<String, String> f, String field, String where) {
        String v = f.get(field);
        if (v == null) {
            throw new MappingException(version + ": " + where + " has no " + field);
        }
        return v;
    }

    private <T> T parse(String what, java.util.function.Supplier<T> reader) {
        try {
            return reader.get();
        } catch (RuntimeException e) {
            throw new MappingException(version + ": " + what + " cannot be read: " + e.getMessage());
        }
    }

    private LocalDate date(Map<String, String> named) {
        String v = term(named, "startDate");
        if (v == null) {
            return null;
        }
        String t = v.length() > 10 && v.charAt(4) == '-' ? v.substring(0, 10) : v;
        try {
            return t.contains("/") ? LocalDate.parse(t, US_DATE) : LocalDate.parse(t);
        } catch (DateTimeParseException e) {
            throw new MappingException(version + ": term startDate cannot be read: '" + v + "' (yyyy-MM-dd or M/d/yyyy)");
        }
    }

    private Integer integer(Map<String, String> named, String term) {
        String v = term(named, term);
        return v == null ? null : parse("term " + term, () -> Amounts.decimal(v).intValueExact());
    }

    private Integer netDays(String v) {
        if (v == null) {
            return null;
        }
        Matcher m = NET_DAYS.matcher(v);
        if (!m.matches()) {
            if (v.trim().equalsIgnoreCase("due on receipt")) {
                return 0;
            }
            throw new MappingException(version + ": term paymentTermsDays cannot be read: '" + v + "' (Net N)");
        }
        return Integer.parseInt(m.group(1));
    }

    private String frequency(String v) {
        if (v == null) {
            return null;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "monthly", "month", "1" -> "monthly";
            case "quarterly", "quarter", "3" -> "quarterly";
            case "annual", "annually", "yearly", "year", "12" -> "annual";
            default -> throw new MappingException(version + ": term billingFrequency cannot be read: '" + v
                    + "' (monthly, quarterly or annual)");
        };
    }

    static String domain(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        String d = v.trim().toLowerCase(Locale.ROOT);
        if (d.contains("@")) {
            d = d.substring(d.indexOf('@') + 1);
        }
        d = d.replaceFirst("^[a-z]+://", "").replaceFirst("^www\\.", "");
        int slash = d.indexOf('/');
        return slash >= 0 ? d.substring(0, slash) : d;
    }

    private static Boolean yes(String v) {
        return v != null && Set.of("true", "yes", "y", "x", "on", "checked", "1", "required").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    private static String upper(String v) {
        return v == null ? null : v.trim().toUpperCase(Locale.ROOT);
    }

    private static String lower(String v) {
        return v == null ? null : v.trim().toLowerCase(Locale.ROOT);
    }

    private static String text(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
    }

    private static Instant instant(JsonNode v) {
        String t = text(v);
        if (t == null) {
            return null;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }
}
