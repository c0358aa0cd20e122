package io.ledgerbridge.ledger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/** The ledger's read model of journal entries, as the API and the console's event trace show them. */
@Component
public class JournalEntries {

    private final NamedParameterJdbcTemplate jdbc;

    public JournalEntries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Entries (rows of journal_entry) with their lines, as the API shows them. */
    public List<Map<String, Object>> withLines(List<Map<String, Object>> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<Long> ids = entries.stream().map(e -> ((Number) e.get("id")).longValue()).toList();
        List<Map<String, Object>> lines = jdbc.queryForList("""
                select l.entry_id, l.line_no, l.account_code, a.name, l.debit, l.credit, l.customer_id, l.product
                from journal_line l join account a on a.code = l.account_code
                where l.entry_id in (:ids) order by l.entry_id, l.line_no""", Map.of("ids", ids));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> e : entries) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", e.get("id"));
            row.put("key", e.get("entry_key"));
            row.put("date", e.get("entry_date"));
            row.put("currency", e.get("currency"));
            row.put("memo", e.get("memo"));
            row.put("postingRule", e.get("posting_rule"));
            row.put("customer", e.get("customer_id"));
            row.put("corrects", e.get("corrects_entry_id"));
            row.put("sourceEvents", toList(e.get("source_event_ids")));
            List<Map<String, Object>> ls = new ArrayList<>();
            for (Map<String, Object> l : lines) {
                if (l.get("entry_id").equals(e.get("id"))) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("account", l.get("account_code"));
                    line.put("accountName", l.get("name"));
                    line.put("debit", l.get("debit"));
                    line.put("credit", l.get("credit"));
                    line.put("customer", l.get("customer_id"));
                    line.put("product", l.get("product"));
                    ls.add(line);
                }
            }
            row.put("lines", ls);
            out.add(row);
        }
        return out;
    }

    private static List<Object> toList(Object sqlArray) {
        try {
            return sqlArray instanceof java.sql.Array a ? List.of((Object[]) a.getArray()) : List.of();
        } catch (java.sql.SQLException e) {
            return List.of();
        }
    }

}
