/*
 * Ledgerbridge contract-to-cash quickstart: a closed-won Salesforce Opportunity and its signed DocuSign
 * envelope, then a second envelope whose terms do not match its deal. Needs only a JDK and the
 * repository (it reads the fixtures in mappings/fixtures):
 *
 *   java docs/quickstart/ContractQuickstart.java [baseUrl]
 *
 * Signs with the local profile's development secrets. With STRIPE_API_KEY set to a Stripe test-mode
 * key when the product started, the first contract creates the customer, prices, subscription and
 * invoice item in your Stripe test account; without one, the contract is validated and its billing
 * step is dead-lettered with "no Stripe API key configured" (replay it after setting a key).
 */
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class ContractQuickstart {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String base;

    public static void main(String[] args) throws Exception {
        base = args.length > 0 ? args[0] : "http://localhost:8080";
        String run = Long.toString(System.currentTimeMillis(), 36);
        String opp = "006QS" + run, acct = "001QS" + run, env = UUID.randomUUID().toString();
        String name = "Acme Quickstart " + run + " Corporation";
        String deal = Files.readString(Path.of("mappings/fixtures/salesforce/opportunity-closed-won.json"))
                .replace("0065g00000FIXTUREAAA", opp).replace("0015g00000FIXTUREAAA", acct)
                .replace("a1b2c3d4-0001-4f00-9000-000000000001", "qs-" + run).replace("Acme Corporation", name);
        String envelope = Files.readString(Path.of("mappings/fixtures/docusign/envelope-completed.json"))
                .replace("93be49ab-3d1c-4b7f-8a0e-6f1d2c3b4a59", env).replace("0065g00000FIXTUREAAA", opp)
                .replace("Acme Corporation", name);

        System.out.println("1. Salesforce: Opportunity " + opp + " closed won, USD 13,350.00");
        print(post("/webhooks/salesforce", deal, "X-Signature", hex("salesforce-local-development-only", deal)));
        System.out.println("2. DocuSign: envelope " + env + " completed (PLAT-ANNUAL 12,000.00 + ONBOARD 1,500.00 less 10%, Net 30, PO-77812)");
        print(post("/webhooks/docusign", envelope, "X-DocuSign-Signature-1", base64("docusign-local-development-only", envelope)));
        String id = "ctr-docusign-" + env;
        String contract = waitFor("/api/contracts/" + id, "\"status\":\"(active|failed|acting)\"");
        System.out.println("   contract " + id + ": " + field(contract, "status") + " (" + field(contract, "statusReason") + ")");

        String env2 = UUID.randomUUID().toString(), opp2 = "006QT" + run;
        String deal2 = deal.replace(opp, opp2).replace("qs-" + run, "qt-" + run);
        String envelope2 = envelope.replace(env, env2).replace(opp, opp2).replace("12,000.00", "9,000.00");
        System.out.println("3. A second deal of USD 13,350.00 whose envelope says 9,000.00 a year");
        print(post("/webhooks/salesforce", deal2, "X-Signature", hex("salesforce-local-development-only", deal2)));
        print(post("/webhooks/docusign", envelope2, "X-DocuSign-Signature-1", base64("docusign-local-development-only", envelope2)));
        String second = waitFor("/api/contracts/ctr-docusign-" + env2, "\"status\":\"exception\"");
        System.out.println("   contract ctr-docusign-" + env2 + ": exception " + field(second, "exceptionId")
                + " waits for a person: " + field(second, "statusReason"));
        System.out.println();
        System.out.println("See the queue and decide (the sender of the envelope cannot approve it):");
        System.out.println("  curl -u viewer:viewer-local '" + base + "/api/exceptions?status=open'");
        System.out.println("  curl -u approver2:approver2-local -X POST -H 'Content-Type: application/json' -d '{\"reason\":\"price agreed\"}' "
                + base + "/api/exceptions/" + field(second, "exceptionId") + "/approve");
        System.out.println("  curl -u viewer:viewer-local " + base + "/api/contracts/" + id);
        System.out.println("  curl -u viewer:viewer-local " + base + "/api/customers/" + field(contract, "customerId"));
    }

    static HttpResponse<String> post(String path, String body, String header, String value) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .header(header, value).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String waitFor(String path, String regex) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString("viewer:viewer-local".getBytes(StandardCharsets.UTF_8));
        String body = "";
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            body = r.body();
            if (r.statusCode() == 200 && java.util.regex.Pattern.compile(regex).matcher(body).find()) {
                return body;
            }
            Thread.sleep(500);
        }
        return body;
    }

    static String field(String json, String name) {
        var m = java.util.regex.Pattern.compile("\"" + name + "\":(\"([^\"]*)\"|([0-9]+))").matcher(json);
        return m.find() ? (m.group(2) != null ? m.group(2) : m.group(3)) : "?";
    }

    static void print(HttpResponse<String> r) {
        System.out.println("   " + r.statusCode() + " " + r.body());
    }

    static byte[] hmac(String key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    static String hex(String key, String data) throws Exception {
        return HexFormat.of().formatHex(hmac(key, data));
    }

    static String base64(String key, String data) throws Exception {
        return Base64.getEncoder().encodeToString(hmac(key, data));
    }
}
