package io.ledgerbridge.customers;

import io.ledgerbridge.canonical.Customer;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The golden customer record and its crosswalk of external ids. For now a customer is matched on
 * its external id only (deterministic); matching across systems comes with the CRM intake.
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
        return id;
    }
}
