package io.ledgerbridge.sources.stripe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a Stripe object read from a list into the events Stripe would have sent for the state it is in:
 * an envelope {@code {id, object:"event", type, created, api_version, data:{object}}} per state change the
 * object shows, with the stable id {@code import:<object id>:<state>} (an import run again stores nothing
 * twice) and created at the moment of that change where the object records it.
 */
public final class ImportedEvents {

    /** An object family the import lists, in the order it lists them (what others depend on first). */
    public enum Family {
        INVOICES("invoices", "/v1/invoices"),
        INVOICE_PAYMENTS("invoice_payments", "/v1/invoice_payments"),
        CHARGES("charges", "/v1/charges"),
        REFUNDS("refunds", "/v1/refunds"),
        CREDIT_NOTES("credit_notes", "/v1/credit_notes"),
        DISPUTES("disputes", "/v1/disputes"),
        CUSTOMER_BALANCE_TRANSACTIONS("customer_balance_transactions", "/v1/customers"),
        PAYOUTS("payouts", "/v1/payouts");

        public final String key;
        public final String path;

        Family(String key, String path) {
            this.key = key;
            this.path = path;
        }
    }

    /** One event to store: its id, type and the whole envelope. */
    public record Imported(String eventId, String type, ObjectNode envelope) {
    }

    private final ObjectMapper mapper;

    public ImportedEvents(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The events of one object, oldest first; none for an object with no financial state yet (a draft). */
    public List<Imported> of(JsonNode object, String apiVersion) {
        List<Imported> events = new ArrayList<>();
        String kind = object.path("object").asText();
        long created = object.path("created").asLong();
        JsonNode transitions = object.path("status_transitions");
        String status = object.path("status").asText();
        switch (kind) {
            case "invoice" -> {
                if (status.equals("draft") || status.isEmpty()) {
                    break;
                }
                add(events, object, apiVersion, "invoice.finalized", "finalized", at(transitions, "finalized_at", created));
                if (transitions.hasNonNull("marked_uncollectible_at") || status.equals("uncollectible")) {
                    add(events, object, apiVersion, "invoice.marked_uncollectible", "marked_uncollectible",
                            at(transitions, "marked_uncollectible_at", created));
                }
                if (status.equals("paid")) {
                    add(events, object, apiVersion, "invoice.paid", "paid", at(transitions, "paid_at", created));
                }
                if (status.equals("void")) {
                    add(events, object, apiVersion, "invoice.voided", "voided", at(transitions, "voided_at", created));
                }
            }
            case "invoice_payment" -> {
                if (status.equals("paid")) {
                    add(events, object, apiVersion, "invoice_payment.paid", "paid", at(transitions, "paid_at", created));
                }
            }
            case "charge" -> {
                // authorised and not captured, pending or failed: no money moved (yet)
                if (status.equals("succeeded") && object.path("captured").asBoolean(false)) {
                    add(events, object, apiVersion, "charge.succeeded", "succeeded", created);
                }
            }
            case "refund" -> {
                if (status.equals("succeeded") || status.equals("pending") || status.equals("requires_action")) {
                    add(events, object, apiVersion, "refund.created", "created", created);
                }
            }
            case "credit_note" -> {
                add(events, object, apiVersion, "credit_note.created", "created", created);
                if (status.equals("void")) {
                    add(events, object, apiVersion, "credit_note.voided", "voided",
                            object.hasNonNull("voided_at") ? object.get("voided_at").asLong() : created);
                }
            }
            case "dispute" -> {
                add(events, object, apiVersion, "charge.dispute.created", "created", created);
                if (status.equals("won") || status.equals("lost")) {
                    add(events, object, apiVersion, "charge.dispute.closed", "closed", lastBalanceChange(object, created));
                }
            }
            case "payout" -> {
                long arrival = object.path("arrival_date").asLong(created);
                if (status.equals("paid")) {
                    add(events, object, apiVersion, "payout.paid", "paid", arrival);
                } else if (status.equals("failed")) {
                    add(events, object, apiVersion, "payout.failed", "failed", arrival);
                }
            }
            case "customer_balance_transaction" ->
                    add(events, object, apiVersion, "customer.balance_transaction.created", "created", created);
            default -> {
                // an object the import does not list: nothing
            }
        }
        return events;
    }

    private void add(List<Imported> events, JsonNode object, String apiVersion, String type, String state, long created) {
        String id = "import:" + object.path("id").asText() + ":" + state;
        ObjectNode e = mapper.createObjectNode();
        e.put("id", id);
        e.put("object", "event");
        e.put("api_version", apiVersion);
        e.put("created", created);
        e.putObject("data").set("object", object);
        e.put("livemode", object.path("livemode").asBoolean(false));
        e.put("pending_webhooks", 0);
        ObjectNode request = e.putObject("request");
        request.putNull("id");
        request.putNull("idempotency_key");
        e.put("type", type);
        events.add(new Imported(id, type, e));
    }

    private static long at(JsonNode transitions, String field, long fallback) {
        JsonNode v = transitions.get(field);
        return v != null && v.isNumber() ? v.asLong() : fallback;
    }

    /** A closed dispute's last balance transaction (funds withdrawn or reinstated), else its creation. */
    private static long lastBalanceChange(JsonNode dispute, long fallback) {
        long last = fallback;
        for (JsonNode bt : dispute.path("balance_transactions")) {
            last = Math.max(last, bt.path("created").asLong(fallback));
        }
        return last;
    }
}
