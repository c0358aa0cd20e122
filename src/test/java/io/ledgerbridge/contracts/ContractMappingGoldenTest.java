package io.ledgerbridge.contracts;
import io.ledgerbridge.sources.hubspot.DealStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.ledgerbridge.canonical.Deal;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden files for the contract-to-cash mappings: each real-shaped source payload in
 * {@code mappings/fixtures/<source>/} beside the canonical deal or contract it must produce.
 * After a deliberate mapping change, {@code -Dgolden.write=true} rewrites them: review the diff.
 */
class ContractMappingGoldenTest {

    private static final Path MAPPINGS = Path.of("mappings");
    private static final Path FIXTURES = MAPPINGS.resolve("fixtures");
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

    private static void assertGolden(Object actual, String expectedFile) throws Exception {
        Path expected = FIXTURES.resolve(expectedFile);
        JsonNode got = JSON.readTree(JSON.writeValueAsString(actual));
        if (Boolean.getBoolean("golden.write")) {
            // regenerate after a deliberate mapping change: -Dgolden.write=true, then review the diff
            Files.writeString(expected, got.toPrettyString() + "\n");
        }
        assertThat(Files.exists(expected)).as("golden file %s (actual: %s)", expected, got.toPrettyString()).isTrue();
        assertThat(got).isEqualTo(JSON.readTree(Files.readString(expected)));
    }

    @Test
    void aCompletedDocuSignEnvelopeGivesItsSignedTerms() throws Exception {
        JsonNode envelope = JSON.readTree(Files.readString(FIXTURES.resolve("docusign/envelope-completed.json")));
        TermsMapping.Result r = TermsMapping.load(MAPPINGS, "docusign").map("envelope-completed", envelope);
        assertThat(r.ignoredReason()).isNull();
        assertGolden(r.contract(), "docusign/envelope-completed.canonical.json");
    }

    @Test
    void otherEnvelopeEventsAreIgnoredWithTheirReason() throws Exception {
        JsonNode envelope = JSON.readTree(Files.readString(FIXTURES.resolve("docusign/envelope-completed.json")));
        TermsMapping.Result r = TermsMapping.load(MAPPINGS, "docusign").map("envelope-voided", envelope);
        assertThat(r.contract()).isNull();
        assertThat(r.ignoredReason()).contains("voided");
    }

    @Test
    void aCompletedPandaDocDocumentGivesItsSignedTerms() throws Exception {
        JsonNode event = JSON.readTree(Files.readString(FIXTURES.resolve("pandadoc/document_state_changed.json"))).get(0);
        TermsMapping.Result r = TermsMapping.load(MAPPINGS, "pandadoc").map("document_state_changed", event);
        assertGolden(r.contract(), "pandadoc/document_state_changed.canonical.json");
    }

    @Test
    void aPandaDocDocumentNotYetCompletedIsIgnored() throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(Files.readString(FIXTURES.resolve("pandadoc/document_state_changed.json"))).get(0);
        ((ObjectNode) event.get("data")).put("status", "document.sent");
        TermsMapping.Result r = TermsMapping.load(MAPPINGS, "pandadoc").map("document_state_changed", event);
        assertThat(r.contract()).isNull();
        assertThat(r.ignoredReason()).contains("document.sent");
    }

    @Test
    void aSalesforceOpportunityGivesItsDeal() throws Exception {
        JsonNode callout = JSON.readTree(Files.readString(FIXTURES.resolve("salesforce/opportunity-closed-won.json")));
        assertGolden(DealMapping.load(MAPPINGS, "salesforce/opportunity.v1.yaml").map(callout),
                "salesforce/opportunity-closed-won.canonical.json");
    }

    /** A HubSpot deal as the product reads it: the deal with its company and owner. */
    private static ObjectNode hubspotDeal(String file) throws Exception {
        ObjectNode deal = (ObjectNode) JSON.readTree(Files.readString(FIXTURES.resolve("hubspot/" + file)));
        deal.set("company", JSON.readTree(Files.readString(FIXTURES.resolve("hubspot/company.api.json"))));
        deal.set("owner", JSON.readTree(Files.readString(FIXTURES.resolve("hubspot/owner.api.json"))));
        return deal;
    }

    /** The stages of the pipelines API answer in the fixtures, by pipeline and stage id. */
    private static Map<String, Map<String, DealStage>> pipelines() throws Exception {
        return DealStage.index(JSON.readTree(Files.readString(FIXTURES.resolve("hubspot/pipelines.api.json"))));
    }

    /** The HubSpot deal mapping, which also says which stage metadata makes a deal won ({@code wonStage}). */
    private static DealMapping hubspot() {
        return DealMapping.load(MAPPINGS, "hubspot/deal.v1.yaml");
    }

    /** The deal mapped as the product maps it, with the stages of the pipelines fixture for a deal that does not say. */
    private static Deal mapHubspot(ObjectNode deal) throws Exception {
        Map<String, Map<String, DealStage>> stages = pipelines();
        return hubspot().map(deal, (p, s) -> stages.get(p).get(s));
    }

    private static Deal mapHubspot(String file) throws Exception {
        return mapHubspot(hubspotDeal(file));
    }

    @Test
    void aHubSpotDealWonInTheDefaultPipelineGivesItsDeal() throws Exception {
        Deal deal = mapHubspot("deal.api.json");
        assertThat(deal.won()).isTrue();
        assertGolden(deal, "hubspot/deal.canonical.json");
    }

    @Test
    void aHubSpotDealWonInACustomPipelineIsWonByItsOwnPropertyOrByItsStageMetadata() throws Exception {
        Deal says = mapHubspot("deal-custom-pipeline.api.json");
        assertThat(says.won()).isTrue();
        assertThat(says.stage()).isEqualTo("1083517592");
        assertGolden(says, "hubspot/deal-custom-pipeline.canonical.json");
        // without hs_is_closed_won the stage's metadata decides: closed with probability 1.0
        Deal byStage = mapHubspot("deal-custom-pipeline-no-closed-won.api.json");
        assertThat(byStage.won()).isTrue();
        assertGolden(byStage, "hubspot/deal-custom-pipeline.canonical.json");
    }

    @Test
    void aHubSpotDealInAClosedLostCustomStageIsNotWonAndItsStageIsNamed() throws Exception {
        Deal lost = mapHubspot("deal-closed-lost.api.json");
        assertThat(lost.won()).isFalse();
        DealStage stage = pipelines().get(lost.pipeline()).get(lost.stage());
        assertThat(stage.describe() + " is " + stage.state(hubspot().won(stage)))
                .isEqualTo("stage 'Lost to competitor' (1083517593) of pipeline 'Enterprise renewals' (775623190) is closed lost");
        // the same deal without hs_is_closed_won: the stage's metadata (closed, probability 0.0) says lost too
        ObjectNode unsaid = hubspotDeal("deal-closed-lost.api.json");
        ((ObjectNode) unsaid.get("properties")).remove("hs_is_closed_won");
        assertThat(mapHubspot(unsaid).won()).isFalse();
        Map<String, Map<String, DealStage>> stages = pipelines();
        DealStage open = stages.get("775623190").get("1083517589");
        DealStage closedLost = stages.get("default").get("closedlost");
        assertThat(hubspot().won(open)).isFalse();
        assertThat(open.state(hubspot().won(open))).isEqualTo("open (probability 0.6)");
        assertThat(hubspot().won(stages.get("default").get("closedwon"))).isTrue();
        assertThat(closedLost.state(hubspot().won(closedLost))).isEqualTo("closed lost");
    }

    @Test
    void theWonStageOfADealMappingIsDataAndAWrongOneFailsItsLoadNamingTheLine(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("hubspot"));
        String mapping = Files.readString(MAPPINGS.resolve("hubspot/deal.v1.yaml"));
        Files.writeString(dir.resolve("hubspot/deal.v1.yaml"), mapping.replace("probability: 1.0", "probability: certain"));
        assertThatThrownBy(() -> DealMapping.load(dir, "hubspot/deal.v1.yaml")).isInstanceOf(MappingException.class)
                .hasMessageStartingWith("hubspot/deal.v1.yaml:").hasMessageContaining("wonStage.probability: 'certain' is not a number");
        Files.writeString(dir.resolve("hubspot/deal.v1.yaml"), mapping.replace("probability: 1.0", "probability: 0.9"));
        DealStage closedWon = pipelines().get("default").get("closedwon");
        assertThat(DealMapping.load(dir, "hubspot/deal.v1.yaml").won(closedWon)).isFalse();
        assertThat(hubspot().won(closedWon)).isTrue();
    }

    @Test
    void aDealMappingNamesTheSourceFieldOfEachCanonicalField() {
        assertThat(DealMapping.load(MAPPINGS, "hubspot/deal.v1.yaml").source("amount")).isEqualTo("properties.amount");
        assertThat(DealMapping.load(MAPPINGS, "hubspot/deal.v1.yaml").source("currency")).isEqualTo("properties.deal_currency_code");
        assertThat(DealMapping.load(MAPPINGS, "salesforce/opportunity.v1.yaml").source("amount")).isEqualTo("Amount");
        assertThat(TermsMapping.load(MAPPINGS, "pandadoc").source("customerLegalName")).isEqualTo("Client.Company or customer_legal_name");
        assertThat(TermsMapping.load(MAPPINGS, "docusign").source("customerLegalName")).isEqualTo("customer_legal_name");
    }

    @Test
    void unreadableTermsNameTheTermAndTheMapping() throws Exception {
        String text = Files.readString(FIXTURES.resolve("docusign/envelope-completed.json"))
                .replace("\"value\": \"2026-01-15\"", "\"value\": \"mid January\"");
        assertThatThrownBy(() -> TermsMapping.load(MAPPINGS, "docusign").map("envelope-completed", JSON.readTree(text)))
                .isInstanceOf(MappingException.class).hasMessageContaining("docusign/envelope.v1").hasMessageContaining("startDate");
        String price = Files.readString(FIXTURES.resolve("docusign/envelope-completed.json")).replace("12,000.00", "12,000.005");
        assertThatThrownBy(() -> TermsMapping.load(MAPPINGS, "docusign").map("envelope-completed", JSON.readTree(price)))
                .isInstanceOf(MappingException.class).hasMessageContaining("line.1.price");
    }
}
