package io.ledgerbridge.ingress;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The durable inbox. {@link #store} inserts the raw event and its idempotency key
 * {@code (source, event_id)} in one statement, so an event is either stored with its key or not
 * at all (stack.md trap 9: no key without its row, no row without its key).
 */
@Component
public class InboxStore {

    /** The outcome of storing one received event. */
    public record Stored(long id, String source, String eventId, boolean duplicate, boolean samePayload) {
    }

    private final JdbcTemplate jdbc;

    /**
     * @param timeoutSeconds how long a store may take before the sender is told 503 (a locked or
     *                       unreachable database must not hold webhook senders until they time out)
     */
    public InboxStore(JdbcTemplate jdbc,
                      @Value("${ledgerbridge.webhooks.store-timeout-seconds:5}") int timeoutSeconds) {
        this.jdbc = new JdbcTemplate(jdbc.getDataSource());
        this.jdbc.setQueryTimeout(timeoutSeconds);
    }

    public Stored store(String source, String eventId, String eventType, String partitionKey, String payload,
                        String contentType) {
        String sha = sha256(payload);
        List<Long> inserted = jdbc.queryForList("""
                insert into inbox_event (source, event_id, event_type, partition_key, payload, payload_sha256, content_type)
                values (?, ?, ?, ?, ?, ?, ?)
                on conflict (source, event_id) do nothing
                returning id""", Long.class, source, eventId, eventType, partitionKey, payload, sha, contentType);
        if (!inserted.isEmpty()) {
            return new Stored(inserted.get(0), source, eventId, false, true);
        }
        return jdbc.queryForObject("select id, payload_sha256 from inbox_event where source = ? and event_id = ?",
                (rs, n) -> new Stored(rs.getLong(1), source, eventId, true, sha.equals(rs.getString(2))),
                source, eventId);
    }

    static String sha256(String payload) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
