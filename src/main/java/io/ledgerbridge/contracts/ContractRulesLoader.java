package io.ledgerbridge.contracts;

import io.ledgerbridge.canonical.mapping.YamlSource;
import io.ledgerbridge.contracts.domain.ContractRules;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads {@code mappings/contracts/validation.yaml}; a wrong value is reported with file and line at start-up. */
final class ContractRulesLoader {

    private static final Set<String> TERMS = Set.of("customerLegalName", "billingContactEmail", "billingContactName", "startDate",
            "termMonths", "billingFrequency", "paymentTermsDays", "currency", "poNumber", "dealId", "domain");

    private ContractRulesLoader() {
    }

    static ContractRules load(Path mappingsDir) {
        YamlSource yaml = YamlSource.read(mappingsDir.resolve("contracts/validation.yaml"), mappingsDir);
        Map<String, Node> rules = yaml.entries(yaml.required(yaml.entries(yaml.root()), yaml.root(), "rules"));
        boolean checkAmount = rules.containsKey("amountMismatch");
        long tolMinor = 0;
        BigDecimal tolPercent = BigDecimal.ZERO;
        if (checkAmount) {
            Map<String, Node> a = yaml.entries(rules.get("amountMismatch"));
            tolMinor = a.containsKey("toleranceMinor") ? number(yaml, a.get("toleranceMinor")).longValueExact() : 0;
            tolPercent = a.containsKey("tolerancePercent") ? number(yaml, a.get("tolerancePercent")) : BigDecimal.ZERO;
        }
        Integer maxDays = null;
        if (rules.containsKey("paymentTerms")) {
            Map<String, Node> p = yaml.entries(rules.get("paymentTerms"));
            maxDays = number(yaml, yaml.required(p, rules.get("paymentTerms"), "maxDays")).intValueExact();
        }
        boolean mustMatch = false;
        Set<String> allowed = new LinkedHashSet<>();
        if (rules.containsKey("currency")) {
            Map<String, Node> c = yaml.entries(rules.get("currency"));
            mustMatch = c.containsKey("mustMatchDeal") && bool(yaml, c.get("mustMatchDeal"));
            if (c.get("allowed") instanceof SequenceNode seq) {
                seq.getValue().forEach(n -> allowed.add(yaml.scalar(n)));
            }
        }
        List<String> required = List.of();
        if (rules.get("required") instanceof SequenceNode seq) {
            required = seq.getValue().stream().map(n -> {
                String t = yaml.scalar(n);
                if (!TERMS.contains(t)) {
                    throw yaml.error(n, "'" + t + "' is not a contract term (terms: " + TERMS + ")");
                }
                return t;
            }).toList();
        }
        return new ContractRules(checkAmount, tolMinor, tolPercent,
                rules.containsKey("unmappedSku") && bool(yaml, rules.get("unmappedSku")), maxDays,
                rules.containsKey("missingPo") && bool(yaml, rules.get("missingPo")), mustMatch, Set.copyOf(allowed),
                rules.containsKey("amendmentChangesBilling") && bool(yaml, rules.get("amendmentChangesBilling")), required);
    }

    private static BigDecimal number(YamlSource yaml, Node node) {
        try {
            return new BigDecimal(yaml.scalar(node));
        } catch (NumberFormatException e) {
            throw yaml.error(node, "'" + yaml.scalar(node) + "' is not a number");
        }
    }

    private static boolean bool(YamlSource yaml, Node node) {
        String v = yaml.scalar(node);
        if (!v.equals("true") && !v.equals("false")) {
            throw yaml.error(node, "true or false, not '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }
}
