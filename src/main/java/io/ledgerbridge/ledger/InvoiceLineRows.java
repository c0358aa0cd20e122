package io.ledgerbridge.ledger;

import io.ledgerbridge.ledger.domain.RevenueLine;
import java.sql.Date;
import java.util.Map;

/** Reading invoice_line rows (line_id, product, account_code, method, amount, period_start, period_end, deferred). */
public final class InvoiceLineRows {

    private InvoiceLineRows() {
    }

    public static RevenueLine revenueLine(Map<String, Object> row) {
        Object deferred = row.get("deferred");
        return new RevenueLine((String) row.get("line_id"), (String) row.get("product"), (String) row.get("account_code"),
                (String) row.get("method"), ((Number) row.get("amount")).longValue(),
                row.get("period_start") == null ? null : ((Date) row.get("period_start")).toLocalDate(),
                row.get("period_end") == null ? null : ((Date) row.get("period_end")).toLocalDate(),
                deferred == null || (Boolean) deferred);
    }
}
