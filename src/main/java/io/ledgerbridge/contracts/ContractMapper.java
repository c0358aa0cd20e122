package io.ledgerbridge.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
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

    private static final List<String> HUBSPOT_WON = List.of("closedwon");

    private final ObjectMapper mapper;
    private final HubspotClient hubspot;
    private final TermsMapping docusign;
    private final TermsMapping pandadoc;
    private final DealMapping salesforce;
    private final DealMapping hubspotDeal;

    public ContractMapper(@Value("${ledgerbridge.mappings-dir}") String mappingsDir, ObjectMapper mapper, HubspotClient hubspot) {
        this.mapper = mapper;
        this.hubspot = hubspot;
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
            case "salesforce" -> deal(salesforce, inboxId, source, eventId, eventType, body, body);
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

    private CanonicalEvent deal(DealMapping m, Long inboxId, String source, String eventId, String eventType,
                                JsonNode record, JsonNode body) {
        Deal deal = m.map(record);
        Instant at = deal.closeDate() == null ? Instant.now() : deal.closeDate().atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        if (!deal.won()) {
            return CanonicalEvent.ignored(inboxId, source, eventId, eventType, at, deal.accountId(),
                    "deal " + deal.id() + " is not closed won (stage " + deal.stage() + ")");
        }
        return CanonicalEvent.deal(inboxId, source, eventId, eventType, at, m.version(), deal);
    }

    private CanonicalEvent hubspot(Long inboxId, String eventId, String eventType, JsonNode event) {
        String property = event.path("propertyName").asText("");
        String value = event.path("propertyValue").asText("").toLowerCase(Locale.ROOT);
        boolean stageChange = eventType.startsWith("deal.") && "dealstage".equals(property);
        if (!stageChange || !HUBSPOT_WON.contains(value)) {
            return CanonicalEvent.ignored(inboxId, "hubspot", eventId, eventType, Instant.now(), null,
                    eventType + (property.isEmpty() ? "" : " of " + property + " to '" + value + "'") + ": not a closed-won deal");
        }
        JsonNode deal = hubspot.deal(event.path("objectId").asText());
        return deal(hubspotDeal, inboxId, "hubspot", eventId, eventType, deal, deal);
    }

    private JsonNode read(String payload) {
        try {
            return mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new MappingException("payload is not JSON: " + e.getOriginalMessage());
        }
    }
}
