package io.ledgerbridge.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.ledgerbridge.canonical.mapping.MappingException;
import io.ledgerbridge.sources.stripe.StripeEventMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden fixtures: every real-shaped Stripe payload in mappings/fixtures/stripe maps to exactly its
 * expected canonical form ({@code <type>.canonical.json} beside it). Run with -Dgolden.update=true
 * to write missing expectations (then review them before committing).
 */
class StripeGoldenFixturesTest {

    static final Path FIXTURES = Path.of("mappings/fixtures/stripe");
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    static final StripeEventMapper MAPPER = new StripeEventMapper(Path.of("mappings"), JSON, StripeEventMapper.FeeLookup.NONE);

    static Stream<Path> fixtures() throws IOException {
        // the fixtures of our own scenarios, and the golden corpus of Stripe's published objects per API version (openapi/<version>/)
        try (Stream<Path> files = Files.walk(FIXTURES)) {
            List<Path> list = files.filter(StripeGoldenFixturesTest::isPayload).sorted().toList();
            return list.stream();
        }
    }

    /** A source payload (not an expectation, not a prerequisite of another fixture). */
    static boolean isPayload(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(".json") && !name.endsWith(".canonical.json") && !name.endsWith(".entries.json")
                && !name.startsWith("_");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void payloadMapsToItsGoldenCanonicalForm(Path fixture) throws IOException {
        CanonicalEvent event = MAPPER.map(1L, Files.readString(fixture));
        JsonNode actual = JSON.readTree(JSON.writeValueAsString(event));
        Path expectedFile = Path.of(fixture.toString().replace(".json", ".canonical.json"));
        if (!Files.exists(expectedFile) && Boolean.getBoolean("golden.update")) {
            Files.writeString(expectedFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n");
        }
        assertThat(expectedFile).as("golden file for " + fixture.getFileName()).exists();
        assertThat(actual).isEqualTo(JSON.readTree(expectedFile.toFile()));
    }

    @Test
    void theWorkedExampleMapsToTheCent() throws IOException {
        CanonicalEvent invoice = MAPPER.map(1L, Files.readString(FIXTURES.resolve("invoice.finalized.json")));
        assertThat(invoice.type()).isEqualTo(CanonicalType.INVOICE_FINALIZED);
        assertThat(invoice.invoice().total()).isEqualTo(1_200_000);
        assertThat(invoice.invoice().currency()).isEqualTo("USD");
        assertThat(invoice.invoice().lines().get(0).periodStart()).hasToString("2026-01-15T00:00:00Z");
        assertThat(invoice.invoice().lines().get(0).periodEnd()).hasToString("2027-01-15T00:00:00Z");
        CanonicalEvent charge = MAPPER.map(2L, Files.readString(FIXTURES.resolve("charge.succeeded.json")));
        assertThat(charge.payment().fee()).isEqualTo(34_830);
        assertThat(charge.payment().invoiceRef()).isEqualTo("in_LBworked1");
    }

    @Test
    void informationalAndUnknownTypesAreIgnoredWithAReason() throws IOException {
        CanonicalEvent created = MAPPER.map(1L, Files.readString(FIXTURES.resolve("openapi/2024-06-20/invoice.created.json")));
        assertThat(created.type()).isEqualTo(CanonicalType.IGNORED);
        assertThat(created.ignoredReason()).contains("posted when finalized");
        CanonicalEvent paid = MAPPER.map(1L, Files.readString(FIXTURES.resolve("invoice.paid.json")));
        assertThat(paid.type()).isEqualTo(CanonicalType.INVOICE_PAID);
        CanonicalEvent unknown = MAPPER.map(1L, "{\"id\":\"evt_1\",\"type\":\"radar.early_fraud_warning.created\",\"data\":{\"object\":{\"id\":\"x\"}}}");
        assertThat(unknown.ignoredReason()).contains("no mapping");
    }

    @Test
    void aPendingRefundKeepsItsStatusForTheLedger() throws IOException {
        String pending = Files.readString(FIXTURES.resolve("refund.created.json")).replace("\"succeeded\"", "\"pending\"");
        CanonicalEvent event = MAPPER.map(1L, pending);
        assertThat(event.type()).isEqualTo(CanonicalType.REFUND_ISSUED);
        assertThat(event.refund().status()).isEqualTo("pending");
    }

    @Test
    void aPayloadThatDoesNotFitItsMappingIsRefusedNamingTheField() throws IOException {
        String bad = Files.readString(FIXTURES.resolve("payout.paid.json")).replace("\"amount\": 1065170", "\"amount\": \"lots\"");
        assertThatThrownBy(() -> MAPPER.map(1L, bad)).isInstanceOf(MappingException.class).hasMessageContaining("amount");
        assertThatThrownBy(() -> MAPPER.map(1L, "not json")).isInstanceOf(MappingException.class);
    }

    @Test
    void newerStripeShapesAreReadThroughFallbacks() throws IOException {
        String basil = Files.readString(FIXTURES.resolve("invoice.finalized.json"))
                .replace("\"price\": {", "\"pricing\": {\"price_details\": {\"product\": \"prod_platform_annual\", \"price\": \"price_LBannual\"}}, \"old_price\": {")
                .replace("\"plan\": {", "\"old_plan\": {");
        CanonicalEvent event = MAPPER.map(1L, basil);
        assertThat(event.invoice().lines().get(0).productRef()).isEqualTo("prod_platform_annual");
    }

    @Test
    void aMappingFileErrorNamesTheFileAndLine(@TempDir Path dir) throws IOException {
        Path stripe = Files.createDirectories(dir.resolve("stripe"));
        Files.createDirectories(dir.resolve("canonical"));
        try (Stream<Path> schemas = Files.list(Path.of("mappings/canonical"))) {
            for (Path s : schemas.toList()) {
                Files.copy(s, dir.resolve("canonical").resolve(s.getFileName()));
            }
        }
        Files.writeString(stripe.resolve("payout.v1.yaml"), """
                version: stripe/payout.v1
                object: payout
                target: payout
                occurredAt: arrival_date:epoch
                events:
                  payout.paid: PAYOUT_PAID
                fields:
                  id: id
                  amout: amount
                """);
        assertThatThrownBy(() -> new StripeEventMapper(dir, JSON, StripeEventMapper.FeeLookup.NONE))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("stripe/payout.v1.yaml:9")
                .hasMessageContaining("'amout' is not a field");
        Files.writeString(stripe.resolve("payout.v1.yaml"), "version: [unclosed\n");
        assertThatThrownBy(() -> new StripeEventMapper(dir, JSON, StripeEventMapper.FeeLookup.NONE))
                .isInstanceOf(MappingException.class).hasMessageContaining("stripe/payout.v1.yaml:");
    }
}
