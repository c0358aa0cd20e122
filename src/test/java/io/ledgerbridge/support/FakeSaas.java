package io.ledgerbridge.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The SaaS systems we cannot run here, faked with one WireMock server per test JVM and answering in
 * the shapes their APIs document: Stripe (customers, prices, subscriptions, invoice items; ids
 * derived from the idempotency key, so the same key gives the same object as Stripe does),
 * Salesforce (OAuth token and REST sObjects), HubSpot (CRM v3 objects; the deal pipelines of
 * {@code mappings/fixtures/hubspot/pipelines.api.json}) and a Slack incoming webhook.
 * Registered as an environment post-processor of the test profile, so the one shared application
 * context points at it from the start.
 */
public class FakeSaas implements EnvironmentPostProcessor, Ordered {

    private static WireMockServer server;

    public static synchronized WireMockServer server() {
        if (server == null) {
            WireMockConfiguration options = WireMockConfiguration.options().dynamicPort().globalTemplating(true)
                    .extensions(new FakeErp(), new FakeStripeApi()).containerThreads(40);
            // a benchmark bounds the request journal: WireMock keeps every request it served, with its answer
            Integer journal = Integer.getInteger("fakesaas.journal-entries");
            if (journal != null) {
                options.maxRequestJournalEntries(journal);
            }
            server = new WireMockServer(options);
            server.start();
            baseStubs(server);
        }
        return server;
    }

    public static String url() {
        // a child process of a fault test uses its parent's fakes, which outlive the child's crash
        String parent = System.getProperty("fakesaas.url");
        if (parent != null) {
            return parent;
        }
        return "http://localhost:" + server().port();
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (!env.acceptsProfiles(org.springframework.core.env.Profiles.of("test"))) {
            return;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("ledgerbridge.stripe.api-key", "sk_test_ledgerbridge_fake");
        p.put("ledgerbridge.stripe.api-base", url());
        // the history import and event recovery read lists from FakeStripeApi (apart from other tests' /v1 stubs)
        p.put("ledgerbridge.stripe.import.api-base", url() + FakeStripeApi.PREFIX);
        p.put("ledgerbridge.stripe.import.api-version", StripeEvents.API_VERSION);
        p.put("ledgerbridge.hubspot.api-base", url());
        p.put("ledgerbridge.hubspot.access-token", "pat-na1-test-token");
        p.put("ledgerbridge.salesforce.login-url", url());
        p.put("ledgerbridge.salesforce.client-id", "3MVG9-test-client");
        p.put("ledgerbridge.salesforce.client-secret", "test-client-secret");
        p.put("ledgerbridge.notify.webhook-url", url() + "/services/T000/B000/slacktest");
        // the ERPs: NetSuite (OAuth 2.0 M2M with a certificate), QuickBooks Online and Xero (refresh tokens)
        // (a benchmark of the webhook path may leave the ERP fakes out: they would share its CPU, a real ERP does not)
        p.put("ledgerbridge.erp.targets", Boolean.getBoolean("bench.no-erp") ? "" : "netsuite,quickbooks,xero");
        p.put("ledgerbridge.erp.netsuite.base-url", url() + "/netsuite");
        p.put("ledgerbridge.erp.netsuite.token-url", url() + "/netsuite/services/rest/auth/oauth2/v1/token");
        p.put("ledgerbridge.erp.netsuite.client-id", "ns-test-client");
        p.put("ledgerbridge.erp.netsuite.certificate-id", "ns-test-certificate");
        p.put("ledgerbridge.erp.netsuite.private-key", privateKeyPem());
        p.put("ledgerbridge.erp.quickbooks.base-url", url() + "/qbo");
        p.put("ledgerbridge.erp.quickbooks.token-url", url() + "/qbo/oauth2/v1/tokens/bearer");
        p.put("ledgerbridge.erp.quickbooks.realm-id", "9130350000000001");
        p.put("ledgerbridge.erp.quickbooks.client-id", "qbo-test-client");
        p.put("ledgerbridge.erp.quickbooks.client-secret", "qbo-test-secret");
        p.put("ledgerbridge.erp.quickbooks.refresh-token", "qbo-first-refresh-token");
        p.put("ledgerbridge.erp.xero.base-url", url() + "/xero");
        p.put("ledgerbridge.erp.xero.token-url", url() + "/xero/connect/token");
        p.put("ledgerbridge.erp.xero.tenant-id", "8f6c4f7e-0000-4000-8000-000000000001");
        p.put("ledgerbridge.erp.xero.client-id", "xero-test-client");
        p.put("ledgerbridge.erp.xero.client-secret", "xero-test-secret");
        p.put("ledgerbridge.erp.xero.refresh-token", "xero-first-refresh-token");
        // the company identity provider: bearer tokens signed with a key whose public half the product trusts
        p.put("spring.security.oauth2.resourceserver.jwt.public-key-location", "file:" + identityProviderPublicKey());
        // a child process of a fault test: what its command line says wins
        var commandLine = env.getPropertySources().get("commandLineArgs");
        if (commandLine != null) {
            p.keySet().removeIf(commandLine::containsProperty);
        }
        env.getPropertySources().addFirst(new MapPropertySource("fakeSaas", p));
    }

    private static java.security.KeyPair identityProvider;

    private static synchronized java.security.KeyPair identityProviderKeys() {
        if (identityProvider == null) {
            try {
                java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                identityProvider = g.generateKeyPair();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return identityProvider;
    }

    private static String identityProviderPublicKey() {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("idp-public", ".pem");
            file.toFile().deleteOnExit();
            java.nio.file.Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                    identityProviderKeys().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
            return file.toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bearer token of the company identity provider: subject, roles claim, lifetime (negative: already expired). */
    public static String jwt(String subject, java.util.List<String> roles, java.time.Duration lifetime) {
        try {
            java.time.Instant now = java.time.Instant.now();
            com.nimbusds.jwt.JWTClaimsSet claims = new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(subject)
                    .issuer("https://idp.ledgerbridge.test").claim("roles", roles)
                    .issueTime(java.util.Date.from(now.minusSeconds(60))).expirationTime(java.util.Date.from(now.plus(lifetime))).build();
            com.nimbusds.jwt.SignedJWT token = new com.nimbusds.jwt.SignedJWT(
                    new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.RS256), claims);
            token.sign(new com.nimbusds.jose.crypto.RSASSASigner(identityProviderKeys().getPrivate()));
            return token.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String privateKeyPem() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                    g.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    private static void baseStubs(WireMockServer s) {
        String stripeId = "{{replace request.headers.Idempotency-Key '-' ''}}";
        s.stubFor(post(urlPathEqualTo("/v1/customers")).willReturn(okJson("""
                {"id": "cus_%s", "object": "customer", "livemode": false, "created": 1768400000}""".formatted(stripeId))));
        s.stubFor(post(urlPathMatching("/v1/customers/cus_[A-Za-z0-9]+")).willReturn(okJson("""
                {"id": "{{request.pathSegments.[2]}}", "object": "customer", "livemode": false, "created": 1768400000}""")));
        s.stubFor(post(urlPathEqualTo("/v1/prices")).willReturn(okJson("""
                {"id": "price_%s", "object": "price", "active": true, "currency": "usd", "livemode": false, "type": "recurring"}"""
                .formatted(stripeId))));
        s.stubFor(post(urlPathEqualTo("/v1/subscriptions")).willReturn(okJson("""
                {"id": "sub_%1$s", "object": "subscription", "status": "active", "collection_method": "send_invoice",
                 "items": {"object": "list", "data": [{"id": "si_%1$s", "object": "subscription_item"}], "has_more": false,
                           "url": "/v1/subscription_items"}}""".formatted(stripeId))));
        s.stubFor(post(urlPathMatching("/v1/subscriptions/sub_[A-Za-z0-9]+")).willReturn(okJson("""
                {"id": "{{request.pathSegments.[2]}}", "object": "subscription", "status": "active",
                 "items": {"object": "list", "data": [{"id": "si_upd_%s", "object": "subscription_item"}], "has_more": false,
                           "url": "/v1/subscription_items"}}""".formatted(stripeId))));
        s.stubFor(post(urlPathEqualTo("/v1/invoiceitems")).willReturn(okJson("""
                {"id": "ii_%s", "object": "invoiceitem", "livemode": false}""".formatted(stripeId))));
        s.stubFor(post(urlPathEqualTo("/v1/invoices")).willReturn(okJson("""
                {"id": "in_%s", "object": "invoice", "status": "draft", "livemode": false}""".formatted(stripeId))));
        s.stubFor(get(urlPathMatching("/v1/balance_transactions/.*")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                   "message": "No such balance transaction"}}""")));
        // reads a webhook may need: a charge with its balance transaction, a payout's balance transactions, an
        // invoice's lines; unknown to this fake unless a test stubs them (Stripe's answers for an unknown id)
        s.stubFor(get(urlPathMatching("/v1/charges/ch_[A-Za-z0-9_]+")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "id",
                                   "message": "No such charge"}}""")));
        s.stubFor(get(urlPathMatching("/v1/invoices/in_[A-Za-z0-9_]+/lines")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "invoice",
                                   "message": "No such invoice"}}""")));
        s.stubFor(get(urlPathEqualTo("/v1/balance_transactions")).willReturn(okJson("""
                {"object": "list", "data": [], "has_more": false, "url": "/v1/balance_transactions"}""")));
        // Salesforce OAuth 2.0 token endpoint (client credentials flow) and the Opportunity write-back
        s.stubFor(post(urlPathEqualTo("/services/oauth2/token")).willReturn(okJson("""
                {"access_token": "00D5g000004FAKE!AQ0AQtest", "instance_url": "%1$s", "id": "%1$s/id/00D5g000004FAKE/0055g00000FAKE",
                 "token_type": "Bearer", "issued_at": "1768400000000", "signature": "c2lnbmF0dXJl",
                 "scope": "api"}""".formatted("http://localhost:" + s.port()))));
        s.stubFor(patch(urlPathMatching("/services/data/v62.0/sobjects/Opportunity/.*")).willReturn(aResponse().withStatus(204)));
        // HubSpot deal pipelines (the default one and a custom one with numeric stage ids)
        s.stubFor(get(urlPathEqualTo("/crm/v3/pipelines/deals")).willReturn(okJson(ContractFixtures.fixture("hubspot/pipelines.api.json"))));
        // Slack incoming webhook
        s.stubFor(post(urlPathMatching("/services/T000/B000/.*")).willReturn(aResponse().withStatus(200).withBody("ok")));
        s.stubFor(any(urlPathMatching("/(netsuite|qbo|xero)/.*")).willReturn(aResponse().withTransformers("fake-erp")));
        s.stubFor(get(urlPathMatching(FakeStripeApi.PREFIX + "/v1/.*")).willReturn(aResponse().withTransformers("fake-stripe-api")));
    }
}
