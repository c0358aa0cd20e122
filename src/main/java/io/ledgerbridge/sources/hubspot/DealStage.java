package io.ledgerbridge.sources.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A HubSpot deal stage as the CRM pipelines API (v3) describes it: {@code metadata.isClosed} and
 * {@code metadata.probability} ("1.0" for a won stage, "0.0" for a lost one), whatever the stage's id
 * ({@code closedwon} in the default pipeline, a number in a custom one). Which metadata makes a stage
 * won is the deal mapping's to say ({@code wonStage} of {@code mappings/hubspot/deal.v1.yaml},
 * {@link DealMapping#won(DealStage)}), not this record's.
 */
public record DealStage(String pipelineId, String pipelineLabel, String id, String label, boolean closed, BigDecimal probability) {

    /** "closed won" (when the mapping says the stage is won), "closed lost" or "open (probability 0.6)". */
    public String state(boolean won) {
        if (won) {
            return "closed won";
        }
        if (closed) {
            return "closed lost";
        }
        return "open (probability " + (probability == null ? "unknown" : probability.toPlainString()) + ")";
    }

    /** "stage 'Closed lost' (1083517593) of pipeline 'Enterprise renewals' (775623190)". */
    public String describe() {
        return "stage '" + label + "' (" + id + ") of pipeline '" + pipelineLabel + "' (" + pipelineId + ")";
    }

    /**
     * The stages of a pipelines answer, by pipeline id and stage id: the list of
     * {@code GET /crm/v3/pipelines/deals} ({@code {"results": [pipeline...]}}) or one pipeline.
     */
    public static Map<String, Map<String, DealStage>> index(JsonNode answer) {
        Map<String, Map<String, DealStage>> pipelines = new HashMap<>();
        JsonNode results = answer.has("results") ? answer.get("results") : null;
        for (JsonNode pipeline : results != null && results.isArray() ? results : java.util.List.of(answer)) {
            String pipelineId = pipeline.path("id").asText(null);
            JsonNode stages = pipeline.path("stages");
            if (pipelineId == null || !stages.isArray()) {
                throw new MappingException("HubSpot pipelines answer: a pipeline without an id or stages");
            }
            Map<String, DealStage> byId = new LinkedHashMap<>();
            for (JsonNode stage : stages) {
                JsonNode metadata = stage.path("metadata");
                String probability = metadata.path("probability").asText("");
                BigDecimal p;
                try {
                    p = probability.isBlank() ? null : new BigDecimal(probability);
                } catch (NumberFormatException e) {
                    throw new MappingException("HubSpot pipeline " + pipelineId + " stage " + stage.path("id").asText()
                            + ": probability '" + probability + "' is not a number");
                }
                byId.put(stage.path("id").asText(), new DealStage(pipelineId, pipeline.path("label").asText(pipelineId),
                        stage.path("id").asText(), stage.path("label").asText(stage.path("id").asText()),
                        "true".equalsIgnoreCase(metadata.path("isClosed").asText("false")), p));
            }
            pipelines.put(pipelineId, Map.copyOf(byId));
        }
        return pipelines;
    }
}
