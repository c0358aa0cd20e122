package io.ledgerbridge.platform;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The idempotent consumer's record ({@code processed_message}): a consumer records each message key in
 * the transaction that applies the message, so a redelivery, a replay or a re-drive is applied once.
 * The only writer of processed_message.
 */
@Component
public class ProcessedMessages {

    private final JdbcTemplate jdbc;

    public ProcessedMessages(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Records the message for the consumer; true when it is seen for the first time. */
    public boolean first(String consumer, String messageKey) {
        return jdbc.update("insert into processed_message (consumer, message_key) values (?, ?) on conflict do nothing",
                consumer, messageKey) == 1;
    }

    /** Records a batch of messages in one statement; returns the keys seen for the first time. */
    public Set<String> firsts(String consumer, List<String> messageKeys) {
        return new HashSet<>(jdbc.queryForList("""
                insert into processed_message (consumer, message_key) select ?, k from unnest(?::text[]) k
                on conflict do nothing returning message_key""", String.class, consumer, messageKeys.toArray(String[]::new)));
    }
}
