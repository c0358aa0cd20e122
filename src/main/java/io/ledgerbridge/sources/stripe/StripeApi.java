package io.ledgerbridge.sources.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.net.RequestOptions;
import io.ledgerbridge.platform.NotRetryable;

/**
 * The Stripe API client (stripe-java) for the actions the product takes in Stripe, when a key is
 * configured ({@code STRIPE_API_KEY}, {@code STRIPE_API_BASE}). Every POST goes with an idempotency
 * key. A refusal (4xx other than 429) is {@link Refused}: retrying cannot help, a person must look;
 * a rate limit, a server error or a lost connection is retried by the route.
 */
public final class StripeApi {

    /** Stripe refused the request: its message in plain words, for the exception queue. Not retryable. */
    public static class Refused extends RuntimeException implements NotRetryable {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final StripeClient client;

    public StripeApi(StripeClient client) {
        this.client = client;
    }

    public boolean configured() {
        return client != null;
    }

    public StripeClient client() {
        if (client == null) {
            throw new IllegalStateException("no Stripe API key configured (STRIPE_API_KEY): Stripe actions cannot run");
        }
        return client;
    }

    public static RequestOptions idempotent(String key) {
        return RequestOptions.builder().setIdempotencyKey(key).build();
    }

    /** A Stripe call, with its failure classified: refused (not retryable) or transient (retryable). */
    public interface Call<T> {
        T run(StripeClient client) throws StripeException;
    }

    public <T> T call(String what, Call<T> call) {
        try {
            return call.run(client());
        } catch (RateLimitException | ApiConnectionException | ApiException e) {
            throw new IllegalStateException("Stripe " + what + " failed, will retry: " + e.getMessage(), e);
        } catch (StripeException e) {
            Integer status = e.getStatusCode();
            if (status != null && (status == 429 || status >= 500)) {
                throw new IllegalStateException("Stripe " + what + " failed (HTTP " + status + "), will retry: " + e.getMessage(), e);
            }
            throw new Refused("Stripe refused " + what + (status == null ? "" : " (HTTP " + status + ")") + ": "
                    + (e.getStripeError() != null && e.getStripeError().getMessage() != null ? e.getStripeError().getMessage() : e.getMessage()), e);
        }
    }
}
