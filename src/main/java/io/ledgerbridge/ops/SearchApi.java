package io.ledgerbridge.ops;
import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import io.swagger.v3.oas.annotations.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The console's one search box: a customer (name, e-mail, domain, golden id, or any external id: Stripe,
 * CRM, e-signature, ERP), an invoice or payment (with or without its {@code stripe:} prefix), a received event
 * (the sender's event id, or our event number), a contract or CRM deal. Every hit names its type and where it
 * leads: the customer page ({@code customerId}) and/or the event page ({@code eventId}).
 */
@RestController
@RequestMapping("/api/search")
public class SearchApi {

    private final NamedParameterJdbcTemplate jdbc;

    public SearchApi(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    // each query answers (type, id, title, detail, customerId, eventId, currency, amount), named so by search()
    private static final List<String> QUERIES = List.of("""
            select 'customer' as type, c.id, coalesce(c.legal_name, c.id) as title,
                   concat_ws(' · ', c.email, (select string_agg(x.system || ' ' || x.external_id, ', ' order by x.system)
                                             from customer_xref x where x.customer_id = c.id)) as detail,
                   c.id as "customerId", null::bigint as "eventId", null as currency, null::bigint as amount
            from customer c
            where c.id = :q or c.legal_name ilike :like or c.email ilike :like or c.domain ilike :like
               or exists (select 1 from customer_xref x where x.customer_id = c.id and x.external_id = :q)
            order by c.legal_name nulls last limit :limit""", """
            select 'invoice', a.invoice_id, 'Invoice ' || a.invoice_id,
                   a.status || ', dated ' || a.invoice_date, a.customer_id,
                   (select e.source_event_ids[1] from journal_entry e where e.id = a.entry_id), a.currency, a.total
            from ar_invoice a where a.invoice_id = :q or a.invoice_id like :suffix escape '\\'
            limit :limit""", """
            select 'payment', p.payment_id, 'Payment ' || p.payment_id,
                   coalesce('for ' || p.invoice_id, 'not tied to an invoice'), p.customer_id,
                   (select e.source_event_ids[1] from journal_entry e where e.id = p.entry_id), p.currency, p.amount
            from ar_payment p where p.payment_id = :q or p.payment_id like :suffix escape '\\' or p.invoice_id = :q
               or p.invoice_id like :suffix escape '\\'
            limit :limit""", """
            select 'event', i.id::text, i.source || ' ' || coalesce(i.event_type, '') || ' ' || i.event_id,
                   i.status || ', received ' || to_char(i.received_at, 'YYYY-MM-DD HH24:MI'),
                   (select x.customer_id from customer_xref x where x.system || ':' || x.external_id = i.partition_key limit 1),
                   i.id, null, null::bigint
            from inbox_event i where i.event_id = :q or (:number::bigint is not null and i.id = :number::bigint)
            order by i.id desc limit :limit""", """
            select 'contract', c.id, 'Contract ' || c.id, c.status || coalesce(' (' || c.crm || ' deal ' || c.deal_id || ')', ''),
                   c.customer_id, c.inbox_event_id, c.currency, c.total
            from contract c where c.id = :q or c.document_id = :q or c.deal_id = :q
            order by c.created_at desc limit :limit""", """
            select 'deal', d.crm || ':' || d.deal_id, coalesce(d.account_name, d.deal_id) || ' (' || d.crm || ' deal)',
                   'closed ' || coalesce(d.close_date::text, '?'), d.customer_id, d.inbox_event_id, d.currency, d.amount
            from deal d where d.deal_id = :q or d.account_id = :q
            limit :limit""");

    @GetMapping
    @Operation(summary = "Search customers, invoices, payments, events, contracts and deals by name or by any id; typed hits")
    public Map<String, Object> search(@RequestParam String q, @RequestParam(defaultValue = "20") int limit) {
        Paging.check(limit, 0);
        String term = q.trim();
        if (term.length() < 2 && !term.matches("\\d")) {
            throw ApiErrors.ApiException.badRequest("q", "q needs at least 2 characters (or an event number)");
        }
        if (term.length() > 200) {
            throw ApiErrors.ApiException.badRequest("q", "q is at most 200 characters");
        }
        String escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
        MapSqlParameterSource p = new MapSqlParameterSource()
                .addValue("q", term)
                .addValue("like", "%" + escaped + "%")
                .addValue("suffix", "%:" + escaped)
                .addValue("number", term.matches("#?\\d{1,18}") ? Long.parseLong(term.replace("#", "")) : null,
                        java.sql.Types.BIGINT)
                .addValue("limit", limit);
        List<Map<String, Object>> hits = new ArrayList<>();
        for (String sql : QUERIES) {
            hits.addAll(jdbc.queryForList("select * from (" + sql + ") as hit (type, id, title, detail, \"customerId\", \"eventId\", currency, amount)", p));
        }
        return Map.of("q", term, "count", hits.size(), "hits", hits.size() > limit ? hits.subList(0, limit) : hits);
    }
}
