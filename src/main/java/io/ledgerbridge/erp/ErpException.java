package io.ledgerbridge.erp;

import java.time.Duration;

/** How an ERP call failed, which decides what the sync does next. */
public class ErpException extends RuntimeException {

    public ErpException(String message, Throwable cause) {
        super(message, cause);
    }

    /** 429, 5xx, a timeout, a lost connection: try again later (the ERP may have committed: look it up first). */
    public static class Retryable extends ErpException {
        private final Duration retryAfter;

        public Retryable(String message, Duration retryAfter, Throwable cause) {
            super(message, cause);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** The ERP refused the document (4xx): a person must look; the ERP's own message in plain words. */
    public static class Refused extends ErpException {
        public Refused(String message) {
            super(message, null);
        }
    }

    /** The ERP's accounting period of the date is closed: post on the first day of its next open period. */
    public static class ClosedPeriod extends ErpException {
        public ClosedPeriod(String message) {
            super(message, null);
        }
    }
}
