package io.ledgerbridge.platform;

import java.util.function.Supplier;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A value computed once per database transaction and forgotten when it ends: what a transaction may
 * reuse because nothing can change it before it commits (a lock it already holds, the closed periods
 * that lock protects, what it has itself read or written). Outside a transaction the value is
 * computed every time.
 */
public final class TransactionScoped<T> {

    private final String name;

    public TransactionScoped(String name) {
        this.name = name;
    }

    /** The key of this value in the current transaction: one per purpose and transaction. */
    private record Key(String name, Object transaction) {
    }

    @SuppressWarnings("unchecked")
    public T get(Object dataSource, Supplier<T> compute) {
        Object transaction = TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.isActualTransactionActive()
                ? TransactionSynchronizationManager.getResource(dataSource) : null;
        if (transaction == null) {
            return compute.get();
        }
        Key key = new Key(name, transaction);
        T value = (T) TransactionSynchronizationManager.getResource(key);
        if (value == null) {
            value = compute.get();
            TransactionSynchronizationManager.bindResource(key, value);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(key);
                }
            });
        }
        return value;
    }

    /** A value a transaction binds explicitly (absent until then), forgotten when it ends. */
    public static final class Optional<T> {
        private final String name;

        public Optional(String name) {
            this.name = name;
        }

        private Key key(Object dataSource) {
            Object transaction = TransactionSynchronizationManager.isSynchronizationActive()
                    && TransactionSynchronizationManager.isActualTransactionActive()
                    ? TransactionSynchronizationManager.getResource(dataSource) : null;
            return transaction == null ? null : new Key(name, transaction);
        }

        /** The value bound in the current transaction, or null. */
        @SuppressWarnings("unchecked")
        public T current(Object dataSource) {
            Key key = key(dataSource);
            return key == null ? null : (T) TransactionSynchronizationManager.getResource(key);
        }

        /** Binds the value to the current transaction (which must be active) until it ends. */
        public void bind(Object dataSource, T value) {
            Key key = key(dataSource);
            if (key == null) {
                throw new IllegalStateException(name + " needs an active transaction");
            }
            TransactionSynchronizationManager.unbindResourceIfPossible(key);
            TransactionSynchronizationManager.bindResource(key, value);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(key);
                }
            });
        }
    }
}
