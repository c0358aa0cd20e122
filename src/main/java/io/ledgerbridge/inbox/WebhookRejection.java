package io.ledgerbridge.inbox;

/**
 * A webhook request refused before anything was stored: carries the HTTP status and the
 * machine-readable error code of the JSON answer. The message never contains the request body.
 */
public class WebhookRejection extends RuntimeException {

    private final int status;
    private final String error;

    public WebhookRejection(int status, String error, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public static WebhookRejection unauthorized(String message) {
        return new WebhookRejection(401, "invalid_signature", message);
    }

    public static WebhookRejection malformed(String message) {
        return new WebhookRejection(400, "malformed_body", message);
    }
}
