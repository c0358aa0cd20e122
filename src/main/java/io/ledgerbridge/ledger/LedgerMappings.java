package io.ledgerbridge.ledger;

import io.ledgerbridge.canonical.mapping.YamlSource;
import io.ledgerbridge.ledger.domain.AccountRoles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
 * start-up, with the account that plays each role of the posting rules) and the product catalogue
 * ({@code mappings/products.yaml}). Errors name file and line.
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

    /** An account of the chart, with the role it plays for the posting rules (null for none). */
    public record Account(String code, String name, String type, String normal, String role) {
    }

    /** The chart of accounts as read from its file: its accounts, and the code of each role. */
    public record Chart(List<Account> accounts, AccountRoles roles) {
        public Set<String> codes() {
            Set<String> codes = new LinkedHashSet<>();
            accounts.forEach(a -> codes.add(a.code()));
            return codes;
        }
    }

    private final Map<String, ProductRule> products = new LinkedHashMap<>();
    private final Map<String, Sku> skus = new LinkedHashMap<>();
    private final Chart chart;
    private ProductRule withPeriod;
    private ProductRule withoutPeriod;

    /** {@code flyway} is only a dependency: the account table must exist before the chart is written. */
    public LedgerMappings(@Value("${ledgerbridge.mappings-dir}") String mappingsDir, JdbcTemplate jdbc,
                          org.flywaydb.core.Flyway flyway) {
        Path base = Path.of(mappingsDir);
        chart = readChart(base);
        for (Account a : chart.accounts()) {
            jdbc.update("""
                    insert into account (code, name, type, normal_balance) values (?, ?, ?, ?)
                    on conflict (code) do update set name = excluded.name, type = excluded.type,
                                                     normal_balance = excluded.normal_balance""",
                    a.code(), a.name(), a.type(), a.normal());
        }
        log.info("Chart of accounts: {} accounts from {}", chart.accounts().size(), "chart-of-accounts.yaml");
        loadProducts(base, chart);
    }

    /**
     * Reads {@code chart-of-accounts.yaml} under {@code base}: each account, and the role it plays. Every
     * role the posting rules need ({@link io.ledgerbridge.ledger.domain.AccountRole}) is played by exactly
     * one account; a missing or duplicated role is an error naming it, the file and the line.
     */
    public static Chart readChart(Path base) {
        YamlSource yaml = YamlSource.read(base.resolve("chart-of-accounts.yaml"), base);
        Node list = yaml.required(yaml.entries(yaml.root()), yaml.root(), "accounts");
        if (!(list instanceof SequenceNode seq)) {
            throw yaml.error(list, "'accounts' is a list");
        }
        Set<String> codes = new LinkedHashSet<>();
        List<Account> accounts = new ArrayList<>();
        Map<String, String> roles = new LinkedHashMap<>();
        for (Node item : seq.getValue()) {
            Map<String, Node> a = yaml.entries(item);
            String code = yaml.scalar(yaml.required(a, item, "code"));
            String name = yaml.scalar(yaml.required(a, item, "name"));
            String type = yaml.scalar(yaml.required(a, item, "type"));
            String normal = yaml.scalar(yaml.required(a, item, "normal"));
            String role = a.containsKey("role") ? yaml.scalar(a.get("role")) : null;
            if (!TYPES.contains(type)) {
                throw yaml.error(item, "account " + code + ": unknown type '" + type + "' (known: " + TYPES + ")");
            }
            if (!normal.equals("debit") && !normal.equals("credit")) {
                throw yaml.error(item, "account " + code + ": normal is debit or credit");
            }
            if (!codes.add(code)) {
                throw yaml.error(item, "account " + code + " is defined twice");
            }
            if (role != null) {
                String before = roles.putIfAbsent(role, code);
                if (before != null) {
                    throw yaml.error(a.get("role"), "role '" + role + "' is given to accounts " + before + " and " + code
                            + ": one account plays a role");
                }
            }
            accounts.add(new Account(code, name, type, normal, role));
        }
        try {
            return new Chart(List.copyOf(accounts), AccountRoles.of(roles));
        } catch (IllegalArgumentException e) {
            throw yaml.error(seq, e.getMessage());
        }
    }

    private void loadProducts(Path base, Chart chart) {
        YamlSource yaml = YamlSource.read(base.resolve("products.yaml"), base);
        Map<String, Node> top = yaml.entries(yaml.root());
        Map<String, Node> defaults = yaml.entries(yaml.required(top, yaml.root(), "defaults"));
        withPeriod = rule(yaml, yaml.required(defaults, yaml.root(), "withServicePeriod"), chart);
        withoutPeriod = rule(yaml, yaml.required(defaults, yaml.root(), "withoutServicePeriod"), chart);
        if (top.containsKey("products")) {
            yaml.entries(top.get("products")).forEach((id, node) -> {
                ProductRule rule = rule(yaml, node, chart);
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

    /** A product's rule; its {@code account} is a role of the chart ({@code subscription_revenue}) or an account code. */
    private static ProductRule rule(YamlSource yaml, Node node, Chart chart) {
        Map<String, Node> r = yaml.entries(node);
        String named = yaml.scalar(yaml.required(r, node, "account"));
        String method = yaml.scalar(yaml.required(r, node, "method"));
        String account = chart.roles().code(named).orElse(named);
        if (!chart.codes().contains(account)) {
            throw yaml.error(node, "account " + named + " is neither a role nor an account code in the chart of accounts");
        }
        if (!METHODS.contains(method)) {
            throw yaml.error(node, "unknown method '" + method + "' (known: " + METHODS + ")");
        }
        return new ProductRule(account, method);
    }

    /** The code of each account role, as the chart of accounts gives them. */
    public AccountRoles roles() {
        return chart.roles();
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
