package io.ledgerbridge.erp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * HTTP for the ERP connectors: a bearer token from {@link OAuthTokens} (renewed once on a 401, so a
 * token that expires mid-run costs one retry, not a failure), timeouts, and the ERP's answer sorted
 * into success, {@link ErpException.Retryable} (429 with its Retry-After, 5xx, timeouts) and
 * {@link ErpException.Refused} (other 4xx, with the message the ERP gave, which
 * {@code refusal} reads out of the ERP's error body).
 */
public final class ErpHttp {

    private final String erp;
    private final HttpClient client;
    private final OAuthTokens tokens;
    private final ObjectMapper mapper;
    private final Duration timeout;

    ErpHttp(String erp, OAuthTokens tokens, ObjectMapper mapper, Duration timeout) {
        this.erp = erp;
        this.tokens = tokens;
        this.mapper = mapper;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** The response, with 2xx and 404 returned to the caller; everything else thrown as its kind. */
    public HttpResponse<String> send(Supplier<HttpRequest.Builder> request, Function<JsonNode, String> refusal) {
        HttpResponse<String> response = once(request);
        if (response.statusCode() == 401) {
            tokens.invalidate();
            response = once(request);
        }
        int status = response.statusCode();
        if (status < 300 || status == 404) {
            return response;
        }
        if (status == 429 || status >= 500) {
            Duration after = retryAfter(response);
            throw new ErpException.Retryable(erp + " answered HTTP " + status + (after == null ? "" : ", retry after " + after.toSeconds() + " s"),
                    after, null);
        }
        String message;
        try {
            message = refusal.apply(mapper.readTree(response.body()));
        } catch (Exception e) {
            message = null;
        }
        if (message == null || message.isBlank()) {
            message = response.body() == null ? "" : response.body().substring(0, Math.min(300, response.body().length()));
        }
        if (isClosedPeriod(message)) {
            throw new ErpException.ClosedPeriod(erp + ": " + message);
        }
        throw new ErpException.Refused(erp + " refused the document (HTTP " + status + "): " + message);
    }

    static boolean isClosedPeriod(String message) {
        String m = message.toLowerCase(java.util.Locale.ROOT);
        return (m.contains("period") && m.contains("closed")) || m.contains("lock date") || m.contains("locked period")
                || m.contains("closing date");
    }

    private HttpResponse<String> once(Supplier<HttpRequest.Builder> request) {
        HttpRequest r = request.get().timeout(timeout).header("Authorization", "Bearer " + tokens.token())
                .header("Accept", "application/json").build();
        try {
            return client.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ErpException.Retryable(erp + " did not answer within " + timeout.toSeconds() + " s (it may have committed)", null, e);
        } catch (IOException e) {
            throw new ErpException.Retryable(erp + " could not be reached: " + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErpException.Retryable("interrupted calling " + erp, null, e);
        }
    }

    private static Duration retryAfter(HttpResponse<String> response) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Long.parseLong(v.trim()));
            } catch (NumberFormatException e) {
                return null;
            }
        }).orElse(null);
    }

    public JsonNode json(HttpResponse<String> response) {
        try {
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new ErpException.Retryable(erp + " answered something that is not JSON", null, e);
        }
    }

    public static URI uri(String base, String path) {
        return URI.create(base.replaceAll("/+$", "") + path);
    }
}
