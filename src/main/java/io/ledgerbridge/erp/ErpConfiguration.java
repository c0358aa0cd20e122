package io.ledgerbridge.erp;

import io.ledgerbridge.exceptions.ExceptionQueue;

import io.ledgerbridge.erp.netsuite.NetSuiteConnector;
import io.ledgerbridge.erp.quickbooks.QuickBooksConnector;
import io.ledgerbridge.erp.xero.XeroConnector;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.ledger.LedgerStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The ERPs the ledger is synced to ({@code ledgerbridge.erp.targets}: netsuite, quickbooks, xero),
 * each with its maps ({@code mappings/erp/<erp>.yaml}, checked against the chart of accounts at
 * start-up) and credentials from configuration.
 */
@Configuration
public class ErpConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ErpConfiguration.class);
    static final List<String> KNOWN = List.of("netsuite", "quickbooks", "xero");

    @Bean("erpSync")
    ErpSync erpSync(Environment env, JdbcTemplate jdbc, LedgerStore ledger, ObjectMapper mapper, MeterRegistry registry,
                    io.ledgerbridge.ledger.LedgerMappings chart, ExceptionQueue exceptions,
                    org.springframework.transaction.support.TransactionTemplate transactions,
                    io.ledgerbridge.pipeline.DeadLetterStore deadLetters, Clock clock) {
        List<String> targets = LedgerStore.erpTargets(env.getProperty("ledgerbridge.erp.targets", ""));
        Path mappings = Path.of(env.getProperty("ledgerbridge.mappings-dir", "mappings"));
        Set<String> accounts = Set.copyOf(jdbc.queryForList("select code from account", String.class));
        Duration timeout = Duration.ofSeconds(env.getProperty("ledgerbridge.erp.timeout-seconds", Long.class, 20L));
        Map<String, ErpConnector> connectors = new LinkedHashMap<>();
        Map<String, ErpMaps> maps = new LinkedHashMap<>();
        for (String erp : targets) {
            if (!KNOWN.contains(erp)) {
                throw new IllegalStateException("ledgerbridge.erp.targets: unknown ERP '" + erp + "' (known: " + KNOWN + ")");
            }
            String p = "ledgerbridge.erp." + erp + ".";
            ErpMaps m = ErpMaps.load(mappings, erp, accounts);
            maps.put(erp, m);
            switch (erp) {
                case "netsuite" -> {
                    OAuthTokens tokens = OAuthTokens.clientCredentialsJwt(erp, env.getRequiredProperty(p + "token-url"),
                            env.getRequiredProperty(p + "client-id"), env.getRequiredProperty(p + "certificate-id"),
                            env.getRequiredProperty(p + "private-key"), mapper, clock);
                    connectors.put(erp, new NetSuiteConnector(env.getRequiredProperty(p + "base-url"),
                            new ErpHttp(erp, tokens, mapper, timeout), m));
                }
                case "quickbooks" -> {
                    OAuthTokens tokens = OAuthTokens.refreshToken(erp, env.getRequiredProperty(p + "token-url"),
                            env.getRequiredProperty(p + "client-id"), env.getRequiredProperty(p + "client-secret"),
                            env.getRequiredProperty(p + "refresh-token"), jdbc, mapper, clock);
                    connectors.put(erp, new QuickBooksConnector(env.getRequiredProperty(p + "base-url"),
                            env.getRequiredProperty(p + "realm-id"), new ErpHttp(erp, tokens, mapper, timeout)));
                }
                default -> {
                    OAuthTokens tokens = OAuthTokens.refreshToken(erp, env.getRequiredProperty(p + "token-url"),
                            env.getRequiredProperty(p + "client-id"), env.getRequiredProperty(p + "client-secret"),
                            env.getRequiredProperty(p + "refresh-token"), jdbc, mapper, clock);
                    connectors.put(erp, new XeroConnector(env.getRequiredProperty(p + "base-url"), env.getRequiredProperty(p + "tenant-id"),
                            env.getProperty(p + "base-currency", "USD"), new ErpHttp(erp, tokens, mapper, timeout)));
                }
            }
        }
        log.info(targets.isEmpty() ? "No ERP configured (LEDGERBRIDGE_ERP_TARGETS): the ledger is not synced to an ERP"
                : "Ledger synced to " + targets);
        return new ErpSync(jdbc, ledger, connectors, maps, registry, exceptions, transactions, deadLetters,
                env.getProperty("ledgerbridge.erp.batch-size", Integer.class, 100),
                Duration.ofSeconds(env.getProperty("ledgerbridge.erp.circuit-open-seconds", Long.class, 30L)),
                Duration.ofSeconds(env.getProperty("ledgerbridge.erp.lease-seconds", Long.class, 120L)));
    }

    /** The connectors by name, for the reconciliation's read-back. */
    @Bean
    ErpConnectors erpConnectors(ErpSync sync) {
        return sync.connectors();
    }
}
