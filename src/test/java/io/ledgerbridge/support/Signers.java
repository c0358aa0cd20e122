package io.ledgerbridge.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Signs bodies the way DocuSign, PandaDoc, HubSpot (v3) and a Salesforce Apex callout do, with the test profile's secrets. */
public final class Signers {

    public static final String DOCUSIGN_KEY = "docusign-test-key";
    public static final String DOCUSIGN_OLD_KEY = "docusign-old-key";
    public static final String PANDADOC_KEY = "pandadoc-test-key";
    public static final String HUBSPOT_SECRET = "hubspot-test-secret";
    public static final String SALESFORCE_SECRET = "salesforce-test-secret";

    private Signers() {
    }

    public static byte[] hmac(String key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String base64(String key, String data) {
        return Base64.getEncoder().encodeToString(hmac(key, data));
    }

    public static String hex(String key, String data) {
        return HexFormat.of().formatHex(hmac(key, data));
    }

    /** X-HubSpot-Signature-v3 for a POST to the given URI at the given time (epoch millis). */
    public static String hubspot(String uri, String body, long timestampMillis) {
        return base64(HUBSPOT_SECRET, "POST" + uri + body + timestampMillis);
    }
}
