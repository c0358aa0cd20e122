package io.ledgerbridge.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ledgerbridge.canonical.mapping.EventMapping;
import io.ledgerbridge.canonical.mapping.MappingCatalog;
import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.sources.stripe.StripeCatalogue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The catalogue of Stripe event types (mappings/stripe/catalogue.yaml) against the mappings: every type that moves
 * money is posted by a rule or opens an exception, none is ignored; the README's table of outcomes is the one the
 * mappings give (regenerate it with -Dgolden.update=true).
 */
class StripeCatalogueTest {

    static final Path MAPPINGS = Path.of("mappings");
    static final String BEGIN = "<!-- stripe-catalogue:begin -->";
    static final String END = "<!-- stripe-catalogue:end -->";

    @Test
    void noEventTypeThatMovesMoneyIsIgnored() {
        MappingCatalog mappings = MappingCatalog.load(MAPPINGS, "stripe");
        StripeCatalogue catalogue = StripeCatalogue.load(MAPPINGS, mappings);
        assertThat(catalogue.types()).hasSizeGreaterThan(40);
        catalogue.types().forEach((type, t) -> {
            if (t.movesMoney()) {
                assertThat(mappings.ignoredReason(type)).as(type).isEmpty();
            }
        });
        for (String core : new String[] {"invoice_payment.paid", "charge.captured", "charge.dispute.funds_withdrawn",
                                         "charge.dispute.closed", "payout.failed", "invoice.paid"}) {
            assertThat(mappings.forEventType(core)).as(core).isPresent();
        }
    }

    @Test
    void aTypeThatMovesMoneyCannotBeListedAsIgnored() throws IOException {
        Path dir = Files.createTempDirectory("mappings");
        Files.createDirectories(dir.resolve("stripe"));
        Files.writeString(dir.resolve("stripe/ignored.v1.yaml"), "version: stripe/ignored.v1\nignored:\n  payout.failed: nothing\n");
        Files.writeString(dir.resolve("stripe/catalogue.yaml"),
                "version: stripe/catalogue.v1\ntypes:\n  payout.failed: {object: payout, movesMoney: true, note: x}\n");
        MappingCatalog mappings = MappingCatalog.load(dir, "stripe");
        assertThatThrownBy(() -> StripeCatalogue.load(dir, mappings)).isInstanceOf(MappingException.class)
                .hasMessageContaining("payout.failed").hasMessageContaining("moves money");
    }

    @Test
    void theReadmeListsTheOutcomeOfEveryType() throws IOException {
        String table = table();
        Path readme = Path.of("README.md");
        String text = Files.readString(readme);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        assertThat(b).as("README has the catalogue markers").isGreaterThan(0);
        String current = text.substring(b + BEGIN.length(), e);
        if (!current.equals(table) && Boolean.getBoolean("golden.update")) {
            Files.writeString(readme, text.substring(0, b + BEGIN.length()) + table + text.substring(e));
            return;
        }
        assertThat(current).isEqualTo(table);
    }

    /** The README's table: each catalogued type, whether it moves money, and what the product does with it. */
    static String table() {
        MappingCatalog mappings = MappingCatalog.load(MAPPINGS, "stripe");
        StripeCatalogue catalogue = StripeCatalogue.load(MAPPINGS, mappings);
        StringBuilder out = new StringBuilder("\n| Stripe event type | moves money | outcome |\n|---|---|---|\n");
        for (Map.Entry<String, StripeCatalogue.Type> t : new java.util.TreeMap<>(catalogue.types()).entrySet()) {
            String type = t.getKey();
            Optional<EventMapping> m = mappings.forEventType(type);
            String outcome = m.map(x -> "posted: " + x.type() + " (`" + x.version() + "`)")
                    .or(() -> mappings.ignoredReason(type).map(r -> "recorded, ignored: " + r))
                    .orElse(t.getValue().movesMoney() ? "exception for a person: no posting rule" : "recorded, ignored: no mapping");
            out.append("| `").append(type).append("` | ").append(t.getValue().movesMoney() ? "yes" : "no").append(" | ")
                    .append(outcome).append(" |\n");
        }
        return out.toString();
    }
}
