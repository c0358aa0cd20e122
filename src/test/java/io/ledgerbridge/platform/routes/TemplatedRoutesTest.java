package io.ledgerbridge.platform.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes made from a route template by templated routes, in a Camel context of its own that reloads a
 * folder of route files as the product does ({@code camel.main.routes-reload-*}): their descriptions
 * name template parameters, and a change of their file reloads them (a new template, a templated route
 * removed), while a file that does not load leaves them serving.
 */
class TemplatedRoutesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private CamelContext camel;
    private ProducerTemplate producer;

    private static String routes(String reply, boolean withFrench) {
        return """
                - routeTemplate:
                    id: greeter
                    parameters:
                      - name: name
                      - name: greeting
                      - name: description
                    route:
                      description: "Greets in {{description}}"
                      from:
                        uri: "direct:{{name}}"
                        steps:
                          - setBody:
                              simple: "%s {{greeting}}"
                - templatedRoute:
                    routeTemplateRef: greeter
                    routeId: greet-english
                    parameters:
                      - name: name
                        value: english
                      - name: greeting
                        value: hello
                      - name: description
                        value: English
                """.formatted(reply) + (withFrench ? """
                - templatedRoute:
                    routeTemplateRef: greeter
                    routeId: greet-french
                    parameters:
                      - name: name
                        value: french
                      - name: greeting
                        value: bonjour
                      - name: description
                        value: French
                """ : "");
    }

    /** Replaces the file in one step, as an editor saving it does (the watcher never sees it half written). */
    private void write(String yaml) throws Exception {
        Path tmp = dir.resolve("greeters.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, dir.resolve("greeters.camel.yaml"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @BeforeEach
    void start() throws Exception {
        write(routes("v1", true));
        camel = new DefaultCamelContext();
        camel.getCamelContextExtension().getContextPlugin(Model.class).addModelLifecycleStrategy(new TemplatedRoutes());
        RouteWatcherReloadStrategy watcher = new RouteWatcherReloadStrategy(dir.toString(), false);
        watcher.setPattern("*.camel.yaml");
        watcher.setRemoveAllRoutes(false); // camel.main.routes-reload-remove-all-routes: false, as in application.yml
        camel.addService(watcher);
        PluginHelper.getRoutesLoader(camel).loadRoutes(
                ResourceHelper.resolveMandatoryResource(camel, "file:" + dir.resolve("greeters.camel.yaml")));
        camel.start();
        assertThat(TemplatedRoutes.follow(camel)).isTrue();
        producer = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    private String greet(String name) {
        return producer.requestBody("direct:" + name, "", String.class);
    }

    @Test
    void aRouteDescriptionNamesTheTemplateParameters() {
        assertThat(camel.getRoute("greet-english").getDescription()).isEqualTo("Greets in English");
        assertThat(camel.getRoute("greet-french").getDescription()).isEqualTo("Greets in French");
        assertThat(TemplatedRoutes.resolve("{{a}} and {{ b }}, not {{c}}", Map.of("a", "one", "b", "two")))
                .isEqualTo("one and two, not {{c}}");
    }

    @Test
    void aChangedTemplateFileRemakesItsRoutesAndRemovesATemplatedRouteItNoLongerHas() throws Exception {
        assertThat(greet("english")).isEqualTo("v1 hello");
        assertThat(greet("french")).isEqualTo("v1 bonjour");

        write(routes("v2", true));
        await().atMost(WAIT).ignoreExceptions().until(() -> greet("english").equals("v2 hello"));
        assertThat(greet("french")).isEqualTo("v2 bonjour");
        assertThat(camel.getRoute("greet-french").getDescription()).isEqualTo("Greets in French");

        write(routes("v3", false));
        await().atMost(WAIT).ignoreExceptions().until(() -> camel.getRoute("greet-french") == null);
        assertThat(greet("english")).isEqualTo("v3 hello");
        assertThat(camel.getRoutes()).hasSize(1);
    }

    @Test
    void aFileThatDoesNotLoadLeavesThePreviousRoutesServing() throws Exception {
        write(routes("v2", true).replace("routeTemplateRef: greeter", "routeTemplateRef: [greeter"));
        Thread.sleep(3_000);
        assertThat(greet("english")).isEqualTo("v1 hello");
        assertThat(greet("french")).isEqualTo("v1 bonjour");

        write(routes("v2", true));
        await().atMost(WAIT).ignoreExceptions().until(() -> greet("english").equals("v2 hello"));
    }
}
