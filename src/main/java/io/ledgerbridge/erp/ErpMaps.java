package io.ledgerbridge.erp;

import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.canonical.mapping.YamlSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One ERP's maps ({@code mappings/erp/<erp>.yaml}): ledger account to ERP account, default
 * dimensions (subsidiary, department, class, location; Xero tracking categories) with overrides
 * per ledger account, and currencies. A ledger account without an ERP account is an error at start-up.
 */
public final class ErpMaps {

    private final String erp;
    private final Map<String, String> accounts = new LinkedHashMap<>();
    private final Map<String, String> dimensions = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> byAccount = new LinkedHashMap<>();
    private final Map<String, String> currencies = new LinkedHashMap<>();

    private ErpMaps(String erp, YamlSource yaml, Set<String> ledgerAccounts) {
        this.erp = erp;
        Map<String, Node> top = yaml.entries(yaml.root());
        yaml.entries(yaml.required(top, yaml.root(), "accounts")).forEach((k, v) -> accounts.put(k, yaml.scalar(v)));
        if (top.containsKey("dimensions")) {
            yaml.entries(top.get("dimensions")).forEach((k, v) -> dimensions.put(k, yaml.scalar(v)));
        }
        if (top.containsKey("byAccount")) {
            yaml.entries(top.get("byAccount")).forEach((account, node) -> {
                Map<String, String> d = new LinkedHashMap<>();
                yaml.entries(node).forEach((k, v) -> d.put(k, yaml.scalar(v)));
                byAccount.put(account, d);
            });
        }
        yaml.entries(yaml.required(top, yaml.root(), "currencies")).forEach((k, v) -> currencies.put(k, yaml.scalar(v)));
        for (String account : ledgerAccounts) {
            if (!accounts.containsKey(account)) {
                throw yaml.error(top.get("accounts"), erp + ": ledger account " + account + " has no " + erp + " account");
            }
        }
    }

    public static ErpMaps load(Path mappingsDir, String erp, Set<String> ledgerAccounts) {
        return new ErpMaps(erp, YamlSource.read(mappingsDir.resolve("erp/" + erp + ".yaml"), mappingsDir), ledgerAccounts);
    }

    public String account(String ledgerAccount) {
        String a = accounts.get(ledgerAccount);
        if (a == null) {
            throw new MappingException(erp + ": ledger account " + ledgerAccount + " is not in mappings/erp/" + erp + ".yaml");
        }
        return a;
    }

    /** The dimensions of a line on this ledger account (defaults, then the account's overrides; empty values left out). */
    public Map<String, String> dimensions(String ledgerAccount) {
        Map<String, String> d = new LinkedHashMap<>(dimensions);
        d.putAll(byAccount.getOrDefault(ledgerAccount, Map.of()));
        d.values().removeIf(v -> v == null || v.isBlank());
        return d;
    }

    /** The ISO code of an ERP currency id (NetSuite's internal ids), or the id itself when it is one. */
    public String iso(String erpCurrency) {
        for (Map.Entry<String, String> e : currencies.entrySet()) {
            if (e.getValue().equals(erpCurrency)) {
                return e.getKey();
            }
        }
        return erpCurrency;
    }

    public String currency(String currency) {
        String c = currencies.get(currency);
        if (c == null) {
            throw new MappingException(erp + ": currency " + currency + " is not in mappings/erp/" + erp + ".yaml");
        }
        return c;
    }
}
