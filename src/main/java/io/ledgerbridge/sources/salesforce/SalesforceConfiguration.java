package io.ledgerbridge.sources.salesforce;

import java.util.Map;
import org.apache.camel.component.salesforce.AuthenticationType;
import org.apache.camel.component.salesforce.SalesforceComponent;
import org.apache.camel.component.salesforce.SalesforceEndpointConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The camel-salesforce component from our own properties (the starter is not in the registry,
 * stack.md trap 1): OAuth client credentials, refresh token or username-password, a fixed API
 * version, lazy login (unless the CDC subscription is on) so the product starts without Salesforce, and the subscription's
 * replay id restored from the database checkpoint.
 */
@Configuration
public class SalesforceConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SalesforceConfiguration.class);

    @Bean("salesforce")
    SalesforceComponent salesforce(@Value("${ledgerbridge.salesforce.login-url:https://login.salesforce.com}") String loginUrl,
                                   @Value("${ledgerbridge.salesforce.client-id:}") String clientId,
                                   @Value("${ledgerbridge.salesforce.client-secret:}") String clientSecret,
                                   @Value("${ledgerbridge.salesforce.refresh-token:}") String refreshToken,
                                   @Value("${ledgerbridge.salesforce.username:}") String username,
                                   @Value("${ledgerbridge.salesforce.password:}") String password,
                                   @Value("${ledgerbridge.salesforce.api-version:62.0}") String apiVersion,
                                   @Value("${ledgerbridge.salesforce.cdc.endpoint:direct:salesforce-cdc-off}") String cdcEndpoint,
                                   SalesforceChanges changes, org.flywaydb.core.Flyway flyway) {
        SalesforceComponent c = new SalesforceComponent();
        // a subscription logs in at start (camel-salesforce consumers cannot log in lazily); without one,
        // the product starts without Salesforce and logs in at the first write-back
        boolean subscribing = cdcEndpoint.startsWith("salesforce:");
        c.setLazyLogin(!subscribing);
        c.setLoginUrl(loginUrl);
        if (!clientId.isBlank()) {
            c.setClientId(clientId);
            c.setClientSecret(clientSecret);
            if (!refreshToken.isBlank()) {
                c.setAuthenticationType(AuthenticationType.REFRESH_TOKEN);
                c.setRefreshToken(refreshToken);
            } else if (!username.isBlank()) {
                c.setAuthenticationType(AuthenticationType.USERNAME_PASSWORD);
                c.setUserName(username);
                c.setPassword(password);
            } else {
                c.setAuthenticationType(AuthenticationType.CLIENT_CREDENTIALS);
            }
        } else {
            log.info("No Salesforce credentials (SALESFORCE_CLIENT_ID): no CDC subscription, no billing write-back to Salesforce");
        }
        SalesforceEndpointConfig config = new SalesforceEndpointConfig();
        config.setApiVersion(apiVersion);
        long resume = changes.resumeFrom();
        config.setInitialReplayIdMap(Map.of(SalesforceChanges.CHANNEL, resume));
        config.setDefaultReplayId(-1L);
        c.setConfig(config);
        return c;
    }
}
