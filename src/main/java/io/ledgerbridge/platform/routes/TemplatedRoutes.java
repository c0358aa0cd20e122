package io.ledgerbridge.platform.routes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ResourceReload;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What Camel 4.18 leaves out for routes made from a {@code routeTemplate} by a {@code templatedRoute}
 * (the signed webhooks, {@code routes/ingress/ingress-webhooks.camel.yaml}):
 * <ul>
 * <li>the route's description may name the template's parameters ({@code description: "{{description}}"}):
 * they are put in when the route is added, as they are in its endpoints and steps;</li>
 * <li>a change of the file reloads its templated routes like any route file: Camel's reload
 * ({@code camel.main.routes-reload-enabled}) updates the route templates of a changed file but neither
 * re-creates the routes made from them nor adds or removes its templated routes. After Camel's own reload of
 * a file, each of its templated routes is made again from the updated template (the route with that id is
 * replaced) and a route made from one of its templates whose templated route is no longer in the file is
 * removed (a template's templated routes are expected in its file, as in {@code ingress-webhooks.camel.yaml}).
 * A file that does not load changes nothing: the previous routes keep serving.</li>
 * </ul>
 */
@Component
public class TemplatedRoutes implements ModelLifecycleStrategy, CamelContextConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TemplatedRoutes.class);
    private static final Pattern PARAMETER = Pattern.compile("\\{\\{([^{}]+)}}");

    @Override
    public void onAddRouteDefinition(RouteDefinition route) {
        Map<String, Object> parameters = route.getTemplateParameters();
        String description = route.getDescriptionText();
        if (route.isCreatedFromTemplate() && description != null && parameters != null) {
            route.setDescription(resolve(description, parameters));
        }
    }

    /** The text with each {@code {{parameter}}} of the template replaced by its value (unknown ones left as they are). */
    static String resolve(String text, Map<String, Object> parameters) {
        Matcher m = PARAMETER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = parameters.get(m.group(1).trim());
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : value.toString()));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public void onRemoveRouteDefinition(RouteDefinition route) {
        // nothing kept per route
    }

    @Override
    public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {
        // nothing kept per template
    }

    @Override
    public void onRemoveRouteTemplateDefinition(RouteTemplateDefinition template) {
        // nothing kept per template
    }

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        // the descriptions: Camel adds the ModelLifecycleStrategy beans of the registry itself
    }

    /** Follows Camel's route reload, when it is on, with the templated routes of each reloaded file. */
    @Override
    public void afterApplicationStart(CamelContext camel) {
        follow(camel);
    }

    /** Installs the reload of templated routes behind the context's route watcher, if it has one; true if it did. */
    public static boolean follow(CamelContext camel) {
        RouteWatcherReloadStrategy watcher = camel.hasService(RouteWatcherReloadStrategy.class);
        if (watcher == null || watcher.getResourceReload() == null) {
            return false;
        }
        ResourceReload camelReload = watcher.getResourceReload();
        watcher.setResourceReload((name, resource) -> {
            camelReload.onReload(name, resource);
            reloadTemplatedRoutes(camel, resource);
        });
        return true;
    }

    /**
     * Makes the route templates and templated routes of a changed route file again and removes the templated
     * routes it no longer has. Camel's reload has added the file's templates beside the old ones of the same id
     * (and the old ones would still be used): they are replaced by the file's.
     */
    static void reloadTemplatedRoutes(CamelContext camel, Resource resource) {
        String location = resource.getLocation();
        if (location == null || !(location.endsWith(".yaml") || location.endsWith(".yml"))) {
            return;
        }
        try {
            List<RouteBuilder> builders = new ArrayList<>();
            Set<String> defined = new LinkedHashSet<>();
            Set<String> routes = new LinkedHashSet<>();
            for (RoutesBuilder builder : PluginHelper.getRoutesLoader(camel).findRoutesBuilders(resource)) {
                if (builder instanceof RouteBuilder rb) {
                    rb.configureRoutes(camel);
                    builders.add(rb);
                    rb.getRouteTemplateCollection().getRouteTemplates().forEach(t -> defined.add(t.getId()));
                    for (TemplatedRouteDefinition t : rb.getTemplatedRouteCollection().getTemplatedRoutes()) {
                        routes.add(t.getRouteId());
                    }
                }
            }
            if (defined.isEmpty() && routes.isEmpty()) {
                return;
            }
            Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
            for (String template : defined) {
                camel.removeRouteTemplates(template);
            }
            for (RouteBuilder rb : builders) {
                rb.getRouteTemplateCollection().setCamelContext(camel);
                model.addRouteTemplateDefinitions(rb.getRouteTemplateCollection().getRouteTemplates());
            }
            // the routes made from this file before: a templated route's source location is its template's (file:line)
            for (Route old : camel.getRoutes().stream().filter(r -> r.isCreatedByRouteTemplate() && (routes.contains(r.getRouteId())
                    || r.getSourceLocation() != null && r.getSourceLocation().startsWith(location + ":"))).toList()) {
                camel.getRouteController().stopRoute(old.getRouteId());
                camel.removeRoute(old.getRouteId());
                if (!routes.contains(old.getRouteId())) {
                    log.info("Removed route {}: its templated route is no longer in {}", old.getRouteId(), location);
                }
            }
            for (RouteBuilder rb : builders) {
                camel.addTemplatedRoutes(rb);
            }
            if (!routes.isEmpty()) {
                log.info("Reloaded the templated routes of {}: {}", location, String.join(", ", routes));
            }
        } catch (Exception e) {
            log.warn("The templated routes of {} were not reloaded: {}", location, e.getMessage());
        }
    }
}
