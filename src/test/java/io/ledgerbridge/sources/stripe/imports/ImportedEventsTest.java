package io.ledgerbridge.sources.stripe.imports;

import io.ledgerbridge.sources.stripe.imports.ImportedEvents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events an object's state stands for: types, stable ids and when each happened. */
class ImportedEventsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    final ImportedEvents events = new ImportedEvents(JSON);

    private ObjectNode object(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    private List<String> ids(String json) throws Exception {
        return events.of(object(json), "2024-06-20").stream().map(e -> e.eventId() + " " + e.type() + " "
                + e.envelope().path("created").asLong()).toList();
    }

    @Test
    void invoicesByStatus() throws Exception {
        assertThat(ids("{\"id\":\"in_1\",\"object\":\"invoice\",\"status\":\"draft\",\"created\":5}")).isEmpty();
        assertThat(ids("""
                {"id":"in_1","object":"invoice","status":"paid","created":5,
                 "status_transitions":{"finalized_at":10,"paid_at":20}}""")).containsExactly(
                "import:in_1:finalized invoice.finalized 10", "import:in_1:paid invoice.paid 20");
        assertThat(ids("""
                {"id":"in_2","object":"invoice","status":"void","created":5,
                 "status_transitions":{"finalized_at":10,"voided_at":30}}""")).containsExactly(
                "import:in_2:finalized invoice.finalized 10", "import:in_2:voided invoice.voided 30");
        assertThat(ids("""
                {"id":"in_3","object":"invoice","status":"uncollectible","created":5,
                 "status_transitions":{"finalized_at":10,"marked_uncollectible_at":40}}""")).containsExactly(
                "import:in_3:finalized invoice.finalized 10", "import:in_3:marked_uncollectible invoice.marked_uncollectible 40");
    }

    @Test
    void paymentsRefundsDisputesPayoutsCreditsAndBalances() throws Exception {
        assertThat(ids("{\"id\":\"ch_1\",\"object\":\"charge\",\"status\":\"succeeded\",\"captured\":true,\"created\":7}"))
                .containsExactly("import:ch_1:succeeded charge.succeeded 7");
        assertThat(ids("{\"id\":\"ch_2\",\"object\":\"charge\",\"status\":\"succeeded\",\"captured\":false,\"created\":7}")).isEmpty();
        assertThat(ids("{\"id\":\"ch_3\",\"object\":\"charge\",\"status\":\"failed\",\"captured\":false,\"created\":7}")).isEmpty();
        assertThat(ids("{\"id\":\"re_1\",\"object\":\"refund\",\"status\":\"succeeded\",\"created\":8}"))
                .containsExactly("import:re_1:created refund.created 8");
        assertThat(ids("""
                {"id":"du_1","object":"dispute","status":"lost","created":9,
                 "balance_transactions":[{"created":9},{"created":50}]}""")).containsExactly(
                "import:du_1:created charge.dispute.created 9", "import:du_1:closed charge.dispute.closed 50");
        assertThat(ids("{\"id\":\"po_1\",\"object\":\"payout\",\"status\":\"paid\",\"created\":1,\"arrival_date\":86400}"))
                .containsExactly("import:po_1:paid payout.paid 86400");
        assertThat(ids("{\"id\":\"po_2\",\"object\":\"payout\",\"status\":\"in_transit\",\"created\":1,\"arrival_date\":2}")).isEmpty();
        assertThat(ids("{\"id\":\"cn_1\",\"object\":\"credit_note\",\"status\":\"issued\",\"created\":11}"))
                .containsExactly("import:cn_1:created credit_note.created 11");
        assertThat(ids("{\"id\":\"cbtxn_1\",\"object\":\"customer_balance_transaction\",\"created\":12}"))
                .containsExactly("import:cbtxn_1:created customer.balance_transaction.created 12");
        assertThat(ids("""
                {"id":"inpay_1","object":"invoice_payment","status":"paid","created":13,"status_transitions":{"paid_at":14}}"""))
                .containsExactly("import:inpay_1:paid invoice_payment.paid 14");
    }

    @Test
    void theEnvelopeIsAStripeEvent() throws Exception {
        ObjectNode e = events.of(object("{\"id\":\"ch_1\",\"object\":\"charge\",\"status\":\"succeeded\",\"captured\":true,\"created\":7}"),
                "2024-06-20").get(0).envelope();
        assertThat(e.path("object").asText()).isEqualTo("event");
        assertThat(e.path("api_version").asText()).isEqualTo("2024-06-20");
        assertThat(e.path("data").path("object").path("id").asText()).isEqualTo("ch_1");
    }
}
