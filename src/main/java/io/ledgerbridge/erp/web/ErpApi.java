package io.ledgerbridge.erp.web;

import io.ledgerbridge.erp.ErpSync;
import io.swagger.v3.oas.annotations.Operation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Where the ERP sync stands: postings by ERP and status, the oldest entry not yet in each ERP, circuit breakers, error classes. */
@RestController
@RequestMapping("/api/erp")
public class ErpApi {

    private final JdbcTemplate jdbc;
    private final ErpSync sync;

    public ErpApi(JdbcTemplate jdbc, ErpSync sync) {
        this.jdbc = jdbc;
        this.sync = sync;
    }

    @GetMapping("/status")
    @Operation(summary = "ERP sync: postings per ERP and status, lag of the oldest pending entry, circuit breaker, refusals and dead letters by error class")
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> erps = jdbc.queryForList("""
                select erp, count(*) filter (where status in ('pending', 'sending')) as pending,
                       count(*) filter (where status in ('posted', 'confirmed')) as synced,
                       count(*) filter (where status = 'failed') as failed,
                       coalesce(extract(epoch from now() - min(created_at) filter (where status in ('pending', 'sending'))), 0)::bigint as "lagSeconds"
                from erp_posting group by erp order by erp""");
        for (Map<String, Object> e : erps) {
            try {
                e.put("circuit", sync.state((String) e.get("erp")).name());
            } catch (RuntimeException ex) {
                e.put("circuit", "not configured");
            }
        }
        out.put("erps", erps);
        out.put("deadLettersByErrorClass", jdbc.queryForList("""
                select coalesce(error_class, 'unknown') as "errorClass", route_id as "routeId", count(*) as count
                from dead_letter where status = 'open' group by 1, 2 order by 3 desc, 1"""));
        return out;
    }
}
