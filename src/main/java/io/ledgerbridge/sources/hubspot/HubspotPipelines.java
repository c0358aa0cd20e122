package io.ledgerbridge.sources.hubspot;

import io.ledgerbridge.sources.hubspot.DealStage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The deal pipelines of the HubSpot account and their stages, read with {@code GET /crm/v3/pipelines/deals}
 * and kept for {@code ledgerbridge.hubspot.pipelines-cache-ttl} (default an hour). A stage id not in
 * the cache (a pipeline or stage added since) reads them again at once.
 */
@Component
public class HubspotPipelines {

    private static final Logger log = LoggerFactory.getLogger(HubspotPipelines.class);

    private final HubspotClient client;
    private final Cache<String, Map<String, DealStage>> pipelines;

    public HubspotPipelines(HubspotClient client, @Value("${ledgerbridge.hubspot.pipelines-cache-ttl:PT1H}") Duration ttl) {
        this.client = client;
        this.pipelines = Caffeine.newBuilder().expireAfterWrite(ttl).build();
    }

    /** The stage of a pipeline, from the cache or, when it is not there, from HubSpot. */
    public DealStage stage(String pipelineId, String stageId) {
        if (pipelineId == null || stageId == null) {
            throw new MappingException("HubSpot deal without " + (pipelineId == null ? "pipeline" : "dealstage")
                    + ": cannot tell whether it is won");
        }
        DealStage known = cached(pipelineId, stageId);
        if (known != null) {
            return known;
        }
        synchronized (this) {
            known = cached(pipelineId, stageId);
            if (known == null) {
                Map<String, Map<String, DealStage>> read = DealStage.index(client.pipelines());
                pipelines.putAll(read);
                log.info("Read the {} HubSpot deal pipelines (stage {} of pipeline {} was not known)", read.size(), stageId, pipelineId);
                known = cached(pipelineId, stageId);
            }
        }
        if (known == null) {
            Map<String, DealStage> pipeline = pipelines.getIfPresent(pipelineId);
            throw new MappingException(pipeline == null ? "HubSpot has no deal pipeline " + pipelineId
                    : "HubSpot deal pipeline " + pipelineId + " has no stage " + stageId);
        }
        return known;
    }

    private DealStage cached(String pipelineId, String stageId) {
        Map<String, DealStage> stages = pipelines.getIfPresent(pipelineId);
        return stages == null ? null : stages.get(stageId);
    }
}
