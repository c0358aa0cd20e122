package io.ledgerbridge.pipeline;

import io.ledgerbridge.canonical.CanonicalEvent;
import io.ledgerbridge.ledger.PostingService;
import io.ledgerbridge.platform.faults.Faults;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Steps of the ledger stage named by {@code routes/ledger/ledger-post-entries.camel.yaml}: an
 * idempotent consumer whose record of the message ({@code processed_message}) is written in the same
 * database transaction as the journal entries it causes, so a redelivery, a replay or a re-drive
 * never posts twice and a crash before commit leaves nothing half done.
 */
@Component("ledgerStage")
public class LedgerStage {

    static final String CONSUMER = "ledger";

    private final JdbcTemplate jdbc;
    private final PostingService posting;

    public LedgerStage(JdbcTemplate jdbc, PostingService posting) {
        this.jdbc = jdbc;
        this.posting = posting;
    }

    /** Applies a canonical event (journal entries, customer record) once. */
    @Transactional
    public void post(CanonicalEvent event) {
        boolean firstTime = jdbc.update("insert into processed_message (consumer, message_key) values (?, ?) on conflict do nothing",
                CONSUMER, event.source() + ":" + event.sourceEventId()) == 1;
        if (firstTime) {
            posting.apply(event);
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
}
