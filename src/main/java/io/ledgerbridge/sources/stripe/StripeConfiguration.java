package io.ledgerbridge.sources.stripe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.stripe.model.BalanceTransaction;
import com.stripe.model.Charge;
import com.stripe.param.BalanceTransactionListParams;
import com.stripe.param.ChargeRetrieveParams;
import com.stripe.net.ApiResource;
import io.ledgerbridge.canonical.Payout;
import java.util.ArrayList;
import java.util.List;
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
                                                       @Value("${ledgerbridge.stripe.api-base:https://api.stripe.com}") String apiBase,
                                                       ObjectMapper mapper) {
        if (apiKey == null || apiKey.isBlank()) {
            log.info("No Stripe API key (STRIPE_API_KEY): processor fees come from expanded balance transactions, "
                    + "charge.updated and payouts only; invoices with more lines than their webhook lists are held");
            return StripeEventMapper.FeeLookup.NONE;
        }
        return new ApiLookup(StripeClient.builder().setApiKey(apiKey).setApiBase(apiBase).build(), mapper);
    }

    /** The reads of {@link StripeEventMapper.FeeLookup} through stripe-java; a failure other than 404 is retried by the stage. */
    static final class ApiLookup implements StripeEventMapper.FeeLookup {
        private final StripeClient client;
        private final ObjectMapper mapper;

        ApiLookup(StripeClient client, ObjectMapper mapper) {
            this.client = client;
            this.mapper = mapper;
        }

        @Override
        public Optional<Settlement> balanceTransaction(String id) {
            return read("balance transaction " + id, () -> settlement(client.balanceTransactions().retrieve(id)));
        }

        @Override
        public Optional<Settlement> chargeSettlement(String chargeId) {
            return read("charge " + chargeId, () -> {
                Charge charge = client.charges().retrieve(chargeId,
                        ChargeRetrieveParams.builder().addExpand("balance_transaction").build());
                return charge.getBalanceTransactionObject() == null ? null : settlement(charge.getBalanceTransactionObject());
            });
        }

        @Override
        public List<Payout.Settlement> payoutCharges(String payoutId) {
            return read("balance transactions of payout " + payoutId, () -> {
                List<Payout.Settlement> out = new ArrayList<>();
                BalanceTransactionListParams params = BalanceTransactionListParams.builder()
                        .setPayout(payoutId).setType("charge").setLimit(100L).build();
                for (BalanceTransaction bt : client.balanceTransactions().list(params).autoPagingIterable()) {
                    if (bt.getSource() != null) {
                        out.add(new Payout.Settlement(bt.getSource(), bt.getId(), bt.getCurrency().toUpperCase(java.util.Locale.ROOT),
                                bt.getAmount(), bt.getFee()));
                    }
                }
                return out;
            }).orElse(List.of());
        }

        @Override
        public Optional<JsonNode> invoiceLines(String invoiceId) {
            // read raw, page by page: the lines as Stripe sends them, whatever API version the account is on
            return read("lines of invoice " + invoiceId, () -> {
                ArrayNode lines = mapper.createArrayNode();
                String after = null;
                while (true) {
                    String url = "/v1/invoices/" + invoiceId + "/lines?limit=100" + (after == null ? "" : "&starting_after=" + after);
                    JsonNode page = mapper.readTree(client.rawRequest(ApiResource.RequestMethod.GET, url, null).body());
                    page.path("data").forEach(lines::add);
                    if (!page.path("has_more").asBoolean(false) || lines.isEmpty()) {
                        return lines;
                    }
                    after = lines.get(lines.size() - 1).path("id").asText();
                }
            });
        }

        private static Settlement settlement(BalanceTransaction bt) {
            return new Settlement(bt.getId(), bt.getCurrency().toUpperCase(java.util.Locale.ROOT), bt.getAmount(), bt.getFee());
        }

        private interface Read<T> {
            T run() throws Exception;
        }

        private static <T> Optional<T> read(String what, Read<T> read) {
            try {
                return Optional.ofNullable(read.run());
            } catch (InvalidRequestException e) {
                if (e.getStatusCode() != null && e.getStatusCode() == 404) {
                    log.warn("Stripe {} not found: left unknown", what);
                    return Optional.empty();
                }
                throw new IllegalStateException("Stripe " + what + " could not be read: " + e.getMessage(), e);
            } catch (Exception e) {
                throw new IllegalStateException("Stripe " + what + " could not be read: " + e.getMessage(), e);
            }
        }
    }
}
