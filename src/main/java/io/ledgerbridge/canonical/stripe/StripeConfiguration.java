package io.ledgerbridge.canonical.stripe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.model.BalanceTransaction;
import com.stripe.net.RequestOptions;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the Stripe mapper: mappings from {@code ledgerbridge.mappings-dir}, fees from the Stripe API when a key is set. */
@Configuration
public class StripeConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StripeConfiguration.class);

    @Bean
    public StripeEventMapper stripeEventMapper(@Value("${ledgerbridge.mappings-dir}") String mappingsDir,
                                               ObjectMapper mapper, StripeEventMapper.FeeLookup feeLookup) {
        return new StripeEventMapper(Path.of(mappingsDir), mapper, feeLookup);
    }

    @Bean
    public StripeApi stripeApi(@Value("${ledgerbridge.stripe.api-key:}") String apiKey,
                               @Value("${ledgerbridge.stripe.api-base:https://api.stripe.com}") String apiBase) {
        if (apiKey == null || apiKey.isBlank()) {
            log.warn("No Stripe API key (STRIPE_API_KEY): contracts cannot be billed in Stripe until one is configured");
            return new StripeApi(null);
        }
        return new StripeApi(StripeClient.builder().setApiKey(apiKey).setApiBase(apiBase)
                .setMaxNetworkRetries(0).build());
    }

    @Bean
    public StripeEventMapper.FeeLookup stripeFeeLookup(@Value("${ledgerbridge.stripe.api-key:}") String apiKey,
                                                       @Value("${ledgerbridge.stripe.api-base:https://api.stripe.com}") String apiBase) {
        if (apiKey == null || apiKey.isBlank()) {
            log.info("No Stripe API key (STRIPE_API_KEY): processor fees are taken from expanded balance transactions only");
            return StripeEventMapper.FeeLookup.NONE;
        }
        StripeClient client = StripeClient.builder().setApiKey(apiKey).setApiBase(apiBase).build();
        return id -> {
            try {
                BalanceTransaction bt = client.balanceTransactions().retrieve(id, RequestOptions.builder().build());
                return Optional.ofNullable(bt.getFee());
            } catch (InvalidRequestException e) {
                if (e.getStatusCode() != null && e.getStatusCode() == 404) {
                    log.warn("Balance transaction {} not found in Stripe: fee left unknown", id);
                    return Optional.empty();
                }
                throw new IllegalStateException("Stripe balance transaction " + id + " could not be read: " + e.getMessage(), e);
            } catch (StripeException e) {
                throw new IllegalStateException("Stripe balance transaction " + id + " could not be read: " + e.getMessage(), e);
            }
        };
    }
}
