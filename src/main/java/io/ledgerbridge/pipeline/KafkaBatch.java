package io.ledgerbridge.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ledgerbridge.platform.NotRetryable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * What the batch stages share: the records of one poll (camel-kafka {@code batching=true} hands a
 * route a list of exchanges, one a record), the exact commit of their offsets once their work is
 * committed, and the fate of one record that fails while the rest of its batch goes on: retried
 * with back-off, then written to the dead-letter store with its original message, as the
 * {@code lb-errors} route configuration does for one-record routes. A record whose dead letter cannot
 * be written fails its batch, so nothing of it is committed and the poll is consumed again.
 */
@Component
public class KafkaBatch {

    private static final Logger log = LoggerFactory.getLogger(KafkaBatch.class);

    private final ProducerTemplate producer;
    private final int retries;
    private final long firstDelayMs;

    public KafkaBatch(ProducerTemplate producer,
                      @Value("${ledgerbridge.pipeline.retries:3}") int retries,
                      @Value("${ledgerbridge.pipeline.retry-delay-ms:250}") long firstDelayMs) {
        this.producer = producer;
        this.retries = retries;
        this.firstDelayMs = firstDelayMs;
    }

    /** The records of a batch exchange, in the order they were polled. */
    @SuppressWarnings("unchecked")
    public static List<Exchange> records(Exchange batch) {
        Object body = batch.getMessage().getBody();
        return body instanceof List<?> list ? (List<Exchange>) list : List.of();
    }

    /** The record's value as text. */
    public static String value(Exchange record) {
        return record.getMessage().getBody(String.class);
    }

    /**
     * Commits, for each partition in the batch, the offset of its last record: exactly what the stage
     * has done, never the consumer's position. A commit refused because the partition has just moved
     * to another consumer is logged: that consumer starts from the last commit and the stages are
     * idempotent, so the records are done again, never lost.
     */
    public static void commit(List<Exchange> records) {
        Map<Integer, Exchange> last = new HashMap<>();
        for (Exchange r : records) {
            Integer partition = r.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class);
            Exchange seen = last.get(partition);
            if (seen == null || offset(r) > offset(seen)) {
                last.put(partition, r);
            }
        }
        for (Exchange r : last.values()) {
            KafkaManualCommit commit = r.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit == null) {
                throw new IllegalStateException("batch route without allowManualCommit: its offsets cannot be committed");
            }
            try {
                commit.commit();
            } catch (CommitFailedException | RebalanceInProgressException e) {
                log.info("Offset {} of {} not committed ({}); its new consumer repeats what follows the last commit",
                        offset(r), r.getMessage().getHeader(KafkaConstants.TOPIC), e.getClass().getSimpleName());
            }
        }
    }

    private static long offset(Exchange record) {
        return record.getMessage().getHeader(KafkaConstants.OFFSET, Long.class);
    }

    /** The database could not be reached or did not answer: nothing is wrong with the events themselves. */
    static boolean databaseAway(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransientDataAccessException || t instanceof DataAccessResourceFailureException
                    || t instanceof RecoverableDataAccessException || t instanceof TransactionException
                    || t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A failure that retrying cannot mend (the message itself is wrong, or its target refused it for good):
     * {@link NotRetryable}, or a message that is not JSON; the same list as the {@code lb-errors} route
     * configuration's onException {@code lb-errors-not-retryable}.
     */
    public static boolean notRetryable(Throwable e) {
        return e instanceof NotRetryable || e instanceof JsonProcessingException;
    }

    /** Work for one record, run again after a failure. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws Exception;
    }

    /** The work for the i-th record of a batch alone. */
    @FunctionalInterface
    public interface One {
        void run(int i) throws Exception;
    }

    /**
     * Does a batch's work for all its {@code records} at once; when that fails for a reason of its own
     * (not the database away: that fails the poll, which is consumed again), does it record by record,
     * each with retries, so only a record at fault is dead-lettered.
     */
    public void allOrEach(String routeId, List<Exchange> records, Runnable all, One each) {
        try {
            all.run();
        } catch (RuntimeException e) {
            if (databaseAway(e)) {
                throw e;
            }
            log.warn("Route {}: a batch of {} records failed ({}: {}); doing them one by one", routeId, records.size(),
                    e.getClass().getSimpleName(), e.getMessage());
            for (int i = 0; i < records.size(); i++) {
                int one = i;
                withRetries(records.get(i), routeId, () -> {
                    each.run(one);
                    return Boolean.TRUE;
                });
            }
        }
    }

    /**
     * Runs the work for one record with the back-off of {@code lb-errors} (250 ms, doubling, 3 retries;
     * a message that is wrong in itself is not retried). Returns its result, or null after the record
     * was dead-lettered.
     */
    public <T> T withRetries(Exchange record, String routeId, Work<T> work) {
        long delay = firstDelayMs;
        for (int attempt = 0; ; attempt++) {
            try {
                return work.run();
            } catch (Exception e) {
                if (notRetryable(e) || attempt >= retries) {
                    deadLetter(record, routeId, e);
                    return null;
                }
                log.warn("Route {}: record at offset {} failed ({}: {}); attempt {} of {} in {} ms", routeId,
                        record.getMessage().getHeader(KafkaConstants.OFFSET), e.getClass().getSimpleName(), e.getMessage(),
                        attempt + 2, retries + 1, delay);
                sleep(delay);
                delay *= 2;
            }
        }
    }

    /**
     * Writes the record to the dead-letter store (the {@code direct:dead-letter} route) with its error;
     * throws if that write fails, so the batch is not committed.
     */
    public void deadLetter(Exchange record, String routeId, Throwable error) {
        Exchange letter = record.copy();
        letter.setPattern(ExchangePattern.InOnly);
        letter.setException(null);
        letter.setProperty(Exchange.EXCEPTION_CAUGHT, error);
        letter.setProperty(Exchange.FAILURE_ROUTE_ID, routeId);
        Exchange sent = producer.send("direct:dead-letter", letter);
        if (sent.getException() != null) {
            throw new IllegalStateException("the dead letter of a record of " + routeId + " could not be written; "
                    + "the batch is consumed again", sent.getException());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }
}
