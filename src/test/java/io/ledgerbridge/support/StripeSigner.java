package io.ledgerbridge.support;

import com.stripe.net.Webhook;

/** Signs a test payload the way Stripe does: {@code t=<unix>,v1=hex(HMAC-SHA256(secret, t + "." + body))}. */
public final class StripeSigner {

    public static final String TEST_SECRET = "whsec_test_secret";

    private StripeSigner() {
    }

    public static String sign(String payload, long unixSeconds, String secret) {
        try {
            return "t=" + unixSeconds + ",v1=" + Webhook.Util.computeHmacSha256(secret, unixSeconds + "." + payload);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String signNow(String payload) {
        return sign(payload, System.currentTimeMillis() / 1000, TEST_SECRET);
    }
}
