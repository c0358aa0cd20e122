package io.ledgerbridge.customers;

import io.ledgerbridge.canonical.Customer;
import io.ledgerbridge.platform.TransactionScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The golden customer record and its crosswalk of external ids (CRM, e-signature, Stripe, ERP).
 * Matching is deterministic: first the external id, then the normalised legal name together with
 * the domain. A near match (same domain under another name, or a name a letter or two apart) is
 * never merged silently: it is returned as a candidate for a person to confirm.
 */
@Component
public class CustomerDirectory {

    private final JdbcTemplate jdbc;

    public CustomerDirectory(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The golden id for an external id, created on first sight (safe under concurrency). */
    @Transactional
    public String resolve(String system, String externalId) {
        Map<String, String> known = resolved.get(jdbc.getDataSource(), HashMap::new);
        String cached = known.get(system + KEY_SEPARATOR + externalId);
        if (cached != null) {
            return cached;
        }
        String id = resolveNow(system, externalId);
        known.put(system + KEY_SEPARATOR + externalId, id);
        return id;
    }

    private String resolveNow(String system, String externalId) {
        List<String> found = jdbc.queryForList(
                "select customer_id from customer_xref where system = ? and external_id = ?", String.class, system, externalId);
        if (!found.isEmpty()) {
            return found.get(0);
        }
        String id = "cus-" + UUID.randomUUID();
        jdbc.update("insert into customer (id) values (?)", id);
        int linked = jdbc.update("""
                insert into customer_xref (system, external_id, customer_id) values (?, ?, ?)
                on conflict (system, external_id) do nothing""", system, externalId, id);
        if (linked == 0) {
            // another transaction linked it first: use theirs, drop ours
            jdbc.update("delete from customer where id = ?", id);
            return jdbc.queryForObject("select customer_id from customer_xref where system = ? and external_id = ?",
                    String.class, system, externalId);
        }
        return id;
    }

    /**
     * The golden ids of many external ids of one system at once (a batch of events): one look-up, one
     * statement creating those seen for the first time. Later {@link #resolve} calls of the same
     * transaction answer from what this found.
     */
    @Transactional
    public Map<String, String> resolveAll(String system, Collection<String> externalIds) {
        Map<String, String> known = resolved.get(jdbc.getDataSource(), HashMap::new);
        Map<String, String> result = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String externalId : new java.util.LinkedHashSet<>(externalIds)) {
            String cached = known.get(system + KEY_SEPARATOR + externalId);
            if (cached != null) {
                result.put(externalId, cached);
            } else if (externalId != null) {
                unknown.add(externalId);
            }
        }
        if (unknown.isEmpty()) {
            return result;
        }
        String[] ids = unknown.toArray(String[]::new);
        jdbc.query("select external_id, customer_id from customer_xref where system = ? and external_id = any(?)",
                rs -> {
                    result.put(rs.getString(1), rs.getString(2));
                }, system, ids);
        String[] missing = unknown.stream().filter(e -> !result.containsKey(e)).toArray(String[]::new);
        if (missing.length > 0) {
            List<String> lost = new ArrayList<>();
            jdbc.query("""
                    with fresh as (select e as external_id, 'cus-' || gen_random_uuid() as id from unnest(?::text[]) e),
                    golden as (insert into customer (id) select id from fresh),
                    linked as (insert into customer_xref (system, external_id, customer_id)
                               select ?, external_id, id from fresh
                               on conflict (system, external_id) do nothing returning external_id)
                    select f.external_id, f.id, l.external_id is not null from fresh f left join linked l using (external_id)""",
                    rs -> {
                        if (rs.getBoolean(3)) {
                            result.put(rs.getString(1), rs.getString(2));
                        } else {
                            lost.add(rs.getString(2));
                        }
                    }, missing, system);
            if (!lost.isEmpty()) {
                // other transactions linked some first: use theirs, drop ours
                jdbc.update("delete from customer where id = any(?)", (Object) lost.toArray(String[]::new));
                jdbc.query("select external_id, customer_id from customer_xref where system = ? and external_id = any(?)",
                        rs -> {
                            result.put(rs.getString(1), rs.getString(2));
                        }, system, missing);
            }
        }
        result.forEach((externalId, id) -> known.put(system + KEY_SEPARATOR + externalId, id));
        return result;
    }

    private static final char KEY_SEPARATOR = '\u0000';
    private final TransactionScoped<Map<String, String>> resolved = new TransactionScoped<>("customers.resolved");

    /** Records what a source says about its customer on the golden record. */
    @Transactional
    public String upsert(String system, Customer customer) {
        String id = resolve(system, customer.id());
        String domain = customer.email() != null && customer.email().contains("@")
                ? customer.email().substring(customer.email().indexOf('@') + 1).toLowerCase() : null;
        jdbc.update("""
                update customer set legal_name = coalesce(?, legal_name), email = coalesce(?, email),
                       domain = coalesce(?, domain), updated_at = now() where id = ?""",
                customer.name(), customer.email(), domain, id);
        if (customer.name() != null) {
            jdbc.update("update customer set name_key = ? where id = ?", nameKey(customer.name()), id);
        }
        return id;
    }

    /** How a party was matched: to a golden id, or to a near candidate a person must confirm. */
    public record Match(String customerId, String candidateId, String how) {
        public boolean needsReview() {
            return customerId == null;
        }
    }

    /**
     * Finds the golden record of a party a source names (a CRM account, a signed contract's customer):
     * its external id, else the same normalised legal name with the same (or an unknown) domain,
     * linking the external id to it. A near match links nothing and names the candidate; no match
     * creates a new golden record.
     */
    @Transactional
    public Match match(String system, String externalId, String legalName, String domain) {
        if (externalId != null) {
            List<String> found = jdbc.queryForList(
                    "select customer_id from customer_xref where system = ? and external_id = ?", String.class, system, externalId);
            if (!found.isEmpty()) {
                enrich(found.get(0), legalName, domain);
                return new Match(found.get(0), null, "external_id");
            }
        }
        String key = nameKey(legalName);
        List<java.util.Map<String, Object>> candidates = jdbc.queryForList("""
                select id, name_key, domain from customer
                where (name_key is not null and name_key = ?) or (domain is not null and domain = ?)
                   or (name_key is not null and left(name_key, 3) = left(?, 3))
                order by created_at, id limit 50""", key, domain, key == null ? "" : key);
        for (java.util.Map<String, Object> c : candidates) {
            String cKey = (String) c.get("name_key");
            String cDomain = (String) c.get("domain");
            if (key != null && key.equals(cKey) && (domain == null || cDomain == null || domain.equals(cDomain))) {
                link(system, externalId, (String) c.get("id"));
                enrich((String) c.get("id"), legalName, domain);
                return new Match((String) c.get("id"), null, "name_and_domain");
            }
        }
        for (java.util.Map<String, Object> c : candidates) {
            String cKey = (String) c.get("name_key");
            String cDomain = (String) c.get("domain");
            if (domain != null && domain.equals(cDomain)) {
                return new Match(null, (String) c.get("id"), "same domain " + domain + " under another name");
            }
            if (key != null && cKey != null && similar(key, cKey)) {
                return new Match(null, (String) c.get("id"), "similar name");
            }
        }
        return new Match(create(system, externalId, legalName, domain), null, "new");
    }

    /** A new golden record, linked to the external id. */
    @Transactional
    public String create(String system, String externalId, String legalName, String domain) {
        String id = "cus-" + UUID.randomUUID();
        jdbc.update("insert into customer (id, legal_name, name_key, domain) values (?, ?, ?, ?)",
                id, legalName, nameKey(legalName), domain);
        link(system, externalId, id);
        return id;
    }

    /** Links an external id to a golden record (a link that exists is kept). */
    @Transactional
    public void link(String system, String externalId, String customerId) {
        if (externalId != null) {
            jdbc.update("""
                    insert into customer_xref (system, external_id, customer_id) values (?, ?, ?)
                    on conflict (system, external_id) do nothing""", system, externalId, customerId);
        }
    }

    private void enrich(String id, String legalName, String domain) {
        jdbc.update("""
                update customer set legal_name = coalesce(legal_name, ?), name_key = coalesce(name_key, ?),
                       domain = coalesce(domain, ?), updated_at = now() where id = ?""",
                legalName, nameKey(legalName), domain, id);
    }

    private static final java.util.regex.Pattern LEGAL_SUFFIX = java.util.regex.Pattern.compile(
            "\\b(incorporated|inc|corporation|corp|company|co|limited|ltd|llc|llp|plc|gmbh|ag|sa|sas|sarl|bv|nv|pty|oy|ab|as|kk|srl|spa)\\b");

    /** "Acme, Inc." and "ACME Incorporated" are the same name: lower case, no punctuation, no legal form. */
    public static String nameKey(String legalName) {
        if (legalName == null || legalName.isBlank()) {
            return null;
        }
        String n = java.text.Normalizer.normalize(legalName, java.text.Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
                .toLowerCase(java.util.Locale.ROOT).replace("&", " and ").replaceAll("[^a-z0-9 ]", " ");
        n = LEGAL_SUFFIX.matcher(n).replaceAll(" ").replaceAll("^the ", " ").replaceAll("\\s+", " ").trim();
        return n.isEmpty() ? legalName.trim().toLowerCase(java.util.Locale.ROOT) : n;
    }

    /** Names at most two edits apart (and at most a fifth of their length). */
    static boolean similar(String a, String b) {
        int limit = Math.min(2, Math.max(a.length(), b.length()) / 5);
        if (limit == 0 || Math.abs(a.length() - b.length()) > limit) {
            return false;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()] <= limit;
    }
}
