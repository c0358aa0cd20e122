package io.ledgerbridge.platform.jobs;

import io.ledgerbridge.platform.web.ApiErrors;
import io.ledgerbridge.platform.web.Paging;

import io.ledgerbridge.platform.jobs.JobProgress;
import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Long jobs and how far they are (usage file loads, recognition runs, reconciliation, imports). */
@RestController
@RequestMapping("/api/jobs")
public class JobsApi {

    private static final Set<String> STATUSES = Set.of("running", "succeeded", "failed", "cancelled");

    private final JobProgress jobs;

    public JobsApi(JobProgress jobs) {
        this.jobs = jobs;
    }

    @GetMapping
    @Operation(summary = "Job runs, newest first, optionally of one kind or status")
    public List<JobProgress.Run> list(@RequestParam(required = false) String kind,
                                      @RequestParam(required = false) String status,
                                      @RequestParam(defaultValue = "50") int limit) {
        Paging.check(limit, 0);
        if (status != null && !STATUSES.contains(status)) {
            throw ApiErrors.ApiException.badRequest("status", "status must be one of " + STATUSES + ", not '" + status + "'");
        }
        return jobs.recent(kind, status, limit);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One job run")
    public JobProgress.Run one(@PathVariable long id) {
        return jobs.find(id).orElseThrow(() -> ApiErrors.ApiException.notFound("job " + id));
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Ask a running job to stop (admin); it stops between two of its steps")
    public Map<String, Object> cancel(@PathVariable long id) {
        JobProgress.Run run = one(id);
        if (!jobs.requestCancel(id)) {
            throw ApiErrors.ApiException.conflict("job " + id + " is " + run.status() + ", not running");
        }
        return Map.of("id", id, "cancelRequested", true);
    }
}
