package io.ledgerbridge.sources.stripe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.net.ApiResource;
import com.stripe.net.HttpURLConnectionClient;
import com.stripe.net.RawRequestOptions;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Reads Stripe list endpoints page by page for the import and the event recovery, through stripe-java's
 * raw request support: the objects are kept as Stripe sent them (the inbox stores raw payloads, and the
 * typed models of the library would drop fields they do not know), for every list endpoint alike
 * (invoice payments, a customer's balance transactions). Pages are read by cursor rather than
 * auto-pagination because the import commits its position page by page and resumes from it.
 * <p>
 * Every request first takes a permit of a token bucket (resilience4j, {@code requests-per-second}; by
 * default 25 for test-mode keys and 90 for live keys, under Stripe's 25 and 100 a second). A 429 is
 * answered by waiting as long as {@code Retry-After} says (else 1, 2, 4 ... s, at most 30) and asking
 * again; network failures and 5xx are retried by stripe-java itself.
 */
@Component
public class StripeLists {

    private static final Logger log = LoggerFactory.getLogger(StripeLists.class);

    /** One page of a list: its objects (raw), whether more follow, and the API version that shaped them. */
    public record Page(List<JsonNode> data, boolean hasMore, String apiVersion) {
        public String lastId() {
            return data.isEmpty() ? null : data.get(data.size() - 1).path("id").asText();
        }
    }

    /** Stripe cannot be read: no key configured. */
    public static class NotConfigured extends IllegalStateException {
        NotConfigured() {
            super("no Stripe API key configured (ledgerbridge.stripe.api-key / STRIPE_API_KEY)");
        }
    }

    private final StripeClient client;
    private final ObjectMapper mapper;
    private final RateLimiter limiter;
    private final double requestsPerSecond;
    private final String apiVersion;
    private final int maxRateLimitRetries;
    private final Counter throttled;
    private final Counter requests;

    public StripeLists(@Value("${ledgerbridge.stripe.api-key:}") String apiKey,
                       @Value("${ledgerbridge.stripe.import.api-base:${ledgerbridge.stripe.api-base:https://api.stripe.com}}") String apiBase,
                       @Value("${ledgerbridge.stripe.import.requests-per-second:0}") double requestsPerSecond,
                       @Value("${ledgerbridge.stripe.import.api-version:}") String apiVersion,
                       @Value("${ledgerbridge.stripe.import.rate-limit-retries:8}") int maxRateLimitRetries,
                       ObjectMapper mapper, MeterRegistry registry) {
        this.mapper = mapper;
        this.requestsPerSecond = requestsPerSecond > 0 ? requestsPerSecond : defaultRate(apiKey);
        this.apiVersion = apiVersion == null || apiVersion.isBlank() ? Stripe.API_VERSION : apiVersion;
        this.maxRateLimitRetries = maxRateLimitRetries;
        long periodNanos = Math.max(1, Math.round(1_000_000_000d / this.requestsPerSecond));
        this.limiter = RateLimiter.of("stripe-import", RateLimiterConfig.custom()
                .limitForPeriod(1).limitRefreshPeriod(Duration.ofNanos(periodNanos))
                .timeoutDuration(Duration.ofMinutes(5)).build());
        this.throttled = Counter.builder("ledgerbridge.stripe.import.throttled")
                .description("Stripe list requests answered 429 and asked again after the back-off").register(registry);
        this.requests = Counter.builder("ledgerbridge.stripe.import.requests")
                .description("Stripe list requests made by the import and the event recovery").register(registry);
        this.client = apiKey == null || apiKey.isBlank() ? null
                : StripeClient.builder().setApiKey(apiKey).setApiBase(apiBase).setMaxNetworkRetries(2)
                        .setHttpClient(new LimitedHttpClient()).build();
    }

    /** 25 a second for test-mode keys, 90 for live ones (Stripe allows 25 and 100). */
    static double defaultRate(String apiKey) {
        return apiKey != null && (apiKey.startsWith("sk_live_") || apiKey.startsWith("rk_live_")) ? 90 : 25;
    }

    public boolean configured() {
        return client != null;
    }

    public double requestsPerSecond() {
        return requestsPerSecond;
    }

    public String apiVersion() {
        return apiVersion;
    }

    /**
     * One page of {@code path} (e.g. {@code /v1/invoices}), 100 objects, after {@code startingAfter} when
     * not null, with the given filters ({@code created[gte]} ...). Null for a list endpoint this account
     * does not have (404).
     */
    public Page page(String path, Map<String, String> filters, String startingAfter) {
        if (client == null) {
            throw new NotConfigured();
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("limit", "100");
        query.putAll(filters);
        if (startingAfter != null) {
            query.put("starting_after", startingAfter);
        }
        StringBuilder url = new StringBuilder(path);
        char sep = '?';
        for (Map.Entry<String, String> q : query.entrySet()) {
            url.append(sep).append(URLEncoder.encode(q.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(q.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        StripeResponse response;
        try {
            response = client.rawRequest(ApiResource.RequestMethod.GET, url.toString(), null,
                    RawRequestOptions.builder().setAdditionalHeaders(Map.of("Stripe-Version", apiVersion)).build());
        } catch (StripeException e) {
            if (e.getStatusCode() != null && e.getStatusCode() == 404) {
                log.warn("Stripe list {} not available for this account ({}): skipped", path, e.getMessage());
                return null;
            }
            throw new IllegalStateException("Stripe list " + path + " failed: " + e.getMessage(), e);
        }
        try {
            JsonNode body = mapper.readTree(response.body());
            List<JsonNode> data = new ArrayList<>();
            body.path("data").forEach(data::add);
            String version = response.headers().firstValue("Stripe-Version").orElse(apiVersion);
            return new Page(data, body.path("has_more").asBoolean(false), version);
        } catch (IOException e) {
            throw new UncheckedIOException("Stripe list " + path + " answered what is not a list: " + e.getMessage(), e);
        }
    }

    /** stripe-java's HTTP client, each request paced by the token bucket, a 429 waited out and asked again. */
    private final class LimitedHttpClient extends HttpURLConnectionClient {
        @Override
        public StripeResponse request(StripeRequest request) throws ApiConnectionException {
            for (int attempt = 0; ; attempt++) {
                RateLimiter.waitForPermission(limiter);
                requests.increment();
                StripeResponse response = super.request(request);
                if (response.code() != 429 || attempt >= maxRateLimitRetries) {
                    return response;
                }
                throttled.increment();
                long waitMs = response.headers().firstValue("Retry-After")
                        .map(StripeLists::seconds).map(s -> (long) (s * 1000))
                        .orElse(Math.min(30_000L, 1000L << Math.min(attempt, 5)));
                log.debug("Stripe answered 429 to {}; asking again in {} ms", request.url().getPath(), waitMs);
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ApiConnectionException("interrupted while waiting out Stripe's rate limit");
                }
            }
        }
    }

    private static Double seconds(String retryAfter) {
        try {
            return Math.max(0, Double.parseDouble(retryAfter.trim()));
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }
}
