package io.ledgerbridge.ledger;

import io.ledgerbridge.canonical.mapping.YamlSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The chart of accounts ({@code mappings/chart-of-accounts.yaml}, upserted into the account table at
 * start-up) and the product catalogue ({@code mappings/products.yaml}). Errors name file and line.
 */
@Component
public class LedgerMappings {

    private static final Logger log = LoggerFactory.getLogger(LedgerMappings.class);
    private static final Set<String> TYPES = Set.of("asset", "liability", "equity", "revenue", "contra_revenue", "expense", "other");
    private static final Set<String> METHODS = Set.of("ratable", "point_in_time", "usage_in_arrears");

    /** How a product's revenue is booked. */
    public record ProductRule(String account, String method) {
    }

    /** A contract SKU and the product (Stripe product id) it bills as. */
    public record Sku(String sku, String productId, String name, ProductRule rule) {
        public boolean recurring() {
            return "ratable".equals(rule.method());
        }
    }

    private final Map<String, ProductRule> products = new LinkedHashMap<>();
    private final Map<String, Sku> skus = new LinkedHashMap<>();
    private ProductRule withPeriod;
    private ProductRule withoutPeriod;

    /** {@code flyway} is only a dependency: the account table must exist before the chart is written. */
    public LedgerMappings(@Value("${ledgerbridge.mappings-dir}") String mappingsDir, JdbcTemplate jdbc,
                          org.flywaydb.core.Flyway flyway) {
        Path base = Path.of(mappingsDir);
        Set<String> accounts = loadChart(base, jdbc);
        loadProducts(base, accounts);
    }

    private Set<String> loadChart(Path base, JdbcTemplate jdbc) {
        YamlSource yaml = YamlSource.read(base.resolve("chart-of-accounts.yaml"), base);
        Node list = yaml.required(yaml.entries(yaml.root()), yaml.root(), "accounts");
        if (!(list instanceof SequenceNode seq)) {
            throw yaml.error(list, "'accounts' is a list");
        }
        Set<String> codes = new java.util.LinkedHashSet<>();
        for (Node item : seq.getValue()) {
            Map<String, Node> a = yaml.entries(item);
            String code = yaml.scalar(yaml.required(a, item, "code"));
            String name = yaml.scalar(yaml.required(a, item, "name"));
            String type = yaml.scalar(yaml.required(a, item, "type"));
            String normal = yaml.scalar(yaml.required(a, item, "normal"));
            if (!TYPES.contains(type)) {
                throw yaml.error(item, "account " + code + ": unknown type '" + type + "' (known: " + TYPES + ")");
            }
            if (!normal.equals("debit") && !normal.equals("credit")) {
                throw yaml.error(item, "account " + code + ": normal is debit or credit");
            }
            if (!codes.add(code)) {
                throw yaml.error(item, "account " + code + " is defined twice");
            }
            jdbc.update("""
                    insert into account (code, name, type, normal_balance) values (?, ?, ?, ?)
                    on conflict (code) do update set name = excluded.name, type = excluded.type,
                                                     normal_balance = excluded.normal_balance""",
                    code, name, type, normal);
        }
        for (String needed : List.of("1000", "1010", "1100", "1150", "2000", "2100", "2200", "4100", "4900", "6000", "6100")) {
            if (!codes.contains(needed)) {
                throw yaml.error(seq, "the posting rules need account " + needed);
            }
        }
        log.info("Chart of accounts: {} accounts from {}", codes.size(), yaml.file());
        return codes;
    }

    private void loadProducts(Path base, Set<String> accounts) {
        YamlSource yaml = YamlSource.read(base.resolve("products.yaml"), base);
        Map<String, Node> top = yaml.entries(yaml.root());
        Map<String, Node> defaults = yaml.entries(yaml.required(top, yaml.root(), "defaults"));
        withPeriod = rule(yaml, yaml.required(defaults, yaml.root(), "withServicePeriod"), accounts);
        withoutPeriod = rule(yaml, yaml.required(defaults, yaml.root(), "withoutServicePeriod"), accounts);
        if (top.containsKey("products")) {
            yaml.entries(top.get("products")).forEach((id, node) -> {
                ProductRule rule = rule(yaml, node, accounts);
                products.put(id, rule);
                Map<String, Node> r = yaml.entries(node);
                if (r.containsKey("sku")) {
                    String sku = yaml.scalar(r.get("sku"));
                    String name = r.containsKey("name") ? yaml.scalar(r.get("name")) : id;
                    Sku previous = skus.putIfAbsent(sku, new Sku(sku, id, name, rule));
                    if (previous != null) {
                        throw yaml.error(r.get("sku"), "SKU " + sku + " is already the SKU of " + previous.productId());
                    }
                }
            });
        }
        log.info("Product catalogue: {} products ({} with a contract SKU) from {}", products.size(), skus.size(), yaml.file());
    }

    private static ProductRule rule(YamlSource yaml, Node node, Set<String> accounts) {
        Map<String, Node> r = yaml.entries(node);
        String account = yaml.scalar(yaml.required(r, node, "account"));
        String method = yaml.scalar(yaml.required(r, node, "method"));
        if (!accounts.contains(account)) {
            throw yaml.error(node, "account " + account + " is not in the chart of accounts");
        }
        if (!METHODS.contains(method)) {
            throw yaml.error(node, "unknown method '" + method + "' (known: " + METHODS + ")");
        }
        return new ProductRule(account, method);
    }

    /** The rule of a product; unknown products follow the defaults. */
    public ProductRule product(String productRef, boolean hasServicePeriod) {
        ProductRule known = productRef == null ? null : products.get(productRef);
        if (known != null) {
            return known;
        }
        return hasServicePeriod ? withPeriod : withoutPeriod;
    }

    /** The product a contract SKU bills as, when the catalogue maps it. */
    public java.util.Optional<Sku> sku(String sku) {
        return java.util.Optional.ofNullable(sku == null ? null : skus.get(sku));
    }

    public boolean isMapped(String productRef) {
        return productRef != null && products.containsKey(productRef);
    }

}
