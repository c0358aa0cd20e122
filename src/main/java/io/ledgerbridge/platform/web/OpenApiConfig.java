package io.ledgerbridge.platform.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at /api/openapi.json: the admin API (from the controllers) and the webhook
 * endpoints, which Camel routes serve and are therefore described here.
 */
@Configuration
public class OpenApiConfig {

    @Bean
    OpenAPI ledgerbridgeOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Ledgerbridge").version("0.1.0")
                        .description("Contract-to-cash integration middleware: webhooks in, double-entry ledger, admin and ops API.")
                        .license(new License().name("Apache-2.0")))
                .components(new Components().addSecuritySchemes("basic",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic")))
                .addSecurityItem(new SecurityRequirement().addList("basic"));
    }

    @Bean
    OpenApiCustomizer webhookPaths() {
        return openApi -> {
            openApi.path("/webhooks/stripe", webhook("stripeWebhook",
                    "Stripe events (invoice.*, charge.*, refund.*, credit_note.*, payout.*, customer.*)",
                    "Verified with the Stripe-Signature header (t=, v1= HMAC-SHA256 of t.body, 300 s tolerance).",
                    header("Stripe-Signature")));
            openApi.path("/webhooks/docusign", webhook("docusignWebhook",
                    "DocuSign Connect JSON (envelope-completed and others)",
                    "X-DocuSign-Signature-1 (and -2, ... during a key rotation): base64 HMAC-SHA256 of the body with a Connect key.",
                    header("X-DocuSign-Signature-1")));
            openApi.path("/webhooks/pandadoc", webhook("pandadocWebhook",
                    "PandaDoc document state changes (a JSON array of events)",
                    "The signature query parameter is the hex HMAC-SHA256 of the body with the shared key.",
                    new Parameter().in("query").name("signature").required(true)));
            openApi.path("/webhooks/hubspot", webhook("hubspotWebhook",
                    "HubSpot deal property changes (a JSON array of events)",
                    "X-HubSpot-Signature-v3: base64 HMAC-SHA256 of method + URI + body + timestamp with the client secret; "
                            + "X-HubSpot-Request-Timestamp older than 5 minutes is refused.",
                    header("X-HubSpot-Signature-v3"), header("X-HubSpot-Request-Timestamp")));
            openApi.path("/webhooks/salesforce", webhook("salesforceWebhook",
                    "Opportunity callouts from a Salesforce Flow or Apex ({\"eventId\", \"opportunity\": {...}})",
                    "X-Signature: hex HMAC-SHA256 of the body with the shared secret.",
                    header("X-Signature")));
        };
    }

    private static Parameter header(String name) {
        return new Parameter().in("header").name(name).required(true);
    }

    private static PathItem webhook(String id, String summary, String signature, Parameter... parameters) {
        Operation op = new Operation().operationId(id).summary(summary)
                .description(signature + " The raw event is stored before the answer; processing happens after it.")
                .addTagsItem("webhooks")
                .security(java.util.List.of())
                .requestBody(new RequestBody().required(true).content(new Content()
                        .addMediaType("application/json", new MediaType().schema(new ObjectSchema()))))
                .responses(new ApiResponses()
                        .addApiResponse("200", json("accepted ({\"status\":\"accepted\",\"id\":...}) or duplicate ({\"status\":\"duplicate\"})"))
                        .addApiResponse("400", json("malformed body: not JSON, or a required field missing"))
                        .addApiResponse("401", json("missing or invalid signature, or timestamp outside the tolerance"))
                        .addApiResponse("405", json("only POST"))
                        .addApiResponse("413", json("body over the size limit (1 MiB by default)"))
                        .addApiResponse("415", json("content type other than application/json"))
                        .addApiResponse("503", json("the event could not be stored; retry")));
        for (Parameter p : parameters) {
            op.addParametersItem(p);
        }
        return new PathItem().post(op);
    }

    private static ApiResponse json(String description) {
        return new ApiResponse().description(description)
                .content(new Content().addMediaType("application/json", new MediaType().schema(new ObjectSchema())));
    }
}
