package io.ledgerbridge.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ledgerbridge.canonical.CanonicalType;
import io.ledgerbridge.canonical.UnroutableEventException;
import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.pipeline.CanonicalRouting.Destination;
import io.ledgerbridge.pipeline.CanonicalRouting.Mapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routing table of the canonical stage, {@code mappings/routing.yaml}: what it says, and that a
 * wrong one fails the start naming the file, the line and what is wrong.
 */
class CanonicalRoutingTest {

    private static final Path MAPPINGS = Path.of("mappings");

    @Test
    void stripeIsReadByItsVersionedMappingsAndTheCrmAndSignatureSourcesByTheContractMappings() {
        CanonicalRouting routing = new CanonicalRouting(MAPPINGS);
        assertThat(routing.mapper("stripe")).isEqualTo(Mapper.STRIPE);
        for (String source : new String[] {"salesforce", "hubspot", "docusign", "pandadoc"}) {
            assertThat(routing.mapper(source)).as(source).isEqualTo(Mapper.CONTRACTS);
        }
        assertThatThrownBy(() -> routing.mapper("zoho")).isInstanceOf(UnroutableEventException.class)
                .hasMessage("no canonical mapping for source zoho");
    }

    @Test
    void dealsAndContractsGoToTheContractStageIgnoredEventsEndAndEveryOtherTypeGoesToTheLedger() {
        CanonicalRouting routing = new CanonicalRouting(MAPPINGS);
        assertThat(routing.destination(CanonicalType.DEAL_CLOSED_WON)).isEqualTo(Destination.CONTRACTS);
        assertThat(routing.destination(CanonicalType.CONTRACT_SIGNED)).isEqualTo(Destination.CONTRACTS);
        assertThat(routing.destination(CanonicalType.IGNORED)).isEqualTo(Destination.END);
        assertThat(routing.toLedger()).isEqualTo(EnumSet.complementOf(
                EnumSet.of(CanonicalType.DEAL_CLOSED_WON, CanonicalType.CONTRACT_SIGNED, CanonicalType.IGNORED)));
    }

    private static MappingException loading(Path dir, String from, String to) throws Exception {
        String table = Files.readString(MAPPINGS.resolve(CanonicalRouting.FILE));
        assertThat(table).contains(from);
        Files.writeString(dir.resolve(CanonicalRouting.FILE), table.replace(from, to));
        try {
            new CanonicalRouting(dir);
        } catch (MappingException e) {
            return e;
        }
        throw new AssertionError("a routing table with '" + to + "' loaded");
    }

    @Test
    void anUnknownSourceMapperTypeOrDestinationFailsTheLoadNamingItAndItsLine(@TempDir Path dir) throws Exception {
        assertThat(loading(dir, "  pandadoc: contracts", "  pandadoc: contracts\n  zoho: contracts"))
                .hasMessageMatching("routing\\.yaml:\\d+: unknown source 'zoho': the contracts mapper has no mapping for it "
                        + "\\(docusign, hubspot, pandadoc, salesforce\\)");
        assertThat(loading(dir, "  stripe: stripe", "  stripe: stripe-v2"))
                .hasMessageMatching("routing\\.yaml:\\d+: source 'stripe': unknown mapper 'stripe-v2' \\(stripe, contracts\\)");
        assertThat(loading(dir, "  PAYOUT_FAILED: ledger", "  PAYOUT_FAILED: ledger\n  PAYOUT_LOST: ledger"))
                .hasMessageMatching("routing\\.yaml:\\d+: unknown canonical type 'PAYOUT_LOST'");
        assertThat(loading(dir, "  CONTRACT_SIGNED: contracts", "  CONTRACT_SIGNED: crm"))
                .hasMessageMatching("routing\\.yaml:\\d+: canonical type CONTRACT_SIGNED: unknown destination 'crm' "
                        + "\\(ledger, contracts, end\\)");
    }

    @Test
    void aTypeWithoutADestinationOrAFinanceEventThatWouldEndUnpostedFailsTheLoad(@TempDir Path dir) throws Exception {
        assertThat(loading(dir, "  PAYOUT_FAILED: ledger\n", ""))
                .hasMessageMatching("routing\\.yaml:\\d+: canonical types without a destination: PAYOUT_FAILED");
        assertThat(loading(dir, "  INVOICE_VOIDED: ledger", "  INVOICE_VOIDED: end"))
                .hasMessageMatching("routing\\.yaml:\\d+: canonical type INVOICE_VOIDED cannot end in the canonical stage: "
                        + "only IGNORED gets its outcome there");
    }
}
