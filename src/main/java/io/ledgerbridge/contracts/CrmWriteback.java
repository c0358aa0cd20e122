package io.ledgerbridge.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.mapping.YamlSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The billing status written back to the CRM deal (named by {@code routes/contracts/contracts-act.camel.yaml}):
 * which CRM, and the request body with the fields of {@code mappings/contracts/writeback.yaml}. The
 * route sends it (camel-salesforce {@code updateSObject}, camel-http PATCH to HubSpot);
 * {@link #confirm} records it and makes the contract active.
 */
@Component("crmWriteback")
public class CrmWriteback {

    private static final Logger log = LoggerFactory.getLogger(CrmWriteback.class);
    public static final String TARGET = "lbCrmTarget";

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final ContractStage stage;
    private final boolean salesforceEnabled;
    private final String hubspotToken;
    private final Map<String, Map<String, String>> fields = new LinkedHashMap<>();
    private final String salesforceObject;

    public CrmWriteback(JdbcTemplate jdbc, ObjectMapper mapper, ContractStage stage,
                        @Value("${ledgerbridge.mappings-dir}") String mappingsDir,
                        @Value("${ledgerbridge.salesforce.client-id:}") String salesforceClient,
                        @Value("${ledgerbridge.hubspot.access-token:}") String hubspotToken) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.stage = stage;
        this.salesforceEnabled = salesforceClient != null && !salesforceClient.isBlank();
        this.hubspotToken = hubspotToken;
        Path base = Path.of(mappingsDir);
        YamlSource yaml = YamlSource.read(base.resolve("contracts/writeback.yaml"), base);
        Map<String, Node> top = yaml.entries(yaml.root());
        String object = "Opportunity";
        for (String crm : new String[] {"salesforce", "hubspot"}) {
            Node block = yaml.required(top, yaml.root(), crm);
            Map<String, Node> b = yaml.entries(block);
            if (b.containsKey("object")) {
                object = yaml.scalar(b.get("object"));
            }
            Map<String, String> f = new LinkedHashMap<>();
            yaml.entries(yaml.required(b, block, "fields")).forEach((k, v) -> {
                if (!java.util.Set.of("status", "stripeCustomer", "stripeSubscription").contains(k)) {
                    throw yaml.error(v, "'" + k + "' is not a write-back value (status, stripeCustomer, stripeSubscription)");
                }
                f.put(k, yaml.scalar(v));
            });
            fields.put(crm, f);
        }
        this.salesforceObject = object;
    }

    /** salesforce, hubspot, or none (not configured, no deal, nothing done): the route's choice. */
    public String target(ActResult result) {
        if (result.skipped() || result.dealId() == null || result.crm() == null) {
            return "none";
        }
        if ("salesforce".equals(result.crm()) && salesforceEnabled) {
            return "salesforce";
        }
        if ("hubspot".equals(result.crm()) && hubspotToken != null && !hubspotToken.isBlank()) {
            return "hubspot";
        }
        log.info("Contract {}: no {} credentials configured, billing status not written back", result.contractId(), result.crm());
        return "none";
    }

    public String salesforceObject() {
        return salesforceObject;
    }

    /** The Opportunity fields as a raw JSON body; the record id goes in the sObjectId header. */
    public String salesforce(Exchange exchange) {
        ActResult r = exchange.getProperty("billing", ActResult.class);
        exchange.getMessage().setHeader("sObjectId", r.dealId());
        return json(values("salesforce", r));
    }

    /** The HubSpot deal properties, PATCHed with the private-app token. */
    public String hubspot(Exchange exchange) {
        ActResult r = exchange.getProperty("billing", ActResult.class);
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "PATCH");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setHeader("Authorization", "Bearer " + hubspotToken);
        return json(Map.of("properties", values("hubspot", r)));
    }

    private Map<String, String> values(String crm, ActResult r) {
        Map<String, String> f = fields.get(crm);
        Map<String, String> v = new LinkedHashMap<>();
        v.put(f.get("status"), "Billing Active");
        if (r.stripeCustomerId() != null) {
            v.put(f.get("stripeCustomer"), r.stripeCustomerId());
        }
        if (r.subscriptionId() != null) {
            v.put(f.get("stripeSubscription"), r.subscriptionId());
        }
        return v;
    }

    /** Records the write-back (when there was one) and makes the contract active. */
    public ActResult confirm(Exchange exchange) {
        ActResult r = exchange.getProperty("billing", ActResult.class);
        String target = exchange.getProperty(TARGET, String.class);
        if (r.skipped()) {
            return r;
        }
        if (!"none".equals(target)) {
            jdbc.update("""
                    insert into contract_action (contract_id, step, system, operation, external_id, request, status, detail, approved_by,
                                                 inbox_event_id)
                    values (?, 'crm.writeback', ?, 'update', ?, ?::jsonb, 'done', 'billing status written to the deal', ?, ?)
                    on conflict (contract_id, step) do nothing""",
                    r.contractId(), target, r.dealId(), json(values(target, r)), r.approvedBy(), r.inboxId());
            stage.audit("crm-writeback", target + ".update", "contract", r.contractId(), r.inboxId(), Map.of("deal", r.dealId()));
        }
        jdbc.update("update contract set status = 'active', status_reason = ?, acted_at = now(), updated_at = now() where id = ?",
                "billing active in Stripe" + ("none".equals(target) ? "" : ", written back to " + target), r.contractId());
        stage.audit("system", "contract_active", "contract", r.contractId(), r.inboxId(),
                Map.of("stripeCustomer", String.valueOf(r.stripeCustomerId()), "subscription", String.valueOf(r.subscriptionId())));
        log.info("Contract {} is active: Stripe customer {}, subscription {}", r.contractId(), r.stripeCustomerId(), r.subscriptionId());
        return r;
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
