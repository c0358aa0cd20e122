package io.ledgerbridge.sources.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Reads a HubSpot deal with its company and owner (CRM API v3, private-app or OAuth bearer token)
 * after a deal webhook, which only says which deal changed, and the deal pipelines with their stages.
 * A 429 or 5xx is retried by the route's
 * error handling; a deal that no longer exists is a mapping error for a person.
 */
@Component
public class HubspotClient {

    private final String apiBase;
    private final String token;
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public HubspotClient(@Value("${ledgerbridge.hubspot.api-base:https://api.hubapi.com}") String apiBase,
                         @Value("${ledgerbridge.hubspot.access-token:}") String token, ObjectMapper mapper) {
        this.apiBase = apiBase.replaceAll("/+$", "");
        this.token = token;
        this.mapper = mapper;
    }

    public boolean configured() {
        return token != null && !token.isBlank();
    }

    /** The deal as {@code mappings/hubspot/deal.v1.yaml} reads it: the deal with {@code company} and {@code owner}. */
    public ObjectNode deal(String dealId) {
        if (!configured()) {
            throw new IllegalStateException("HubSpot deal " + dealId + " cannot be read: no HUBSPOT_ACCESS_TOKEN configured");
        }
        JsonNode deal = get("/crm/v3/objects/deals/" + dealId
                + "?properties=dealname,amount,deal_currency_code,closedate,pipeline,dealstage,hs_is_closed_won,hubspot_owner_id"
                + "&associations=companies", "deal " + dealId);
        ObjectNode out = ((ObjectNode) deal).deepCopy();
        JsonNode companies = deal.path("associations").path("companies").path("results");
        if (companies.isArray() && !companies.isEmpty()) {
            String companyId = companies.get(0).path("id").asText();
            out.set("company", get("/crm/v3/objects/companies/" + companyId + "?properties=name,domain", "company " + companyId));
        }
        String owner = deal.path("properties").path("hubspot_owner_id").asText("");
        if (!owner.isBlank()) {
            out.set("owner", get("/crm/v3/owners/" + owner, "owner " + owner));
        }
        return out;
    }

    /** Every deal pipeline with its stages ({@code GET /crm/v3/pipelines/deals}). */
    public JsonNode pipelines() {
        if (!configured()) {
            throw new IllegalStateException("HubSpot deal pipelines cannot be read: no HUBSPOT_ACCESS_TOKEN configured");
        }
        return get("/crm/v3/pipelines/deals", "deal pipelines");
    }

    private JsonNode get(String path, String what) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiBase + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("HubSpot " + what + " could not be read: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading HubSpot " + what, e);
        }
        int status = response.statusCode();
        if (status == 404) {
            throw new MappingException("HubSpot " + what + " does not exist (404)");
        }
        if (status >= 400) {
            // 401/403 (token), 429 (rate limit), 5xx: retried, then dead-lettered with this message
            throw new IllegalStateException("HubSpot " + what + " could not be read: HTTP " + status);
        }
        try {
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new MappingException("HubSpot " + what + ": answer is not JSON");
        }
    }
}
