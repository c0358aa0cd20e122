package io.ledgerbridge.platform.web;

/** Limits of list endpoints: limit 1..1000, offset >= 0. */
public final class Paging {
    private Paging() {
    }

    public static void check(int limit, int offset) {
        if (limit < 1 || limit > 1000) {
            throw ApiErrors.ApiException.badRequest("limit", "limit is between 1 and 1000");
        }
        if (offset < 0) {
            throw ApiErrors.ApiException.badRequest("offset", "offset is 0 or more");
        }
    }
}
