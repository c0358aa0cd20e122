package io.ledgerbridge.exceptions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Announces new exceptions to a Slack-compatible incoming webhook (named by
 * {@code routes/ops/ops-exception-notify.camel.yaml}): which exceptions are not announced yet, the
 * message ({@code {"text": ...}} with Slack mrkdwn), and marking one announced once the chat took it.
 */
@Component("exceptionNotifier")
public class ExceptionNotifier {

    private final JdbcTemplate jdbc;
    private final ExceptionQueue queue;
    private final ObjectMapper mapper;
    private final String url;
    private final String publicUrl;

    public ExceptionNotifier(JdbcTemplate jdbc, ExceptionQueue queue, ObjectMapper mapper,
                             @Value("${ledgerbridge.notify.webhook-url:}") String url,
                             @Value("${ledgerbridge.public-url:http://localhost:8080}") String publicUrl) {
        this.jdbc = jdbc;
        this.queue = queue;
        this.mapper = mapper;
        this.url = url == null ? "" : url.trim();
        this.publicUrl = publicUrl.replaceAll("/+$", "");
    }

    public String url() {
        return url;
    }

    /** Exceptions not announced yet, oldest first (none when no webhook is configured). */
    public List<Map<String, Object>> pending() {
        if (url.isEmpty()) {
            return List.of();
        }
        return jdbc.queryForList("""
                select id, kind, summary, customer_id as "customer", requested_by as "requestedBy" from exception_item
                where notified_at is null order by id limit 20""");
    }

    public String message(@Body Map<String, Object> exception) {
        String text = ":warning: *Ledgerbridge exception #" + exception.get("id") + "* (" + exception.get("kind") + ")\n"
                + exception.get("summary")
                + (exception.get("requestedBy") == null ? "" : "\nRequested by " + exception.get("requestedBy")
                        + " (who cannot approve it)")
                + "\nReview: " + publicUrl + "/console/#exceptions (API: " + publicUrl + "/api/exceptions/" + exception.get("id") + ")";
        try {
            return mapper.writeValueAsString(Map.of("text", text));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public void notified(long id) {
        queue.markNotified(id);
    }
}
