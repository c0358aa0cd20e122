package io.ledgerbridge.contracts.web;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import com.fasterxml.jackson.databind.ObjectMapper;
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

/** Signed contracts as understood: terms, status, the deal they belong to and what was done about them. */
@RestController
@RequestMapping("/api/contracts")
public class ContractsApi {

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public ContractsApi(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    private static final String COLUMNS = """
            select id, source, document_id as "documentId", crm, deal_id as "dealId", customer_id as "customerId", status,
                   status_reason as "statusReason", total, currency, amends, requested_by as "requestedBy",
                   inbox_event_id as "eventId", deal_event_id as "dealEventId", exception_id as "exceptionId",
                   created_at as "createdAt", updated_at as "updatedAt", acted_at as "actedAt"
            from contract""";

    @GetMapping
    @Operation(summary = "Contracts, newest first, by golden customer and status")
    public List<Map<String, Object>> list(@RequestParam(required = false) String customer,
                                          @RequestParam(required = false) String status,
                                          @RequestParam(defaultValue = "100") int limit,
                                          @RequestParam(defaultValue = "0") int offset) {
        Paging.check(limit, offset);
        return jdbc.queryForList(COLUMNS + """
                 where (?::text is null or customer_id = ?) and (?::text is null or status = ?)
                order by created_at desc, id limit ? offset ?""", customer, customer, status, status, limit, offset);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One contract: signed terms (products, prices, billing schedule, payment terms, PO), deal, actions taken")
    public Map<String, Object> get(@PathVariable String id) {
        List<Map<String, Object>> rows = jdbc.queryForList(COLUMNS + " where id = ?", id);
        if (rows.isEmpty()) {
            throw ApiErrors.ApiException.notFound("contract " + id);
        }
        Map<String, Object> out = new LinkedHashMap<>(rows.get(0));
        String terms = jdbc.queryForObject("select terms::text from contract where id = ?", String.class, id);
        try {
            out.put("terms", mapper.readTree(terms));
        } catch (Exception e) {
            out.put("terms", terms);
        }
        if (out.get("dealId") != null) {
            out.put("deal", jdbc.queryForList("""
                    select crm, deal_id as "id", account_id as "accountId", account_name as "accountName", domain, amount, currency,
                           close_date::text as "closeDate", owner_email as "ownerEmail", inbox_event_id as "eventId"
                    from deal where crm = ? and deal_id = ?""", out.get("crm"), out.get("dealId")).stream().findFirst().orElse(null));
        }
        out.put("actions", jdbc.queryForList("""
                select step, system, operation, external_id as "externalId", idempotency_key as "idempotencyKey",
                       request::text as "request", status, detail, approved_by as "approvedBy", at
                from contract_action where contract_id = ? order by id""", id));
        return out;
    }
}
