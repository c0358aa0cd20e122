package io.ledgerbridge.customers.web;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

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
    @Operation(summary = "One golden customer: external ids, AR balance and unapplied cash per currency, contracts, invoices, payments")
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
        // what the customer page shows: the balance per currency with its unapplied cash, the contracts, invoices, payments
        out.put("balance", jdbc.queryForList("""
                select e.currency, sum(l.debit - l.credit) filter (where l.account_code = '1100') as receivable,
                       sum(l.credit - l.debit) filter (where l.account_code = '2100') as "unappliedCash"
                from journal_line l join journal_entry e on e.id = l.entry_id
                where l.account_code in ('1100', '2100') and coalesce(l.customer_id, e.customer_id) = ?
                group by e.currency order by 1""", id));
        out.put("contracts", jdbc.queryForList("""
                select id, status, status_reason as "statusReason", currency, total, crm, deal_id as "dealId",
                       created_at as "createdAt", inbox_event_id as "eventId"
                from contract where customer_id = ? order by created_at desc, id""", id));
        out.put("invoices", jdbc.queryForList("""
                select a.invoice_id as "invoiceId", a.currency, a.total, a.amount_paid as paid, a.amount_credited as credited,
                       a.amount_written_off as "writtenOff",
                       a.total - a.amount_paid - a.amount_credited - a.amount_written_off as "openAmount",
                       a.status, a.invoice_date::text as "invoiceDate", e.source_event_ids[1] as "eventId"
                from ar_invoice a left join journal_entry e on e.id = a.entry_id
                where a.customer_id = ? order by a.invoice_date desc, a.invoice_id""", id));
        out.put("payments", jdbc.queryForList("""
                select p.payment_id as "paymentId", p.invoice_id as "invoiceId", p.currency, p.amount, p.applied, p.unapplied,
                       p.amount_refunded as refunded, e.entry_date::text as date, e.source_event_ids[1] as "eventId"
                from ar_payment p left join journal_entry e on e.id = p.entry_id
                where p.customer_id = ? order by e.entry_date desc nulls last, p.payment_id""", id));
        return out;
    }
}
