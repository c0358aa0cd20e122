package io.ledgerbridge.support;

import static io.ledgerbridge.support.StripeEvents.uid;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Real-shaped CRM and e-signature payloads from {@code mappings/fixtures}, named for one test, and their signed delivery. */
public final class ContractFixtures {

    private ContractFixtures() {
    }

    public static String fixture(String path) {
        try {
            return Files.readString(Path.of("mappings/fixtures").resolve(path));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Salesforce closed-won deal (USD 13,350.00) and its DocuSign envelope, both named for this test. */
    public record Acme(String opportunity, String account, String envelope, String name, String domain, String deal, String contract) {
        public String contractId() {
            return "ctr-docusign-" + envelope;
        }
    }

    public static Acme acme(String name) {
        String u = uid();
        String opp = "006" + u;
        String acct = "001" + u;
        String env = UUID.randomUUID().toString();
        String domain = "acme-" + u + ".example";
        String deal = fixture("salesforce/opportunity-closed-won.json").replace("0065g00000FIXTUREAAA", opp)
                .replace("0015g00000FIXTUREAAA", acct).replace("a1b2c3d4-0001-4f00-9000-000000000001", "evt-" + u)
                .replace("Acme Corporation", name).replace("www.acme.example", "www." + domain);
        String contract = fixture("docusign/envelope-completed.json").replace("93be49ab-3d1c-4b7f-8a0e-6f1d2c3b4a59", env)
                .replace("0065g00000FIXTUREAAA", opp).replace("Acme Corporation", name)
                .replace("https://www.acme.example", "https://www." + domain);
        return new Acme(opp, acct, env, name, domain, deal, contract);
    }

    public static HttpResponse<String> salesforce(int port, String body) {
        return new Http(port).post("/webhooks/salesforce", "application/json", body, "X-Signature",
                Signers.hex(Signers.SALESFORCE_SECRET, body));
    }

    /** Signed as during a key rotation: one signature per key, the first with a key no longer configured. */
    public static HttpResponse<String> docusign(int port, String body) {
        return new Http(port).post("/webhooks/docusign", "application/json", body,
                "X-DocuSign-Signature-1", Signers.base64("a-retired-key", body),
                "X-DocuSign-Signature-2", Signers.base64(Signers.DOCUSIGN_KEY, body));
    }

    /** Signed as HubSpot signs webhooks (v3: method, URI, body and timestamp), now. */
    public static HttpResponse<String> hubspot(int port, String body) {
        long timestamp = System.currentTimeMillis();
        String uri = "http://localhost:" + port + "/webhooks/hubspot";
        return new Http(port).post("/webhooks/hubspot", "application/json", body,
                "X-HubSpot-Signature-v3", Signers.hubspot(uri, body, timestamp),
                "X-HubSpot-Request-Timestamp", Long.toString(timestamp));
    }

    public static HttpResponse<String> pandadoc(int port, String body) {
        return new Http(port).post("/webhooks/pandadoc?signature=" + Signers.hex(Signers.PANDADOC_KEY, body), "application/json", body);
    }
}
