package io.ledgerbridge.ops;

import io.swagger.v3.oas.annotations.Operation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Golden customer records with their external ids and AR balance. */
@RestController
@RequestMapping("/api/customers")
public class CustomersApi {

    private final JdbcTemplate jdbc;

    public CustomersApi(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping
    @Operation(summary = "Golden customers")
    public List<Map<String, Object>> list(@RequestParam(defaultValue = "100") int limit,
                                          @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        return jdbc.queryForList("""
                select id, legal_name as "legalName", email, domain, created_at as "createdAt" from customer
                order by created_at, id limit ? offset ?""", limit, offset);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One golden customer with its external ids and AR balance per currency")
    public Map<String, Object> get(@PathVariable String id) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, legal_name as "legalName", email, domain, created_at as "createdAt", updated_at as "updatedAt"
                from customer where id = ?""", id);
        if (rows.isEmpty()) {
            throw ApiErrors.ApiException.notFound("customer " + id);
        }
        Map<String, Object> out = new LinkedHashMap<>(rows.get(0));
        out.put("externalIds", jdbc.queryForList(
                "select system, external_id as \"externalId\" from customer_xref where customer_id = ? order by system", id));
        out.put("arBalance", jdbc.queryForList("""
                select e.currency, sum(l.debit - l.credit) as balance from journal_line l join journal_entry e on e.id = l.entry_id
                where l.account_code = '1100' and e.customer_id = ? group by e.currency order by 1""", id));
        return out;
    }
}
