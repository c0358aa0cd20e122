package io.ledgerbridge.contracts;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.ledgerbridge.support.ContractFixtures.acme;
import static io.ledgerbridge.support.ContractFixtures.fixture;
import static io.ledgerbridge.support.StripeEvents.uid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.ledgerbridge.support.ContractFixtures;
import io.ledgerbridge.support.ContractFixtures.Acme;
import io.ledgerbridge.support.FakeSaas;
import io.ledgerbridge.support.LedgerbridgeTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a person reads in the review queue about a contract: the document (kind, id, title, sender)
 * or CRM deal (id, name, owner) a problem is about and, for something missing, the field it is read
 * from; the requester is the document's sender, else the deal's owner. Over HTTP, signed webhooks in.
 */
@LedgerbridgeTest
class ContractExceptionTextsTest {

    private static final Duration WAIT = Duration.ofSeconds(45);

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    private WireMockServer saas() {
        return FakeSaas.server();
    }

    private Map<String, Object> openException(String contractId) {
        await().atMost(WAIT).until(() -> "exception".equals(jdbc.queryForList("select status from contract where id = ?", String.class,
                contractId).stream().findFirst().orElse(null)));
        return jdbc.queryForMap("""
                select kind, summary, requested_by from exception_item
                where subject_type = 'contract' and subject_id = ? and status = 'open'""", contractId);
    }

    @AfterEach
    void noContractExceptionSaysNullOrHasNoRequester() {
        List<Map<String, Object>> all = jdbc.queryForList(
                "select summary, requested_by from exception_item where subject_type = 'contract'");
        assertThat(all).isNotEmpty().allSatisfy(x -> {
            assertThat((String) x.get("summary")).doesNotContainIgnoringCase("null");
            assertThat(x.get("requested_by")).isNotNull();
        });
    }

    @Test
    void aDocuSignEnvelopeWithoutTheLegalNameIsNamedWithItsSenderAndTheMissingField() {
        Acme a = acme("Initrode " + uid() + " Corp");
        String envelope = a.contract().replace("\"tabLabel\": \"customer_legal_name\"", "\"tabLabel\": \"customer_name_typo\"");
        assertThat(ContractFixtures.salesforce(port, a.deal()).statusCode()).isEqualTo(200);
        assertThat(ContractFixtures.docusign(port, envelope).statusCode()).isEqualTo(200);

        Map<String, Object> ex = openException(a.contractId());

        assertThat(ex.get("kind")).isEqualTo("contract_validation");
        assertThat(ex.get("summary")).isEqualTo("DocuSign envelope " + a.envelope() + " 'Please DocuSign: " + a.name()
                + " - Order Form' sent by Sam Seller (sam.seller@ledgerbridge.test): missing legal name of the customer"
                + " (field customer_legal_name)");
        assertThat(ex.get("requested_by")).isEqualTo("sam.seller@ledgerbridge.test");
    }

    @Test
    void aPandaDocDocumentWithoutTheLegalNameAndAHubSpotDealWithoutAnAmountAreEachNamed() {
        String u = uid();
        String dealId = "96" + Math.abs(u.hashCode());
        String companyId = "53" + Math.abs(u.hashCode());
        String doc = "pdx" + u;
        saas().stubFor(get(urlPathEqualTo("/crm/v3/objects/deals/" + dealId)).willReturn(okJson(fixture("hubspot/deal.api.json")
                .replace("9876543210", dealId).replace("5123450001", companyId).replace("\"amount\": \"24000\",", ""))));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/objects/companies/" + companyId)).willReturn(okJson(fixture("hubspot/company.api.json")
                .replace("5123450001", companyId).replace("Globex Industries Ltd", "Globex " + u + " Ltd")
                .replace("globex.example", "globex-" + u + ".example"))));
        saas().stubFor(get(urlPathEqualTo("/crm/v3/owners/7481523")).willReturn(okJson(fixture("hubspot/owner.api.json"))));
        String webhook = fixture("hubspot/deal.propertyChange.json").replace("1839120001", "19" + Math.abs(u.hashCode()))
                .replace("9876543210", dealId);
        assertThat(ContractFixtures.hubspot(port, webhook).statusCode()).isEqualTo(200);
        String document = fixture("pandadoc/document_state_changed.json").replace("msFYActMfJHqNTKH8YSvF1", doc)
                .replace("9876543210", dealId).replace("{\"name\": \"Client.Company\", \"value\": \"Globex Industries Ltd\"},", "")
                .replace("globex.example", "globex-" + u + ".example");
        assertThat(ContractFixtures.pandadoc(port, document).statusCode()).isEqualTo(200);

        Map<String, Object> ex = openException("ctr-pandadoc-" + doc);

        assertThat(ex.get("summary")).isEqualTo("PandaDoc document " + doc + " 'Globex Industries - Order Form' sent by Avery Approver"
                + " (approver@ledgerbridge.test): missing legal name of the customer (fields Client.Company or customer_legal_name);"
                + " SKU PREMIUM-SUPPORT is not in mappings/products.yaml;"
                + " the customer requires a PO number and the document gives none;"
                + " HubSpot deal " + dealId + " 'Globex Industries - Platform' owned by Avery Approver (approver@ledgerbridge.test):"
                + " missing amount (field properties.amount)");
        assertThat(ex.get("requested_by")).isEqualTo("approver@ledgerbridge.test");
    }

    @Test
    void anEnvelopeWithoutASenderIsRequestedByTheOwnerOfASalesforceDealThatLacksItsAmount() {
        Acme a = acme("Soylent " + uid() + " Corp");
        String deal = a.deal().replace("\"Amount\": 13350.00,", "")
                .replace("\"Name\": \"Sam Seller\", \"Email\": \"sam.seller@ledgerbridge.test\"",
                        "\"Name\": \"Olivia Owner\", \"Email\": \"Olivia.Owner@ledgerbridge.test\"");
        String envelope = a.contract().replaceFirst("(?s)\"sender\": \\{.*?\\},", "");
        assertThat(envelope).doesNotContain("Sam Seller");
        assertThat(ContractFixtures.salesforce(port, deal).statusCode()).isEqualTo(200);
        assertThat(ContractFixtures.docusign(port, envelope).statusCode()).isEqualTo(200);

        Map<String, Object> ex = openException(a.contractId());

        assertThat(ex.get("summary")).isEqualTo("DocuSign envelope " + a.envelope() + " 'Please DocuSign: " + a.name()
                + " - Order Form' sent by an unknown sender for Salesforce opportunity " + a.opportunity() + " '" + a.name()
                + " - Platform 2026' owned by Olivia Owner (olivia.owner@ledgerbridge.test): missing amount (field Amount)");
        assertThat(ex.get("requested_by")).isEqualTo("olivia.owner@ledgerbridge.test");
    }
}
