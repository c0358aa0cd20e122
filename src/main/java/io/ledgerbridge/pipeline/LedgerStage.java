package io.ledgerbridge.pipeline;

import io.ledgerbridge.platform.ProcessedMessages;

import io.ledgerbridge.canonical.UnroutableEventException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.canonical.CanonicalType;
import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.PostingService;
import io.ledgerbridge.platform.faults.Faults;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The step of the ledger stage ({@code routes/ledger/ledger-post-entries.camel.yaml}): one poll of the
 * canonical topic is posted in one database transaction, together with the consumer's record of each
 * message ({@code processed_message}, the idempotent consumer), so a redelivery, a replay or a re-drive
 * never posts twice and a crash before the commit leaves nothing half done. Offsets are committed after
 * that transaction, exactly up to what it posted. Each event's canonical form is kept on its inbox event
 * with its outcome, in the same statement. A message that is not a canonical finance event is
 * dead-lettered alone; if the batch fails for a reason of its own (not the database being away), its
 * events are posted again one by one, so one that cannot be posted is retried and dead-lettered alone
 * while the others post.
 */
@Component("ledgerStage")
public class LedgerStage {

    private static final Logger log = LoggerFactory.getLogger(LedgerStage.class);

    static final String CONSUMER = "ledger";
    static final String ROUTE = "ledger-post-entries";

    private final JdbcTemplate jdbc;
    private final PostingService posting;
    private final TransactionTemplate transactions;
    private final ObjectMapper mapper;
    private final KafkaBatch batches;
    private final ProcessedMessages processed;
    /** The canonical types the routing table sends to the ledger; anything else on the topic is a dead letter. */
    private final Set<CanonicalType> toLedger;

    public LedgerStage(JdbcTemplate jdbc, PostingService posting, TransactionTemplate transactions, ObjectMapper mapper,
                       KafkaBatch batches, ProcessedMessages processed, CanonicalRouting routing) {
        this.processed = processed;
        this.toLedger = routing.toLedger();
        this.jdbc = jdbc;
        this.posting = posting;
        this.transactions = transactions;
        this.mapper = mapper;
        this.batches = batches;
    }

    /** Posts one poll of canonical events and commits its offsets. */
    public void postBatch(Exchange batch) {
        List<Exchange> records = KafkaBatch.records(batch);
        List<Exchange> postable = new ArrayList<>(records.size());
        List<CanonicalEvent> events = new ArrayList<>(records.size());
        List<String> canonical = new ArrayList<>(records.size());
        for (Exchange record : records) {
            CanonicalEvent event;
            try {
                event = mapper.readValue(KafkaBatch.value(record), CanonicalEvent.class);
            } catch (JsonProcessingException e) {
                batches.deadLetter(record, ROUTE, e);
                continue;
            }
            if (event.type() == null || !toLedger.contains(event.type())) {
                batches.deadLetter(record, ROUTE, new UnroutableEventException("no posting rule for canonical type " + event.type()));
                continue;
            }
            postable.add(record);
            events.add(event);
            canonical.add(KafkaBatch.value(record));
        }
        if (!events.isEmpty()) {
            batches.allOrEach(ROUTE, postable, () -> {
                try {
                    transactions.executeWithoutResult(tx -> postAll(events, canonical, true));
                } catch (LedgerStore.EntryPostedBefore | org.springframework.dao.DuplicateKeyException e) {
                    // an invoice or payment posted before by another event: the careful way finds it and posts nothing twice
                    log.info("A batch of {} canonical events met a fact posted before ({}); posting it entry by entry",
                            events.size(), e.getMessage());
                    transactions.executeWithoutResult(tx -> postAll(events, canonical, false));
                }
            }, i -> transactions.executeWithoutResult(tx -> postAll(List.of(events.get(i)), List.of(canonical.get(i)), false)));
        }
        KafkaBatch.commit(records);
    }

    /**
     * Applies each event seen for the first time, in order, in the caller's transaction; an event whose
     * message was processed before (by an earlier delivery, or earlier in the same batch) is skipped.
     */
    private void postAll(List<CanonicalEvent> events, List<String> canonical, boolean together) {
        Set<String> firstTime = processed.firsts(CONSUMER, events.stream().map(LedgerStage::messageKey).toList());
        List<CanonicalEvent> fresh = new ArrayList<>(events.size());
        List<String> forms = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            if (firstTime.remove(messageKey(events.get(i)))) {
                fresh.add(events.get(i));
                forms.add(canonical.get(i));
            }
        }
        if (!fresh.isEmpty()) {
            posting.applyAll(fresh, forms, together);
        }
        if (Faults.armed()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    Faults.point("ledger.committed");
                }
            });
        }
    }

    private static String messageKey(CanonicalEvent event) {
        return event.source() + ":" + event.sourceEventId();
    }
}
