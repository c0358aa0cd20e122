package io.ledgerbridge.sources.stripe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.Currencies;
import io.ledgerbridge.canonical.Payment;
import io.ledgerbridge.canonical.Payout;
import io.ledgerbridge.canonical.mapping.EventMapping;
import io.ledgerbridge.canonical.mapping.MappingCatalog;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a raw Stripe event into a canonical event with the versioned mappings of
 * {@code mappings/stripe/} and checks the result against {@code mappings/canonical/*.schema.json}.
 * Unmapped types become IGNORED with a reason; a payload that does not fit its mapping throws
 * {@link MappingException} naming the problem.
 */
public class StripeEventMapper {

    private static final Logger log = LoggerFactory.getLogger(StripeEventMapper.class);
    public static final String SOURCE = "stripe";

    private final ObjectMapper mapper;
    private final FeeLookup feeLookup;
    private volatile MappingCatalog catalog;
    private volatile StripeCatalogue moneyEvents;
    private volatile Map<String, JsonSchema> schemas;
    private final Path mappingsDir;

    /**
     * What the mapper reads through the Stripe API when a webhook does not carry it (with an API key; without
     * one, {@link #NONE} knows nothing and the ledger waits for a later event that carries it): the settlement
     * of a balance transaction, or of a charge whose balance transaction is not set yet; the charges a payout
     * settled with their fees; the lines of an invoice that has more than the webhook lists.
     */
    public interface FeeLookup {
        /** A balance transaction: the amount and fee the processor settled, in its currency. */
        record Settlement(String balanceTransaction, String currency, long amount, long fee) {
        }

        Optional<Settlement> balanceTransaction(String balanceTransactionId);

        default Optional<Settlement> chargeSettlement(String chargeId) {
            return Optional.empty();
        }

        default List<Payout.Settlement> payoutCharges(String payoutId) {
            return List.of();
        }

        /** Every line of the invoice as Stripe's line item objects, when they can be read. */
        default Optional<JsonNode> invoiceLines(String invoiceId) {
            return Optional.empty();
        }

        FeeLookup NONE = id -> Optional.empty();
    }

    public StripeEventMapper(Path mappingsDir, ObjectMapper mapper, FeeLookup feeLookup) {
        this.mappingsDir = mappingsDir;
        this.mapper = mapper;
        this.feeLookup = feeLookup;
        reload();
    }

    /** Loads (again) the mappings and schemas; a faulty file fails here, naming file and line. */
    public synchronized void reload() {
        MappingCatalog loaded = MappingCatalog.load(mappingsDir, SOURCE);
        Map<String, JsonSchema> loadedSchemas = new HashMap<>();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        Path dir = mappingsDir.resolve("canonical");
        StripeCatalogue events = StripeCatalogue.load(mappingsDir, loaded);
        for (String target : MappingCatalog.TARGETS.keySet()) {
            Path file = dir.resolve(target + ".schema.json");
            try {
                loadedSchemas.put(target, factory.getSchema(mapper.readTree(Files.readString(file))));
            } catch (IOException | RuntimeException e) {
                throw new MappingException(mappingsDir.relativize(file) + ": cannot be loaded: " + e.getMessage(), e);
            }
        }
        this.catalog = loaded;
        this.moneyEvents = events;
        this.schemas = Map.copyOf(loadedSchemas);
    }

    public CanonicalEvent map(long inboxId, String rawEvent) {
        JsonNode root;
        try {
            root = mapper.readTree(rawEvent);
        } catch (JsonProcessingException e) {
            throw new MappingException("not a JSON Stripe event: " + e.getOriginalMessage());
        }
        String eventId = root.path("id").asText(null);
        String type = root.path("type").asText(null);
        JsonNode object = root.path("data").path("object");
        if (eventId == null || type == null || !object.isObject()) {
            throw new MappingException("a Stripe event needs id, type and data.object");
        }
        Instant created = root.path("created").canConvertToLong() ? Instant.ofEpochSecond(root.get("created").asLong()) : null;
        String customerGuess = customerOf(object);
        Optional<EventMapping> found = catalog.forEventType(type);
        if (found.isEmpty() && moneyEvents.movesMoney(type)) {
            return CanonicalEvent.unpostable(inboxId, SOURCE, eventId, type, created, customerGuess,
                    "Stripe event type " + type + " moves money and has no posting rule (" + moneyEvents.note(type) + ")");
        }
        if (found.isEmpty()) {
            String reason = catalog.ignoredReason(type).orElse("no mapping for Stripe event type " + type);
            return CanonicalEvent.ignored(inboxId, SOURCE, eventId, type, created, customerGuess, reason);
        }
        EventMapping m = found.get();
        if (!m.sourceObject().equals(object.path("object").asText())) {
            throw new MappingException(m.file() + ": " + type + " should carry a '" + m.sourceObject()
                    + "' object, got '" + object.path("object").asText() + "'");
        }
        for (Map.Entry<String, String> condition : m.requires().entrySet()) {
            String actual = object.path(condition.getKey()).asText(null);
            if (!condition.getValue().equals(actual)) {
                return CanonicalEvent.ignored(inboxId, SOURCE, eventId, type, created, customerGuess,
                        type + " with " + condition.getKey() + "=" + actual + " has no financial effect (needs "
                                + condition.getValue() + ")");
            }
        }
        if (m.target().equals("invoice") && object.path("lines").path("has_more").asBoolean(false)) {
            object = withAllLines(object);
        }
        ObjectNode body = m.body().apply(object, root);
        derive(m.target(), body);
        validate(m, body);
        JsonNode customer = m.customerRef() == null ? null : m.customerRef().evaluate(object, root);
        JsonNode at = m.occurredAt().evaluate(object, root);
        Instant occurredAt = at == null ? created : Instant.parse(at.asText());
        Object typed = convert(m, body);
        if (typed instanceof Payment p) {
            typed = withFee(p);
        } else if (typed instanceof Payout po && "paid".equals(po.status())) {
            typed = withSettlements(po);
        }
        return CanonicalEvent.of(inboxId, SOURCE, eventId, type, m.type(), occurredAt,
                customer == null ? null : customer.asText(), m.version(), typed);
    }

    /** The invoice with every line, read through the Stripe API, when its webhook lists only the first ones. */
    private JsonNode withAllLines(JsonNode invoice) {
        Optional<JsonNode> lines = feeLookup.invoiceLines(invoice.path("id").asText());
        if (lines.isEmpty()) {
            return invoice; // the lines do not add up to the total: the ledger holds it as an exception, naming why
        }
        ObjectNode copy = invoice.deepCopy();
        ObjectNode list = (ObjectNode) copy.path("lines");
        list.set("data", lines.get());
        list.put("has_more", false);
        return copy;
    }

    /** The payout with the charges it settled and their fees (Stripe API), for fees no webhook carried. */
    private Payout withSettlements(Payout po) {
        List<Payout.Settlement> settled = feeLookup.payoutCharges(po.id());
        if (settled.isEmpty()) {
            return po;
        }
        return new Payout(po.id(), po.currency(), po.amount(), po.arrivalDate(), po.status(), po.balanceTransactionRef(),
                po.failureCode(), settled);
    }

    /** Fields the canonical model defines in terms of others. */
    private static void derive(String target, ObjectNode body) {
        if (target.equals("invoice") && body.get("lines") != null) {
            for (JsonNode line : body.get("lines")) {
                ObjectNode l = (ObjectNode) line;
                if (!l.has("netAmount") && l.path("amount").isIntegralNumber() && l.path("discount").isIntegralNumber()) {
                    l.put("netAmount", l.get("amount").asLong() - l.get("discount").asLong());
                }
            }
        }
        if (target.equals("creditNote") && !body.has("creditAmount") && body.path("total").isIntegralNumber()) {
            long credit = "pre_payment".equals(body.path("type").asText()) ? 0
                    : body.get("total").asLong() - body.path("refundAmount").asLong(0) - body.path("outOfBandAmount").asLong(0);
            body.put("creditAmount", Math.max(0, credit));
        }
    }

    private void validate(EventMapping m, ObjectNode body) {
        Set<ValidationMessage> problems = schemas.get(m.target()).validate(body);
        if (!problems.isEmpty()) {
            throw new MappingException(m.version() + ": the canonical " + m.target() + " is not valid: "
                    + problems.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; ")));
        }
        try {
            Currencies.checkAll(body); // ISO 4217, every currency field at any depth
        } catch (MappingException e) {
            throw new MappingException(m.version() + ": the canonical " + m.target() + " is not valid: " + e.getMessage());
        }
    }

    private Object convert(EventMapping m, ObjectNode body) {
        try {
            return mapper.treeToValue(body, MappingCatalog.TARGETS.get(m.target()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new MappingException(m.version() + ": " + e.getMessage());
        }
    }

    /**
     * The payment with its fee and settlement: from the expanded balance transaction, else read through the
     * Stripe API by balance transaction id, or by charge (expand[]=balance_transaction) when the charge has
     * none yet ({@code capture_method: automatic_async}). Unknown without an API key: the ledger posts the fee
     * when a later event carries it.
     */
    private Payment withFee(Payment p) {
        if (p.fee() != null || !p.isCaptured() || p.id() == null) {
            return p;
        }
        Optional<FeeLookup.Settlement> settlement = p.balanceTransactionRef() != null
                ? feeLookup.balanceTransaction(p.balanceTransactionRef())
                : feeLookup.chargeSettlement(p.id());
        return settlement.map(s -> p.settled(s.balanceTransaction(), s.fee(), s.currency(), s.amount()))
                .orElseGet(() -> {
                    log.debug("Fee of {} not known yet: balance transaction not expanded and not retrieved", p.id());
                    return p;
                });
    }

    private static String customerOf(JsonNode object) {
        if ("customer".equals(object.path("object").asText())) {
            return object.path("id").asText(null);
        }
        JsonNode c = object.get("customer");
        if (c != null && c.isTextual()) {
            return c.asText();
        }
        return c != null && c.isObject() ? c.path("id").asText(null) : null;
    }
}
