package io.ledgerbridge.contracts;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.ledgerbridge.support.ContractFixtures.fixture;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.ledgerbridge.support.ContractFixtures;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A HubSpot deal is won when the deal says so ({@code hs_is_closed_won}) or, when it does not, when
 * its stage is closed with probability 1.0 in the pipelines API, whatever the stage's id: over HTTP,
 * from the signed webhook (which only names the deal) to the deal read from HubSpot (WireMock
 * answering the CRM v3 deal, company, owner and pipelines endpoints) and the recorded deal.
 */
@LedgerbridgeTest
class HubspotWonDealTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final AtomicLong EVENT_IDS = new AtomicLong(System.currentTimeMillis() * 10);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    private WireMockServer saas() {
        return FakeSaas.server();
    }

    /** A custom pipeline of its own for one test (fresh ids, so nothing of it is cached yet): pipeline, won stage, lost stage. */
    private record Pipeline(String id, String won, String lost) {
    }

    private Pipeline freshPipeline() {
        String n = Long.toString(EVENT_IDS.incrementAndGet());
        Pipeline p = new Pipeline("7" + n.substring(n.length() - 8), "2" + n.substring(n.length() - 9), "3" + n.substring(n.length() - 9));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/pipelines/deals")).willReturn(okJson(fixture("hubspot/pipelines.api.json")
                .replace("775623190", p.id()).replace("1083517592", p.won()).replace("1083517593", p.lost()))));
        return p;
    }

    /** Serves a HubSpot deal (a fixture put in the pipeline and stages), its company and its owner; returns the deal id. */
    private String serveDeal(String fixture, Pipeline p) {
        String u = uid();
        String dealId = "97" + Math.abs(u.hashCode());
        String companyId = "52" + Math.abs(u.hashCode());
        saas().stubFor(get(urlPathEqualTo("/crm/v3/objects/deals/" + dealId)).willReturn(okJson(fixture("hubspot/" + fixture)
                .replace("9876543210", dealId).replace("5123450001", companyId)
                .replace("775623190", p.id()).replace("1083517592", p.won()).replace("1083517593", p.lost()))));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/objects/companies/" + companyId)).willReturn(okJson(fixture("hubspot/company.api.json")
                .replace("5123450001", companyId).replace("Globex Industries Ltd", "Globex " + u + " Ltd")
                .replace("globex.example", "globex-" + u + ".example"))));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/owners/7481523")).willReturn(okJson(fixture("hubspot/owner.api.json"))));
        return dealId;
    }

    /** Sends a webhook fixture about the deal, with a new event id; returns the event id. */
    private String webhook(String fixture, String dealId, String stage) {
        String eventId = Long.toString(EVENT_IDS.incrementAndGet());
        String body = fixture("hubspot/" + fixture).replace("1839120001", eventId).replace("1839120002", eventId)
                .replace("1839120003", eventId).replace("9876543210", dealId).replace("1083517592", stage);
        assertThat(ContractFixtures.hubspot(port, body).statusCode()).isEqualTo(200);
        return eventId;
    }

    private Map<String, Object> outcome(String eventId) {
        await().atMost(WAIT).until(() -> jdbc.queryForObject(
                "select count(*) from inbox_event where source = 'hubspot' and event_id = ? and status in ('posted', 'ignored')",
                Integer.class, eventId) == 1);
        return jdbc.queryForMap("select status, status_reason from inbox_event where source = 'hubspot' and event_id = ?", eventId);
    }

    private int pipelineReads() {
        return saas().findAll(getRequestedFor(urlPathEqualTo("/crm/v3/pipelines/deals"))).size();
    }

    private List<Map<String, Object>> recorded(String dealId) {
        return jdbc.queryForList("select deal_id, name, stage, pipeline, owner_name, amount from deal where crm = 'hubspot' and deal_id = ?",
                dealId);
    }

    @Test
    void dealsWonInACustomPipelineWithoutHsIsClosedWonAreRecordedAndThePipelinesAreReadOnce() {
        Pipeline p = freshPipeline();
        String first = serveDeal("deal-custom-pipeline-no-closed-won.api.json", p);
        String second = serveDeal("deal-custom-pipeline-no-closed-won.api.json", p);
        int before = pipelineReads();

        Map<String, Object> one = outcome(webhook("deal.propertyChange.custom-pipeline.json", first, p.won()));
        Map<String, Object> two = outcome(webhook("deal.propertyChange.custom-pipeline.json", second, p.won()));

        assertThat(one.get("status")).isEqualTo("posted");
        assertThat(two.get("status")).isEqualTo("posted");
        assertThat(recorded(first)).singleElement().satisfies(d -> {
            assertThat(d.get("stage")).isEqualTo(p.won());
            assertThat(d.get("pipeline")).isEqualTo(p.id());
            assertThat(d.get("name")).isEqualTo("Globex Industries - Renewal 2026");
            assertThat(d.get("owner_name")).isEqualTo("Avery Approver");
            assertThat(d.get("amount")).isEqualTo(2_400_000L);
        });
        assertThat(recorded(second)).hasSize(1);
        // the first deal's unknown stage read the pipelines; the second found them in the cache
        assertThat(pipelineReads() - before).isEqualTo(1);
    }

    @Test
    void aDealThatSaysItIsWonNeedsNoPipelinesAndANewDealIsReadToo() {
        Pipeline p = freshPipeline();
        String dealId = serveDeal("deal-custom-pipeline.api.json", p);
        int before = pipelineReads();

        // deal.creation carries no stage: the deal is read, and says it is won
        Map<String, Object> created = outcome(webhook("deal.creation.json", dealId, p.won()));

        assertThat(created.get("status")).isEqualTo("posted");
        assertThat(recorded(dealId)).singleElement().satisfies(d -> assertThat(d.get("stage")).isEqualTo(p.won()));
        assertThat(pipelineReads() - before).isZero();
        assertThat(saas().findAll(getRequestedFor(urlPathEqualTo("/crm/v3/objects/deals/" + dealId)))).singleElement()
                .satisfies(r -> assertThat(r.queryParameter("properties").values().get(0).split(","))
                        .contains("hs_is_closed_won", "dealstage", "pipeline", "amount", "dealname", "hubspot_owner_id"));
    }

    @Test
    void aDealMovedToAClosedLostCustomStageIsIgnoredNamingTheStageAndPipeline() {
        Pipeline p = freshPipeline();
        String dealId = serveDeal("deal-closed-lost.api.json", p);

        Map<String, Object> lost = outcome(webhook("deal.propertyChange.custom-pipeline.json", dealId, p.lost()));

        assertThat(lost.get("status")).isEqualTo("ignored");
        assertThat(lost.get("status_reason")).isEqualTo("HubSpot deal " + dealId + " 'Globex Industries - Renewal 2026' is not closed won: "
                + "stage 'Lost to competitor' (" + p.lost() + ") of pipeline 'Enterprise renewals' (" + p.id() + ") is closed lost");
        assertThat(recorded(dealId)).isEmpty();
    }

    @Test
    void aChangeOfAnotherPropertyIsIgnoredWithoutReadingTheDeal() {
        Pipeline p = freshPipeline();
        String dealId = serveDeal("deal-custom-pipeline.api.json", p);
        String eventId = Long.toString(EVENT_IDS.incrementAndGet());
        String body = fixture("hubspot/deal.propertyChange.json").replace("1839120001", eventId).replace("9876543210", dealId)
                .replace("\"propertyName\": \"dealstage\"", "\"propertyName\": \"amount\"").replace("\"closedwon\"", "\"26000\"");
        assertThat(ContractFixtures.hubspot(port, body).statusCode()).isEqualTo(200);

        Map<String, Object> amount = outcome(eventId);

        assertThat(amount.get("status")).isEqualTo("ignored");
        assertThat(amount.get("status_reason")).isEqualTo("deal.propertyChange of amount: only a new deal or a change of its stage can close it");
        assertThat(saas().findAll(getRequestedFor(urlPathEqualTo("/crm/v3/objects/deals/" + dealId)))).isEmpty();
    }

    @Test
    void aStageAddedAfterThePipelinesWereReadIsFoundByReadingThemAgain() {
        Pipeline p = freshPipeline();
        String known = serveDeal("deal-custom-pipeline-no-closed-won.api.json", p);
        assertThat(outcome(webhook("deal.propertyChange.custom-pipeline.json", known, p.won())).get("status")).isEqualTo("posted");

        // a second won stage is added to the pipeline in HubSpot after the product cached it
        String added = "4" + p.won().substring(1);
        saas().stubFor(get(urlPathEqualTo("/crm/v3/pipelines/deals")).willReturn(okJson(fixture("hubspot/pipelines.api.json")
                .replace("775623190", p.id()).replace("1083517593", p.lost())
                .replace("\"id\": \"1083517592\"", "\"id\": \"" + added + "\"").replace("Renewal signed", "Renewal signed (multi-year)"))));
        String dealId = serveDeal("deal-custom-pipeline-no-closed-won.api.json", new Pipeline(p.id(), added, p.lost()));
        int before = pipelineReads();

        assertThat(outcome(webhook("deal.propertyChange.custom-pipeline.json", dealId, added)).get("status")).isEqualTo("posted");
        assertThat(recorded(dealId)).singleElement().satisfies(d -> assertThat(d.get("stage")).isEqualTo(added));
        assertThat(pipelineReads() - before).isEqualTo(1);
    }
}
