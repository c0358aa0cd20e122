package io.ledgerbridge.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.CanonicalType;
import io.ledgerbridge.sources.stripe.StripeEventMapper;
import io.ledgerbridge.contracts.ContractMapper;
import io.ledgerbridge.inbox.IngressMessage;
import io.ledgerbridge.pipeline.CanonicalRouting.Destination;
import io.ledgerbridge.inbox.PipelineState;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The step of the canonical stage ({@code routes/canonical/canonical-map-events.camel.yaml}): one poll
 * of raw source events from the ingress topic becomes canonical events, routed by the table of
 * {@code mappings/routing.yaml} ({@link CanonicalRouting}).
 * <ol>
 * <li>Content-based routing by source picks the mapper: Stripe events go through the versioned
 * mappings of {@code mappings/stripe/}, CRM and e-signature events through those of the contract
 * sources. A message that cannot be read or mapped, or of a source the table does not route, is
 * dead-lettered alone (not retried: it is wrong in itself); a mapping that fails for another reason (a
 * look-up in the source's API) is retried, then dead-lettered alone.</li>
 * <li>The canonical form of an event that ends here (IGNORED, with its reason) or goes to the contract
 * stage is kept on its inbox event's pipeline state (the trace shows it) in one statement; a finance
 * event's form is kept by the ledger stage together with its outcome.</li>
 * <li>The others are routed by canonical type: to the canonical topic for the ledger or to the contract
 * topic, keyed by the source's customer so one customer's events stay in order. All are sent before any
 * acknowledgement is awaited.</li>
 * <li>The poll's offsets are committed once every event is stored and acknowledged by the broker.</li>
 * </ol>
 */
@Component("canonicalStage")
public class CanonicalStage {

    static final String ROUTE = "canonical-map-events";

    private final CanonicalRouting routing;
    private final PipelineState states;
    private final ObjectMapper mapper;
    private final StripeEventMapper stripe;
    private final ContractMapper contracts;
    private final KafkaBatch batches;
    private final ProducerTemplate producer;
    private final String canonicalUri;
    private final String contractsTopic;

    public CanonicalStage(CanonicalRouting routing, PipelineState states, ObjectMapper mapper, StripeEventMapper stripe,
                          ContractMapper contracts, KafkaBatch batches, ProducerTemplate producer,
                          @Value("${ledgerbridge.kafka.topics.canonical}") String canonicalTopic,
                          @Value("${ledgerbridge.kafka.topics.contracts}") String contractsTopic) {
        this.routing = routing;
        this.states = states;
        this.mapper = mapper;
        this.stripe = stripe;
        this.contracts = contracts;
        this.batches = batches;
        this.producer = producer;
        this.canonicalUri = "kafka:" + canonicalTopic;
        this.contractsTopic = contractsTopic;
    }

    /** Maps, stores and publishes one poll of the ingress topic, then commits its offsets. */
    public void mapBatch(Exchange batch) {
        List<Exchange> records = KafkaBatch.records(batch);
        List<CanonicalEvent> mapped = new ArrayList<>(records.size());
        for (Exchange record : records) {
            CanonicalEvent event = batches.withRetries(record, ROUTE, () -> map(KafkaBatch.value(record)));
            if (event != null) {
                mapped.add(event);
            }
        }
        record(mapped);
        publish(mapped);
        KafkaBatch.commit(records);
    }

    /** One raw event to its canonical form, by the mapper the routing table names for its source. */
    CanonicalEvent map(String value) throws JsonProcessingException {
        IngressMessage message = mapper.readValue(value, IngressMessage.class);
        return switch (routing.mapper(message.source())) {
            case STRIPE -> stripe.map(message.inboxId(), message.payload());
            case CONTRACTS -> contracts.map(message.inboxId(), message.source(), message.eventId(), message.eventType(), message.payload());
        };
    }

    /**
     * Keeps the canonical forms of the events that end here (IGNORED, with their reason) or leave the
     * finance flow (deals and contracts) on their inbox events. A finance event's form is kept by the
     * ledger stage with its outcome, in the one update it makes anyway. Idempotent.
     */
    private void record(List<CanonicalEvent> all) {
        List<CanonicalEvent> events = all.stream().filter(e -> routing.destination(e.type()) != Destination.LEDGER).toList();
        if (events.isEmpty()) {
            return;
        }
        int n = events.size();
        Long[] ids = new Long[n];
        String[] json = new String[n];
        String[] types = new String[n];
        String[] versions = new String[n];
        String[] reasons = new String[n];
        for (int i = 0; i < n; i++) {
            CanonicalEvent e = events.get(i);
            ids[i] = e.inboxId();
            json[i] = json(e);
            types[i] = e.type().name();
            versions[i] = e.mappingVersion();
            reasons[i] = e.type() == CanonicalType.IGNORED ? e.ignoredReason() : null;
        }
        states.canonicalForms(ids, json, types, versions, reasons);
    }

    /**
     * Sends every event that does not end here to the topic of its destination, in order, as one batch of
     * records (camel-kafka sends a list body record by record from this thread), then waits for all
     * acknowledgements.
     */
    private void publish(List<CanonicalEvent> events) {
        List<Message> messages = new ArrayList<>(events.size());
        for (CanonicalEvent e : events) {
            Destination destination = routing.destination(e.type());
            if (destination == Destination.END) {
                continue;
            }
            Message m = new DefaultMessage(producer.getCamelContext());
            m.setBody(json(e));
            m.setHeader(KafkaConstants.KEY, key(e));
            if (destination == Destination.CONTRACTS) {
                m.setHeader(KafkaConstants.OVERRIDE_TOPIC, contractsTopic);
            }
            messages.add(m);
        }
        if (messages.isEmpty()) {
            return;
        }
        Exchange sent = producer.send(canonicalUri, exchange -> exchange.getMessage().setBody(messages));
        if (sent.getException() != null) {
            throw new IllegalStateException("publishing canonical events failed; the poll is consumed again", sent.getException());
        }
    }

    private String json(CanonicalEvent event) {
        try {
            return mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kafka key of the canonical and contract topics: the source's customer, so its events stay in order. */
    public String key(CanonicalEvent event) {
        return event.customerRef() == null || event.customerRef().isBlank()
                ? event.source() + ":account"
                : event.source() + ":" + event.customerRef();
    }
}
