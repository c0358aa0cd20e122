package io.ledgerbridge.ledger.web;

import io.ledgerbridge.audit.AuditLog;

import io.ledgerbridge.platform.web.ApiErrors;

import io.ledgerbridge.ledger.LedgerStore;
import io.swagger.v3.oas.annotations.Operation;
import java.security.Principal;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Accounting periods: close a month (admin); list months with their status and what was posted late. */
@RestController
@RequestMapping("/api/periods")
public class PeriodsApi {

    private final JdbcTemplate jdbc;
    private final AuditLog auditLog;

    public PeriodsApi(JdbcTemplate jdbc, AuditLog auditLog) {
        this.jdbc = jdbc;
        this.auditLog = auditLog;
    }

    @PostMapping("/{period}/close")
    @Transactional
    @Operation(summary = "Close an accounting period (yyyy-MM): it accepts no new entry; late events post in the first open period")
    public Map<String, Object> close(@PathVariable String period, Principal user) {
        YearMonth month;
        try {
            month = YearMonth.parse(period);
        } catch (DateTimeParseException e) {
            throw ApiErrors.ApiException.badRequest("period", "period is yyyy-MM, got '" + period + "'");
        }
        jdbc.queryForList("select pg_advisory_xact_lock(?)", LedgerStore.PERIOD_LOCK);
        int inserted = jdbc.update("insert into accounting_period (period, closed_by) values (?, ?) on conflict do nothing",
                month.toString(), user.getName());
        if (inserted == 0) {
            throw ApiErrors.ApiException.conflict("period " + month + " is already closed");
        }
        auditLog.record(user.getName(), "closed", "accounting_period", month.toString(), null, Map.of());
        return Map.of("period", month.toString(), "status", "closed", "closedBy", user.getName());
    }

    @GetMapping
    @Operation(summary = "Accounting periods with status, entry counts and entries posted late into them")
    public List<Map<String, Object>> list() {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                with months as (
                    select to_char(entry_date, 'YYYY-MM') as period, count(*) as entries,
                           count(*) filter (where original_date is not null) as late_entries
                    from journal_entry group by 1
                    union all select period, 0, 0 from accounting_period
                )
                select m.period, sum(m.entries) as entries, sum(m.late_entries) as late_entries,
                       p.closed_at, p.closed_by
                from months m left join accounting_period p on p.period = m.period
                group by m.period, p.closed_at, p.closed_by order by m.period""");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("period", r.get("period"));
            p.put("status", r.get("closed_at") == null ? "open" : "closed");
            p.put("entries", r.get("entries"));
            p.put("lateEntries", r.get("late_entries"));
            p.put("closedAt", r.get("closed_at"));
            p.put("closedBy", r.get("closed_by"));
            out.add(p);
        }
        return out;
    }
}
