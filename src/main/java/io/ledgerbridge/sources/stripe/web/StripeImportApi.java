package io.ledgerbridge.sources.stripe.web;

import io.ledgerbridge.sources.stripe.imports.StripeEventRecovery;
import io.ledgerbridge.sources.stripe.imports.StripeImports;

import io.ledgerbridge.platform.web.ApiErrors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import java.security.Principal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Stripe history imports and missed-event recovery (issue 21). POST needs admin, GET viewer (SecurityConfig). */
@RestController
@RequestMapping("/api/stripe")
public class StripeImportApi {

    private final StripeImports imports;
    private final StripeEventRecovery recovery;

    public StripeImportApi(StripeImports imports, StripeEventRecovery recovery) {
        this.imports = imports;
        this.recovery = recovery;
    }

    @PostMapping("/imports")
    @Operation(summary = "Import Stripe history of [from, to): {\"from\":\"yyyy-MM-dd\",\"to\":\"yyyy-MM-dd\","
            + "\"openingBalances\":true}; 202 with the import and its job; 409 while another runs")
    public ResponseEntity<StripeImports.Status> start(@RequestBody(required = false) Map<String, Object> body, Principal user) {
        Map<String, Object> b = body == null ? Map.of() : body;
        LocalDate from = date(b, "from");
        LocalDate to = date(b, "to");
        if (!to.isAfter(from)) {
            throw ApiException.badRequest("to", "'to' (" + to + ", exclusive) must be after 'from' (" + from + ")");
        }
        if (to.isAfter(LocalDate.now().plusDays(1))) {
            throw ApiException.badRequest("to", "'to' (" + to + ") is in the future");
        }
        Object opening = b.getOrDefault("openingBalances", Boolean.TRUE);
        if (!(opening instanceof Boolean)) {
            throw ApiException.badRequest("openingBalances", "'openingBalances' must be true or false");
        }
        if (!imports.configured()) {
            throw notConfigured();
        }
        try {
            StripeImports.Status started = imports.start(from, to, (Boolean) opening, user == null ? null : user.getName());
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(started);
        } catch (org.springframework.dao.DuplicateKeyException e) {
            throw ApiException.conflict("a Stripe import is running; cancel it or wait for it to finish");
        }
    }

    @GetMapping("/imports")
    @Operation(summary = "Stripe imports, newest first")
    public List<StripeImports.Status> list(@RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > 500) {
            throw ApiException.badRequest("limit", "limit must be between 1 and 500");
        }
        return imports.recent(limit);
    }

    @GetMapping("/imports/{id}")
    @Operation(summary = "One Stripe import: status, phase, objects read, events stored and posted, rate, ETA, cursors")
    public StripeImports.Status one(@PathVariable long id) {
        return imports.status(id).orElseThrow(() -> ApiException.notFound("Stripe import " + id));
    }

    @PostMapping("/imports/{id}/cancel")
    @Operation(summary = "Ask a running import to stop between two pages (admin)")
    public ResponseEntity<Map<String, Object>> cancel(@PathVariable long id) {
        StripeImports.Status status = one(id);
        if (!imports.cancel(id)) {
            throw ApiException.conflict("Stripe import " + id + " is " + status.status() + ", not running");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("jobId", status.jobId());
        answer.put("cancelRequested", true);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer);
    }

    @GetMapping("/recovery")
    @Operation(summary = "Missed-event recovery: the last run and the totals of all runs")
    public Map<String, Object> recovery() {
        return recovery.summary();
    }

    @PostMapping("/recovery/runs")
    @Operation(summary = "Run the missed-event recovery now (admin); 409 while another instance runs it")
    public StripeEventRecovery.Run recoverNow(Principal user) {
        if (!imports.configured()) {
            throw notConfigured();
        }
        StripeEventRecovery.Run run = recovery.recover(user == null ? null : user.getName());
        if (run.skipped()) {
            throw ApiException.conflict("the Stripe event recovery is running on another instance");
        }
        return run;
    }

    private static ApiException notConfigured() {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "stripe_not_configured",
                "no Stripe API key configured (ledgerbridge.stripe.api-key / STRIPE_API_KEY): Stripe cannot be read", null);
    }

    private static LocalDate date(Map<String, Object> body, String field) {
        Object value = body.get(field);
        if (value == null) {
            throw ApiException.badRequest(field, "'" + field + "' is required (yyyy-MM-dd)");
        }
        try {
            return LocalDate.parse(value.toString());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field, "'" + field + "' must be a date yyyy-MM-dd, not '" + value + "'");
        }
    }
}
