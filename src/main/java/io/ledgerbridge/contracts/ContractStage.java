package io.ledgerbridge.contracts;

import io.ledgerbridge.audit.AuditLog;
import io.ledgerbridge.platform.ProcessedMessages;
import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;
import io.ledgerbridge.inbox.PipelineState;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.contracts.domain.ContractRules;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.LedgerMappings;
import io.ledgerbridge.exceptions.ExceptionDecided;
import io.ledgerbridge.canonical.UnroutableEventException;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The contract stage named by {@code routes/contracts/contracts-process.camel.yaml}: joins a
 * closed-won CRM deal and its signed contract (whichever comes first waits for the other), finds
 * the golden customer, validates the terms with the rules of {@code mappings/contracts/validation.yaml},
 * and either marks the contract ready to act on or opens an exception for a person. A person's
 * decision resumes the flow from the stored contract. Each message's effects are committed once,
 * with the consumer's record of it, in one transaction.
 */
@Component("contractStage")
public class ContractStage {

    private static final Logger log = LoggerFactory.getLogger(ContractStage.class);
    static final String CONSUMER = "contracts";

    /** The contracts a message made ready to act on, as act requests ({"contractId":..., "inboxId":...}). */
    public record Decision(List<String> ready) {
    }

    private final ExceptionQueue exceptions;
    private final AuditLog auditLog;
    private final ProcessedMessages processed;
    private final PipelineState states;
    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final CustomerDirectory customers;
    private final LedgerMappings catalogue;
    private final ContractRules rules;
    private final ProducerTemplate producer;
    private final ExceptionTexts texts;
    private final int resumeAfterSeconds;

    public ContractStage(JdbcTemplate jdbc, ObjectMapper mapper, CustomerDirectory customers, LedgerMappings catalogue,
                         @Value("${ledgerbridge.mappings-dir}") String mappingsDir, @Lazy ProducerTemplate producer,
                         @Value("${ledgerbridge.contracts.resume-after-seconds:60}") int resumeAfterSeconds, ExceptionTexts texts,
                         ExceptionQueue exceptions, AuditLog auditLog, ProcessedMessages processed, PipelineState states) {
        this.processed = processed;
        this.exceptions = exceptions;
        this.states = states;
        this.auditLog = auditLog;
        this.resumeAfterSeconds = resumeAfterSeconds;
        this.texts = texts;
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.customers = customers;
        this.catalogue = catalogue;
        this.rules = ContractRulesLoader.load(Path.of(mappingsDir));
        this.producer = producer;
    }

    public ContractRules.SkuKind kind(String sku) {
        return catalogue.sku(sku).map(s -> switch (s.rule().method()) {
            case "ratable" -> ContractRules.SkuKind.RECURRING;
            case "usage_in_arrears" -> ContractRules.SkuKind.USAGE;
            default -> ContractRules.SkuKind.ONE_TIME;
        }).orElse(ContractRules.SkuKind.UNKNOWN);
    }

    /** Applies a deal or contract event once; returns the contracts it made ready. */
    @Transactional
    public Decision accept(CanonicalEvent event) {
        boolean first = processed.first(CONSUMER, event.source() + ":" + event.sourceEventId());
        if (!first) {
            return new Decision(List.of());
        }
        return switch (event.type()) {
            case DEAL_CLOSED_WON -> deal(event);
            case CONTRACT_SIGNED -> contract(event);
            default -> throw new UnroutableEventException("the contract stage takes deals and contracts, not " + event.type());
        };
    }

    private Decision deal(CanonicalEvent event) {
        Deal d = event.deal();
        lock(d.crm(), d.id());
        jdbc.update("""
                insert into deal (crm, deal_id, account_id, account_name, domain, amount, currency, close_date, owner_email,
                                  inbox_event_id, name, owner_name, stage, pipeline)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (crm, deal_id) do update set account_id = excluded.account_id, account_name = excluded.account_name,
                    domain = excluded.domain, amount = excluded.amount, currency = excluded.currency,
                    close_date = excluded.close_date, owner_email = excluded.owner_email,
                    inbox_event_id = excluded.inbox_event_id, received_at = now(), name = excluded.name,
                    owner_name = excluded.owner_name, stage = excluded.stage, pipeline = excluded.pipeline""",
                d.crm(), d.id(), d.accountId(), d.accountName(), d.domain(), d.amount(), d.currency(),
                d.closeDate() == null ? null : Date.valueOf(d.closeDate()), d.ownerEmail(), event.inboxId(), d.name(), d.ownerName(),
                d.stage(), d.pipeline());
        eventStatus(event.inboxId(), "posted", "closed-won deal recorded");
        audit("system", "deal_recorded", "deal", d.crm() + ":" + d.id(), event.inboxId(),
                Map.of("amount", String.valueOf(d.amount()), "currency", String.valueOf(d.currency())));
        List<String> ready = new ArrayList<>();
        for (String id : jdbc.queryForList("select id from contract where crm = ? and deal_id = ? and status = 'waiting_for_deal' order by id",
                String.class, d.crm(), d.id())) {
            jdbc.update("update contract set deal_event_id = ? where id = ?", event.inboxId(), id);
            if (evaluate(id, d, Set.of())) {
                ready.add(actRequest(id));
            }
        }
        return new Decision(ready);
    }

    private Decision contract(CanonicalEvent event) {
        Contract c = event.contract();
        String id = "ctr-" + c.source() + "-" + c.documentId();
        if (c.dealId() != null) {
            lock(c.crm(), c.dealId());
        }
        Long total = null;
        try {
            total = ContractRules.total(c, this::kind);
        } catch (RuntimeException e) {
            log.debug("contract {} has no computable total yet: {}", id, e.getMessage());
        }
        int inserted = jdbc.update("""
                insert into contract (id, source, document_id, crm, deal_id, status, terms, total, currency, requested_by, inbox_event_id)
                values (?, ?, ?, ?, ?, 'waiting_for_deal', ?::jsonb, ?, ?, ?, ?) on conflict (source, document_id) do nothing""",
                id, c.source(), c.documentId(), c.crm(), c.dealId(), json(c), total, c.currency(), c.sentBy(), event.inboxId());
        if (inserted == 0) {
            eventStatus(event.inboxId(), "ignored", "contract " + id + " was already received");
            return new Decision(List.of());
        }
        audit("system", "contract_received", "contract", id, event.inboxId(), Map.of("total", String.valueOf(total)));
        Deal deal = c.dealId() == null ? null : deal(c.crm(), c.dealId());
        if (c.dealId() != null && deal == null) {
            states.waiting(event.inboxId(), "deal:" + c.crm() + ":" + c.dealId(), "waiting for the closed-won CRM deal");
            log.info("Contract {} waits for {} deal {}", id, c.crm(), c.dealId());
            return new Decision(List.of());
        }
        if (deal != null) {
            jdbc.update("update contract set deal_event_id = (select inbox_event_id from deal where crm = ? and deal_id = ?) where id = ?",
                    c.crm(), c.dealId(), id);
        }
        return new Decision(evaluate(id, deal, Set.of()) ? List.of(actRequest(id)) : List.of());
    }

    /**
     * Customer, then validation; true when the contract is ready to act on. {@code waived} are the
     * problems a person already accepted (a contract without its CRM deal, a customer match).
     */
    private boolean evaluate(String id, Deal deal, Set<String> waived) {
        Map<String, Object> row = jdbc.queryForMap(
                "select terms::text as terms, customer_id, requested_by, inbox_event_id, source, document_id from contract where id = ?", id);
        Contract c = read((String) row.get("terms"));
        Long inboxId = (Long) row.get("inbox_event_id");
        String requester = row.get("requested_by") != null ? (String) row.get("requested_by") : texts.requester(c, deal);
        String customerId = (String) row.get("customer_id");
        if (customerId == null) {
            String name = deal != null && deal.accountName() != null ? deal.accountName() : c.customerLegalName();
            String domain = deal != null && deal.domain() != null ? deal.domain() : c.domain();
            CustomerDirectory.Match m = deal != null
                    ? customers.match(deal.crm(), deal.accountId(), name, domain)
                    : customers.match(c.source(), c.documentId(), name, domain);
            if (m.needsReview()) {
                Map<String, Object> candidate = jdbc.queryForMap("select id, legal_name, domain from customer where id = ?", m.candidateId());
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("contractId", id);
                details.put("candidate", candidate);
                details.put("party", Map.of("name", String.valueOf(name), "domain", String.valueOf(domain),
                        "system", deal != null ? deal.crm() : c.source(),
                        "externalId", String.valueOf(deal != null ? deal.accountId() : c.documentId())));
                details.put("why", m.how());
                long ex = exception("customer_match", id, inboxId, null, texts.customerMatch(c, name, domain,
                        (String) candidate.get("legal_name"), (String) candidate.get("domain"), m.how()), details, requester);
                jdbc.update("update contract set status = 'customer_review', status_reason = ?, exception_id = ?, updated_at = now() where id = ?",
                        "possible existing customer " + m.candidateId(), ex, id);
                eventStatus(inboxId, "exception", "customer match needs a person");
                return false;
            }
            customerId = m.customerId();
            customers.link(c.source(), c.documentId(), customerId);
            if (deal != null) {
                customers.link(deal.crm(), deal.accountId(), customerId);
            }
            jdbc.update("update contract set customer_id = ?, updated_at = now() where id = ?", customerId, id);
            audit("system", "customer_matched", "contract", id, inboxId, Map.of("customer", customerId, "how", m.how()));
        }
        Map<String, Object> activeRow = jdbc.queryForList("""
                select id, terms::text as terms from contract where customer_id = ? and status = 'active' and id <> ?
                order by acted_at desc limit 1""", customerId, id).stream().findFirst().orElse(null);
        Contract active = activeRow == null ? null : read((String) activeRow.get("terms"));
        List<ContractRules.Problem> problems = rules.check(c, deal, this::kind, active).stream()
                .filter(p -> !waived.contains(p.code())).toList();
        if (activeRow != null) {
            jdbc.update("update contract set amends = ? where id = ?", activeRow.get("id"), id);
        }
        if (!problems.isEmpty()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("contractId", id);
            details.put("problems", problems);
            if (deal != null) {
                details.put("deal", Map.of("crm", deal.crm(), "id", deal.id(), "amount", String.valueOf(deal.amount())));
            }
            String summary = texts.validation(c, deal, problems);
            long ex = exception("contract_validation", id, inboxId, customerId, summary, details, requester);
            jdbc.update("update contract set status = 'exception', status_reason = ?, exception_id = ?, updated_at = now() where id = ?",
                    String.join(",", problems.stream().map(ContractRules.Problem::code).toList()), ex, id);
            eventStatus(inboxId, "exception", summary);
            log.info("Contract {} needs approval: {}", id, summary);
            return false;
        }
        jdbc.update("update contract set status = 'ready', status_reason = 'terms valid', updated_at = now() where id = ?", id);
        eventStatus(inboxId, "posted", "contract valid, ready for billing");
        audit("system", "contract_validated", "contract", id, inboxId, Map.of("customer", customerId));
        return true;
    }

    /** A person decided an exception: resume or stop the contract it holds, in the decision's transaction. */
    @EventListener
    public void onDecision(ExceptionDecided decided) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select x.kind, coalesce(x.subject_id, c.id) as contract_id from exception_item x
                left join contract c on c.inbox_event_id = x.inbox_event_id and x.kind = 'dependency_missing'
                where x.id = ? and (x.subject_type = 'contract' or c.id is not null)""", decided.id());
        if (rows.isEmpty()) {
            return;
        }
        String kind = (String) rows.get(0).get("kind");
        String id = (String) rows.get(0).get("contract_id");
        Map<String, Object> contract = jdbc.queryForMap("select status, crm, deal_id, inbox_event_id, exception_id from contract where id = ? for update", id);
        boolean approved = "approved".equals(decided.decision());
        Long inboxId = (Long) contract.get("inbox_event_id");
        audit(decided.user(), "contract_" + decided.decision(), "contract", id, inboxId,
                Map.of("exception", String.valueOf(decided.id()), "kind", kind, "reason", decided.reason()));
        boolean ready = false;
        switch (kind) {
            case "contract_validation" -> {
                if (approved) {
                    jdbc.update("update contract set status = 'ready', status_reason = ?, updated_at = now() where id = ? and status = 'exception'",
                            "approved by " + decided.user() + ": " + decided.reason(), id);
                    eventStatus(inboxId, "posted", "approved by " + decided.user());
                    ready = true;
                } else {
                    reject(id, inboxId, decided);
                }
            }
            case "customer_match" -> {
                Map<String, Object> ex = jdbc.queryForMap("select details::text as details from exception_item where id = ?", decided.id());
                Map<String, Object> details = readMap((String) ex.get("details"));
                @SuppressWarnings("unchecked")
                Map<String, Object> party = (Map<String, Object>) details.get("party");
                @SuppressWarnings("unchecked")
                Map<String, Object> candidate = (Map<String, Object>) details.get("candidate");
                String customerId = approved ? (String) candidate.get("id")
                        : customers.create((String) party.get("system"), (String) party.get("externalId"),
                                (String) party.get("name"), "null".equals(party.get("domain")) ? null : (String) party.get("domain"));
                customers.link((String) party.get("system"), (String) party.get("externalId"), customerId);
                Map<String, Object> c = jdbc.queryForMap("select source, document_id from contract where id = ?", id);
                customers.link((String) c.get("source"), (String) c.get("document_id"), customerId);
                jdbc.update("update contract set customer_id = ?, status = 'evaluating', updated_at = now() where id = ?", customerId, id);
                ready = evaluate(id, contract.get("deal_id") == null ? null : deal((String) contract.get("crm"), (String) contract.get("deal_id")),
                        Set.of());
            }
            case "dependency_missing" -> {
                if (!"waiting_for_deal".equals(contract.get("status"))) {
                    return;
                }
                if (approved) {
                    // go ahead without the CRM deal: every other rule still applies
                    ready = evaluate(id, null, Set.of("no_deal"));
                } else {
                    reject(id, inboxId, decided);
                }
            }
            default -> {
                return;
            }
        }
        if (ready) {
            actAfterCommit(id, inboxId);
        }
    }

    private void reject(String id, Long inboxId, ExceptionDecided decided) {
        jdbc.update("update contract set status = 'rejected', status_reason = ?, updated_at = now() where id = ?",
                "rejected by " + decided.user() + ": " + decided.reason(), id);
        states.exception(inboxId, "contract rejected by " + decided.user());
    }

    private String actRequest(String id) {
        Long inboxId = jdbc.queryForObject("select inbox_event_id from contract where id = ?", Long.class, id);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("contractId", id);
        request.put("inboxId", inboxId);
        return json(request);
    }

    /** Acts once the decision is committed (the resume timer re-drives it if this instance stops first). */
    private void actAfterCommit(String id, Long inboxId) {
        String body = actRequest(id);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    producer.asyncSendBody("direct:contract-act", body);
                }
            });
        } else {
            producer.asyncSendBody("direct:contract-act", body);
        }
    }

    /** Ready contracts nobody is acting on (after a crash or a failed hand-over), as act requests. */
    public List<String> stalled() {
        int seconds = resumeAfterSeconds;
        return jdbc.queryForList("""
                select '{"contractId":"' || id || '","inboxId":' || coalesce(inbox_event_id::text, 'null') || '}' from contract
                where (status = 'ready' and updated_at < now() - make_interval(secs => ?))
                   or (status = 'acting' and updated_at < now() - make_interval(secs => ? * 5))
                order by updated_at limit 100""", String.class, seconds, seconds);
    }

    Deal deal(String crm, String dealId) {
        List<Map<String, Object>> rows = jdbc.queryForList("select * from deal where crm = ? and deal_id = ?", crm, dealId);
        if (rows.isEmpty()) {
            return null;
        }
        Map<String, Object> r = rows.get(0);
        Date close = (Date) r.get("close_date");
        return new Deal(crm, dealId, (String) r.get("name"), (String) r.get("stage"), true, (String) r.get("account_id"),
                (String) r.get("account_name"), (String) r.get("domain"), (Long) r.get("amount"),
                r.get("currency") == null ? null : ((String) r.get("currency")).trim(), close == null ? null : close.toLocalDate(),
                (String) r.get("owner_email"), (String) r.get("owner_name"), (String) r.get("pipeline"));
    }

    private long exception(String kind, String contractId, Long inboxId, String customerId, String summary,
                           Map<String, Object> details, String requester) {
        return exceptions.open(new NewException(kind, inboxId, customerId, summary, details, requester, "contract", contractId));
    }

    private void eventStatus(Long inboxId, String status, String reason) {
        if (inboxId != null) {
            states.finished(inboxId, status, reason.length() > 500 ? reason.substring(0, 500) : reason);
        }
    }

    public void audit(String actor, String action, String subjectType, String subjectId, Long inboxId, Map<String, String> details) {
        auditLog.record(actor, action, subjectType, subjectId, inboxId, details);
    }

    private void lock(String crm, String dealId) {
        jdbc.queryForList("select pg_advisory_xact_lock(hashtext(?))", "deal:" + crm + ":" + dealId);
    }

    public Contract read(String json) {
        try {
            return mapper.readValue(json, Contract.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored contract terms unreadable", e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readMap(String json) {
        try {
            return mapper.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
