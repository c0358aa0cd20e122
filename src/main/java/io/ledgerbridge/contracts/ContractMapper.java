package io.ledgerbridge.contracts;

import io.ledgerbridge.sources.hubspot.DealStage;

import io.ledgerbridge.sources.hubspot.HubspotClient;
import io.ledgerbridge.sources.hubspot.HubspotPipelines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The canonical step for the commercial sources, named by {@code routes/canonical/canonical-map-events.camel.yaml}:
 * CRM deals (Salesforce, HubSpot) and signed documents (DocuSign, PandaDoc) to canonical
 * {@code DEAL_CLOSED_WON} and {@code CONTRACT_SIGNED} events, with the versioned mappings of
 * {@code mappings/<source>/}. Anything else they send is recorded as ignored, with the reason.
 */
@Component("contractMapper")
public class ContractMapper {

    /** The sources this mapper has mappings for. */
    public static final Set<String> SOURCES = Set.of("salesforce", "hubspot", "docusign", "pandadoc");

    private final ObjectMapper mapper;
    private final HubspotClient hubspot;
    private final HubspotPipelines pipelines;
    private final TermsMapping docusign;
    private final TermsMapping pandadoc;
    private final DealMapping salesforce;
    private final DealMapping hubspotDeal;

    public ContractMapper(@Value("${ledgerbridge.mappings-dir}") String mappingsDir, ObjectMapper mapper, HubspotClient hubspot,
                          HubspotPipelines pipelines) {
        this.mapper = mapper;
        this.hubspot = hubspot;
        this.pipelines = pipelines;
        Path base = Path.of(mappingsDir);
        this.docusign = TermsMapping.load(base, "docusign");
        this.pandadoc = TermsMapping.load(base, "pandadoc");
        this.salesforce = DealMapping.load(base, "salesforce/opportunity.v1.yaml");
        this.hubspotDeal = DealMapping.load(base, "hubspot/deal.v1.yaml");
    }

    public CanonicalEvent map(Long inboxId, String source, String eventId, String eventType, String payload) {
        JsonNode body = read(payload);
        return switch (source) {
            case "docusign" -> terms(docusign, inboxId, source, eventId, eventType, body);
            case "pandadoc" -> terms(pandadoc, inboxId, source, eventId, eventType, body);
            case "salesforce" -> deal(salesforce, inboxId, source, eventId, eventType, body);
            case "hubspot" -> hubspot(inboxId, eventId, eventType, body);
            default -> throw new MappingException("no contract mapping for source " + source);
        };
    }

    private CanonicalEvent terms(TermsMapping m, Long inboxId, String source, String eventId, String eventType, JsonNode body) {
        TermsMapping.Result r = m.map(eventType, body);
        Instant at = r.occurredAt() == null ? Instant.now() : r.occurredAt();
        if (r.contract() == null) {
            return CanonicalEvent.ignored(inboxId, source, eventId, eventType, at, null, r.ignoredReason());
        }
        return CanonicalEvent.contract(inboxId, source, eventId, eventType, at, r.version(), r.contract());
    }

    private CanonicalEvent deal(DealMapping m, Long inboxId, String source, String eventId, String eventType, JsonNode record) {
        Deal deal = m.map(record);
        if (!deal.won()) {
            return CanonicalEvent.ignored(inboxId, source, eventId, eventType, at(deal), deal.accountId(),
                    "deal " + deal.id() + " is not closed won (stage " + deal.stage() + ")");
        }
        return CanonicalEvent.deal(inboxId, source, eventId, eventType, at(deal), m.version(), deal);
    }

    private static Instant at(Deal deal) {
        return deal.closeDate() == null ? Instant.now() : deal.closeDate().atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /**
     * A HubSpot deal webhook says which deal changed, not whether it is won: a new deal or a change of
     * its stage reads the deal, which says it ({@code hs_is_closed_won}) or whose stage's metadata in
     * the pipelines API does. Changes of other properties cannot close a deal.
     */
    private CanonicalEvent hubspot(Long inboxId, String eventId, String eventType, JsonNode event) {
        String property = event.path("propertyName").asText("");
        boolean stageChange = "deal.propertyChange".equals(eventType) && "dealstage".equals(property);
        if (!stageChange && !"deal.creation".equals(eventType)) {
            return CanonicalEvent.ignored(inboxId, "hubspot", eventId, eventType, Instant.now(), null,
                    eventType + (property.isEmpty() ? "" : " of " + property) + ": only a new deal or a change of its stage can close it");
        }
        JsonNode record = hubspot.deal(event.path("objectId").asText());
        Deal deal = hubspotDeal.map(record, pipelines::stage);
        if (!deal.won()) {
            return CanonicalEvent.ignored(inboxId, "hubspot", eventId, eventType, at(deal), deal.accountId(),
                    "HubSpot deal " + deal.id() + (deal.name() == null ? "" : " '" + deal.name() + "'") + " is not closed won: "
                            + notWon(deal));
        }
        return CanonicalEvent.deal(inboxId, "hubspot", eventId, eventType, at(deal), hubspotDeal.version(), deal);
    }

    /** Where a HubSpot deal that is not won stands, by its stage's metadata. */
    private String notWon(Deal deal) {
        if (deal.pipeline() == null || deal.stage() == null) {
            return "it has no " + (deal.pipeline() == null ? "pipeline" : "stage");
        }
        DealStage stage = pipelines.stage(deal.pipeline(), deal.stage());
        return stage.describe() + " is " + stage.state(hubspotDeal.won(stage));
    }

    /** The source fields a document mapping reads a contract term from ("customer_legal_name"). */
    public String termSource(String source, String term) {
        return switch (source) {
            case "docusign" -> docusign.source(term);
            case "pandadoc" -> pandadoc.source(term);
            default -> null;
        };
    }

    /** The source field a CRM deal mapping reads a canonical deal field from ("properties.amount"). */
    public String dealSource(String crm, String field) {
        return switch (crm == null ? "" : crm) {
            case "salesforce" -> salesforce.source(field);
            case "hubspot" -> hubspotDeal.source(field);
            default -> null;
        };
    }

    private JsonNode read(String payload) {
        try {
            return mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new MappingException("payload is not JSON: " + e.getOriginalMessage());
        }
    }
}
