package io.ledgerbridge.ledger;

import io.ledgerbridge.canonical.CanonicalEvent;

/**
 * How the ledger names what an event refers to ({@code stripe:in_1}) and the entries it posts
 * ({@code stripe:invoice:in_1:finalized}).
 */
final class PostingKeys {

    private PostingKeys() {
    }

    static String ref(CanonicalEvent event, String id) {
        return event.source() + ":" + id;
    }

    static String key(CanonicalEvent event, String kind, String id, String suffix) {
        return event.source() + ":" + kind + ":" + id + (suffix == null ? "" : ":" + suffix);
    }
}
