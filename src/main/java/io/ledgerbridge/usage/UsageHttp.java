package io.ledgerbridge.usage;

import io.ledgerbridge.inbox.IngressMetrics;
import io.ledgerbridge.inbox.WebhookRejection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Steps of {@code routes/ingress/ingress-usage-http.camel.yaml}: the API key check, then reading and
 * storing the batch, answered 202 with what became of its rows. Content type and size were checked
 * before the route (415, 413).
 */
@Component("usageHttp")
public class UsageHttp {

    private static final Logger log = LoggerFactory.getLogger(UsageHttp.class);

    private final List<byte[]> keys;
    private final UsageParser parser;
    private final UsageIngest ingest;
    private final IngressMetrics metrics;

    public UsageHttp(@Value("${ledgerbridge.usage.api-keys:}") String apiKeys, UsageParser parser, UsageIngest ingest,
                     IngressMetrics metrics) {
        this.keys = Arrays.stream(apiKeys.split(",")).map(String::trim).filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.parser = parser;
        this.ingest = ingest;
        this.metrics = metrics;
        if (keys.isEmpty()) {
            log.warn("No usage API key configured (LEDGERBRIDGE_USAGE_API_KEYS): POST /usage refuses every request with 401");
        }
    }

    /** 401 unless X-Api-Key is one of the configured keys (compared in constant time). */
    public void authorize(Exchange exchange) {
        String key = exchange.getMessage().getHeader("X-Api-Key", String.class);
        byte[] given = key == null ? new byte[0] : key.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] k : keys) {
            ok |= MessageDigest.isEqual(k, given);
        }
        if (!ok) {
            metrics.count("usage", "invalid_api_key");
            log.warn("Usage request refused: {} API key", key == null ? "missing" : "unknown");
            throw new WebhookRejection(401, "invalid_api_key", "a valid X-Api-Key header is required");
        }
    }

    /** Reads and stores the batch; answers 202 with its counts. */
    public void receive(Exchange exchange) {
        Message in = exchange.getMessage();
        String contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        List<UsageRecord> records;
        try {
            records = parser.parse(contentType, in.getBody(String.class));
        } catch (UsageFormatException e) {
            metrics.count("usage", "malformed");
            throw WebhookRejection.malformed(e.getMessage());
        }
        String batch = "http-" + UUID.randomUUID();
        UsageIngest.Summary summary;
        try {
            summary = ingest.ingest("http", batch, records);
        } catch (DataAccessException e) {
            metrics.count("usage", "unavailable");
            log.error("Usage batch refused with 503, storage unavailable: {}", e.getMessage());
            throw new WebhookRejection(503, "storage_unavailable", "the usage could not be stored; retry later");
        }
        metrics.count("usage", "accepted");
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "accepted");
        answer.put("id", summary.batch());
        answer.put("received", summary.received());
        answer.put("accepted", summary.accepted());
        answer.put("duplicates", summary.duplicates());
        answer.put("held", summary.held());
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        in.setBody(answer);
    }
}
