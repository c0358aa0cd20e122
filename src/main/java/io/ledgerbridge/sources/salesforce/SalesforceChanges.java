package io.ledgerbridge.sources.salesforce;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ledgerbridge.inbox.ReceivedEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Exchange;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Salesforce Change Data Capture steps (named by {@code routes/ingress/ingress-salesforce-cdc.camel.yaml}):
 * which Opportunities to read again, the inbox envelope of a re-read record (the Flow/Apex callout
 * shape, so both ways in are mapped alike), and the replay id checkpoint the subscription resumes from.
 */
@Component("salesforceChanges")
public class SalesforceChanges {

    public static final String CHANNEL = "/data/OpportunityChangeEvent";

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public SalesforceChanges(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /** The replay id to resume from (-1: new events only). */
    public long resumeFrom() {
        List<Long> ids = jdbc.queryForList("select position from source_checkpoint where source = 'salesforce' and channel = ?",
                Long.class, CHANNEL);
        return ids.isEmpty() ? -1 : ids.get(0);
    }

    /**
     * The Opportunities to read again: every record of a gap event (no field values came), and of a
     * create or update that touched the stage; other changes cannot close a deal.
     */
    public List<String> recordsToRead(Exchange exchange) {
        String changeType = String.valueOf(exchange.getProperty("lbChangeType"));
        Object ids = exchange.getMessage().getHeader("CamelSalesforceRecordIds");
        List<String> records = new ArrayList<>();
        if (ids instanceof Collection<?> c) {
            c.forEach(o -> records.add(String.valueOf(o)));
        } else if (ids != null) {
            for (String s : ids.toString().replaceAll("[\\[\\]\\s]", "").split(",")) {
                if (!s.isEmpty()) {
                    records.add(s);
                }
            }
        }
        if (changeType.startsWith("GAP_")) {
            return records;
        }
        Object body = exchange.getMessage().getBody();
        boolean stageTouched = body instanceof Map<?, ?> m && (m.containsKey("StageName") || m.containsKey("IsWon"));
        return stageTouched && (changeType.equals("CREATE") || changeType.equals("UPDATE") || changeType.equals("UNDELETE"))
                ? records : List.of();
    }

    /** The re-read Opportunity as an inbox event, identified by the change (replay id) and the record. */
    public ReceivedEvent envelope(Exchange exchange) {
        String raw = exchange.getMessage().getBody(String.class);
        JsonNode record;
        try {
            record = mapper.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Salesforce returned an Opportunity that is not JSON", e);
        }
        Object replayId = exchange.getProperty("lbReplayId");
        String changeType = String.valueOf(exchange.getProperty("lbChangeType")).toLowerCase(Locale.ROOT);
        String id = record.path("Id").asText();
        ObjectNode body = mapper.createObjectNode();
        body.put("eventId", "cdc:" + replayId + ":" + id);
        body.put("eventType", "opportunity.cdc." + changeType);
        body.set("opportunity", record);
        String payload = body.toString();
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return new ReceivedEvent("salesforce", "cdc:" + replayId + ":" + id, "opportunity.cdc." + changeType,
                "salesforce:" + record.path("AccountId").asText(id), payload);
    }

    /** Records the replay id once every record of the change is stored (never moves backwards). */
    public void checkpoint(Exchange exchange) {
        Object replayId = exchange.getProperty("lbReplayId");
        if (replayId == null) {
            return;
        }
        jdbc.update("""
                insert into source_checkpoint (source, channel, position) values ('salesforce', ?, ?)
                on conflict (source, channel) do update set position = greatest(source_checkpoint.position, excluded.position),
                    updated_at = now()""", CHANNEL, Long.parseLong(replayId.toString()));
    }
}
