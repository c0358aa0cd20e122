package io.ledgerbridge.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Stripe's list endpoints as the history import and the event recovery read them, as a WireMock
 * extension under {@code /stripe-history} (the import's api-base in tests, apart from the stubs other
 * tests put on {@code /v1/...}): {@code GET /v1/invoices}, {@code invoice_payments}, {@code charges},
 * {@code refunds}, {@code credit_notes}, {@code disputes}, {@code payouts}, {@code customers},
 * {@code customers/{id}/balance_transactions} and {@code events}, answering Stripe's list shape
 * {@code {"object":"list","data":[...],"has_more":..,"url":..}} newest first, with {@code limit},
 * {@code starting_after}, {@code ending_before}, {@code created[gte|gt|lt|lte]}; and Stripe's rate limit:
 * over {@link #rateLimit} requests in a second, 429 with Stripe's error body and {@code Retry-After: 1}.
 * Objects are those a test adds (shaped by {@link StripeEvents}) or, for the benchmark, generated from
 * their index so a million of them cost no memory.
 */
public class FakeStripeApi implements ResponseDefinitionTransformerV2 {

    public static final String PREFIX = "/stripe-history";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A family of generated objects: ids {@code <prefix>_g<index>}, created growing with the index. */
    private record Generated(String idPrefix, int count, IntFunction<ObjectNode> make) {
    }

    private static final Map<String, List<ObjectNode>> lists = new ConcurrentHashMap<>();
    private static final Map<String, Generated> generated = new ConcurrentHashMap<>();
    private static volatile int rateLimit;
    private static final AtomicLong window = new AtomicLong();
    private static final AtomicInteger inWindow = new AtomicInteger();
    private static final AtomicInteger requests = new AtomicInteger();
    private static final AtomicInteger limited = new AtomicInteger();
    private static final AtomicInteger failNext = new AtomicInteger();

    /** Forgets every object and setting (a test's fresh account). */
    public static void reset() {
        lists.clear();
        generated.clear();
        rateLimit = 0;
        requests.set(0);
        limited.set(0);
        failNext.set(0);
    }

    /** Adds objects to their list, by their {@code object} (a customer balance transaction: under its customer). */
    public static void add(ObjectNode... objects) {
        for (ObjectNode o : objects) {
            lists.computeIfAbsent(path(o), k -> new CopyOnWriteArrayList<>()).add(o);
        }
    }

    /** Answers 429 when more than this many requests come in one second (0: no limit). */
    public static void rateLimit(int perSecond) {
        rateLimit = perSecond;
    }

    /** The next n list requests fail with 500 (stripe-java retries them). */
    public static void failNext(int n) {
        failNext.set(n);
    }

    public static int requests() {
        return requests.get();
    }

    public static int rateLimited() {
        return limited.get();
    }

    /** A list of {@code count} objects made by {@code make(index)} on request (the benchmark's million). */
    public static void generate(String listPath, String idPrefix, int count, IntFunction<ObjectNode> make) {
        generated.put(listPath, new Generated(idPrefix, count, make));
    }

    static String path(ObjectNode o) {
        return switch (o.path("object").asText()) {
            case "invoice" -> "/v1/invoices";
            case "invoice_payment" -> "/v1/invoice_payments";
            case "charge" -> "/v1/charges";
            case "refund" -> "/v1/refunds";
            case "credit_note" -> "/v1/credit_notes";
            case "dispute" -> "/v1/disputes";
            case "payout" -> "/v1/payouts";
            case "customer" -> "/v1/customers";
            case "customer_balance_transaction" -> "/v1/customers/" + o.path("customer").asText() + "/balance_transactions";
            case "event" -> "/v1/events";
            default -> throw new IllegalArgumentException("the fake Stripe API does not list " + o.path("object").asText());
        };
    }

    @Override
    public String getName() {
        return "fake-stripe-api";
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request r = event.getRequest();
        requests.incrementAndGet();
        if (overLimit()) {
            limited.incrementAndGet();
            return new ResponseDefinitionBuilder().withStatus(429).withHeader("Content-Type", "application/json")
                    .withHeader("Retry-After", "1").withBody("""
                            {"error": {"code": "rate_limit", "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
                             "message": "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
                             "type": "invalid_request_error"}}""").build();
        }
        if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new ResponseDefinitionBuilder().withStatus(500).withHeader("Content-Type", "application/json")
                    .withBody("{\"error\": {\"message\": \"An unknown error occurred\", \"type\": \"api_error\"}}").build();
        }
        String path = r.getUrl().substring(PREFIX.length()).replaceFirst("\\?.*", "");
        String version = r.getHeader("Stripe-Version");
        int limit = Math.min(100, Integer.parseInt(param(r, "limit", "10")));
        Long gte = longParam(r, "created[gte]");
        Long gt = longParam(r, "created[gt]");
        Long lt = longParam(r, "created[lt]");
        Long lte = longParam(r, "created[lte]");
        String after = param(r, "starting_after", null);
        String before = param(r, "ending_before", null);
        List<ObjectNode> page = new ArrayList<>();
        boolean hasMore;
        Generated g = generated.get(path);
        if (g != null) {
            // newest (highest index) first
            int start = after == null ? g.count() - 1 : Integer.parseInt(after.substring(after.lastIndexOf("_g") + 2)) - 1;
            int i = start;
            while (i >= 0 && page.size() < limit) {
                ObjectNode o = g.make().apply(i--);
                if (within(o.path("created").asLong(), gte, gt, lt, lte)) {
                    page.add(o);
                }
            }
            hasMore = i >= 0;
        } else {
            List<ObjectNode> all = new ArrayList<>(lists.getOrDefault(path, List.of()));
            all.removeIf(o -> !within(o.path("created").asLong(), gte, gt, lt, lte));
            all.sort(Comparator.comparingLong((ObjectNode o) -> o.path("created").asLong())
                    .thenComparing(o -> o.path("id").asText()).reversed());
            int from = 0;
            int to = all.size();
            if (after != null) {
                from = indexOf(all, after) + 1;
            }
            if (before != null) {
                to = indexOf(all, before);
                from = Math.max(from, to - limit);
            }
            page.addAll(all.subList(Math.min(from, to), Math.min(to, from + limit)));
            hasMore = before != null ? from > 0 : from + limit < to;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        page.forEach(data::add);
        body.put("has_more", hasMore);
        body.put("url", path);
        return new ResponseDefinitionBuilder().withStatus(200).withHeader("Content-Type", "application/json")
                .withHeader("Request-Id", "req_fake" + requests.get())
                .withHeader("Stripe-Version", version == null ? StripeEvents.API_VERSION : version)
                .withBody(body.toString()).build();
    }

    private static int indexOf(List<ObjectNode> all, String id) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).path("id").asText().equals(id)) {
                return i;
            }
        }
        return all.size();
    }

    private static boolean within(long created, Long gte, Long gt, Long lt, Long lte) {
        return (gte == null || created >= gte) && (gt == null || created > gt) && (lt == null || created < lt)
                && (lte == null || created <= lte);
    }

    private static synchronized boolean overLimit() {
        if (rateLimit <= 0) {
            return false;
        }
        long second = System.currentTimeMillis() / 1000;
        if (window.get() != second) {
            window.set(second);
            inWindow.set(0);
        }
        return inWindow.incrementAndGet() > rateLimit;
    }

    private static String param(Request r, String name, String fallback) {
        QueryParameter p = r.queryParameter(name);
        return p != null && p.isPresent() ? p.firstValue() : fallback;
    }

    private static Long longParam(Request r, String name) {
        String v = param(r, name, null);
        return v == null ? null : Long.parseLong(v);
    }
}
