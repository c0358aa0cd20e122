package io.ledgerbridge.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route file under {@code routes/} (any depth, {@code *.yaml}) against the Camel YAML DSL JSON
 * Schema shipped inside camel-yaml-dsl ({@code schema/camelYamlDsl.json}, the schema Kaoto and the
 * Camel tooling use). Camel's loader is more lenient than the schema (it converts a number where the
 * schema asks for a string), so a file the product loads can still be refused by the tools: this
 * test keeps the files valid for both. A failure names each file and the path of each violation.
 */
class RouteSchemaTest {

    private static final Path ROUTES = Path.of("routes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = RouteSchemaTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            assertThat(in).as("schema/camelYamlDsl.json from the camel-yaml-dsl jar on the classpath").isNotNull();
            JsonNode node = new ObjectMapper().readTree(in);
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(node);
        }
    }

    static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.walk(ROUTES)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }

    static List<String> violations(Path file, String yaml) throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode routes = YAML.readTree(yaml);
        if (routes == null) {
            out.add(file + ": empty file (the DSL expects a list)");
            return out;
        }
        Set<ValidationMessage> problems = schema.validate(routes);
        // the message starts with the path of the violation in the file ($[0].route.from.steps[2]...)
        problems.stream().map(p -> file + ": " + p.getMessage()).sorted().forEach(out::add);
        return out;
    }

    @Test
    void everyRouteFileValidatesAgainstTheCamelYamlDslSchema() throws IOException {
        List<Path> files = routeFiles();
        assertThat(files).as("route files under " + ROUTES.toAbsolutePath()).isNotEmpty();
        List<String> all = new ArrayList<>();
        for (Path file : files) {
            all.addAll(violations(file, Files.readString(file)));
        }
        assertThat(all).as("Camel YAML DSL schema violations in " + files.size() + " route files").isEmpty();
    }

    @Test
    void theCheckReachesIntoRouteTemplatesAndTemplatedRoutes() throws IOException {
        // the webhook routes are a routeTemplate and one templatedRoute per sender: both are checked
        String yaml = """
                - routeTemplate:
                    id: probe-template
                    parameters:
                      - name: source
                    route:
                      routeConfigurationId: lb-webhook
                      from:
                        uri: "platform-http:/webhooks/{{source}}"
                        steps:
                          - removeHeaders:
                              patern: "Camel*"
                - templatedRoute:
                    routeTemplateRef: probe-template
                    routeId: probe-webhook
                    parameters:
                      - name: source
                        value: 42
                """;
        List<String> found = violations(Path.of("routes/probe.camel.yaml"), yaml);
        assertThat(found).anySatisfy(v -> assertThat(v).startsWith("routes/probe.camel.yaml: $[0].routeTemplate.route.from.steps[0]"));
        assertThat(found).contains("routes/probe.camel.yaml: $[1].templatedRoute.parameters[0].value: integer found, string expected");
    }

    @Test
    void theCheckFindsAViolationWithItsFileAndPath() throws IOException {
        // the shape that slipped through before: a number where the schema asks for a string
        String yaml = """
                - routeConfiguration:
                    id: probe
                    errorHandler:
                      defaultErrorHandler:
                        redeliveryPolicy:
                          redeliveryDelay: 250
                """;
        List<String> found = violations(Path.of("routes/probe.camel.yaml"), yaml);
        assertThat(found).isNotEmpty().allSatisfy(v -> assertThat(v).startsWith("routes/probe.camel.yaml: $[0].routeConfiguration"));
        assertThat(found).contains("routes/probe.camel.yaml: $[0].routeConfiguration.errorHandler.defaultErrorHandler"
                + ".redeliveryPolicy.redeliveryDelay: integer found, string expected");
    }
}
