package io.ledgerbridge.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * Builds Stripe event payloads shaped like Stripe's API (2024 versions): the event envelope and the
 * invoice, charge, refund and payout objects with the fields Stripe sends. Ids are made unique per
 * test run so tests sharing the database never collide.
 */
public final class StripeEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String API_VERSION = "2024-06-20";

    private StripeEvents() {
    }

    public static String uid() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 14);
    }

    public static ObjectNode event(String id, String type, ObjectNode object, Instant created) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", id);
        e.put("object", "event");
        e.put("api_version", API_VERSION);
        e.put("created", created.getEpochSecond());
        e.putObject("data").set("object", object);
        e.put("livemode", false);
        e.put("pending_webhooks", 1);
        ObjectNode request = e.putObject("request");
        request.putNull("id");
        request.putNull("idempotency_key");
        e.put("type", type);
        return e;
    }

    /** A finalized invoice with one subscription line over [periodStart, periodEnd). */
    public static ObjectNode invoice(String invoiceId, String customer, String currency, long amount,
                                     Instant periodStart, Instant periodEnd, Instant finalizedAt, String product) {
        ObjectNode inv = JSON.createObjectNode();
        inv.put("id", invoiceId);
        inv.put("object", "invoice");
        inv.put("account_country", "US");
        inv.put("amount_due", amount);
        inv.put("amount_paid", 0);
        inv.put("amount_remaining", amount);
        inv.put("attempt_count", 0);
        inv.put("attempted", false);
        inv.put("auto_advance", true);
        inv.put("billing_reason", "subscription_create");
        inv.putNull("charge");
        inv.put("collection_method", "charge_automatically");
        inv.put("created", finalizedAt.getEpochSecond());
        inv.put("currency", currency);
        inv.put("customer", customer);
        inv.put("customer_email", "billing@" + customer + ".example");
        inv.put("customer_name", "Customer " + customer);
        inv.putNull("due_date");
        inv.put("livemode", false);
        inv.put("number", "LB-" + invoiceId.substring(Math.max(0, invoiceId.length() - 6)).toUpperCase());
        inv.put("paid", false);
        inv.put("period_start", periodStart.getEpochSecond());
        inv.put("period_end", periodStart.getEpochSecond());
        inv.put("status", "open");
        ObjectNode transitions = inv.putObject("status_transitions");
        transitions.put("finalized_at", finalizedAt.getEpochSecond());
        transitions.putNull("paid_at");
        transitions.putNull("voided_at");
        transitions.putNull("marked_uncollectible_at");
        inv.put("subscription", "sub_" + invoiceId.substring(3));
        inv.put("subtotal", amount);
        inv.put("subtotal_excluding_tax", amount);
        inv.putNull("tax");
        inv.put("total", amount);
        inv.putArray("total_discount_amounts");
        inv.putArray("total_tax_amounts");
        inv.put("total_excluding_tax", amount);
        ObjectNode lines = inv.putObject("lines");
        lines.put("object", "list");
        ArrayNode data = lines.putArray("data");
        ObjectNode line = data.addObject();
        line.put("id", "il_" + invoiceId.substring(3));
        line.put("object", "line_item");
        line.put("amount", amount);
        line.put("amount_excluding_tax", amount);
        line.put("currency", currency);
        line.put("description", "1 x Platform (Annual)");
        line.putArray("discount_amounts");
        line.put("discountable", true);
        line.put("invoice", invoiceId);
        line.put("livemode", false);
        ObjectNode period = line.putObject("period");
        period.put("start", periodStart.getEpochSecond());
        period.put("end", periodEnd.getEpochSecond());
        ObjectNode price = line.putObject("price");
        price.put("id", "price_" + invoiceId.substring(3));
        price.put("object", "price");
        price.put("currency", currency);
        price.put("product", product);
        price.put("type", "recurring");
        price.put("unit_amount", amount);
        line.put("proration", false);
        line.put("quantity", 1);
        line.put("subscription", "sub_" + invoiceId.substring(3));
        line.putArray("tax_amounts");
        line.put("type", "subscription");
        lines.put("has_more", false);
        lines.put("total_count", 1);
        lines.put("url", "/v1/invoices/" + invoiceId + "/lines");
        return inv;
    }

    /** A succeeded charge paying an invoice; the balance transaction expanded with its fee when fee != null. */
    public static ObjectNode charge(String chargeId, String customer, String invoiceId, String currency, long amount,
                                    Long fee, Instant created) {
        ObjectNode ch = JSON.createObjectNode();
        ch.put("id", chargeId);
        ch.put("object", "charge");
        ch.put("amount", amount);
        ch.put("amount_captured", amount);
        ch.put("amount_refunded", 0);
        String txn = "txn_" + chargeId.substring(3);
        if (fee != null) {
            ObjectNode bt = ch.putObject("balance_transaction");
            bt.put("id", txn);
            bt.put("object", "balance_transaction");
            bt.put("amount", amount);
            bt.put("currency", currency);
            bt.put("fee", fee);
            bt.put("net", amount - fee);
            bt.put("reporting_category", "charge");
            bt.put("source", chargeId);
            bt.put("status", "pending");
            bt.put("type", "charge");
            bt.put("created", created.getEpochSecond());
            bt.put("available_on", created.getEpochSecond() + 2 * 86400);
            ArrayNode details = bt.putArray("fee_details");
            ObjectNode d = details.addObject();
            d.put("amount", fee);
            d.put("currency", currency);
            d.put("description", "Stripe processing fees");
            d.put("type", "stripe_fee");
        } else {
            ch.put("balance_transaction", txn);
        }
        ch.put("captured", true);
        ch.put("created", created.getEpochSecond());
        ch.put("currency", currency);
        ch.put("customer", customer);
        ch.put("description", "Payment for invoice");
        ch.put("disputed", false);
        if (invoiceId == null) {
            ch.putNull("invoice");
        } else {
            ch.put("invoice", invoiceId);
        }
        ch.put("livemode", false);
        ch.put("paid", true);
        ch.put("payment_intent", "pi_" + chargeId.substring(3));
        ch.put("payment_method", "pm_" + chargeId.substring(3));
        ch.put("refunded", false);
        ch.put("status", "succeeded");
        return ch;
    }

    public static ObjectNode refund(String refundId, String chargeId, String currency, long amount, Instant created) {
        ObjectNode re = JSON.createObjectNode();
        re.put("id", refundId);
        re.put("object", "refund");
        re.put("amount", amount);
        re.put("balance_transaction", "txn_" + refundId.substring(3));
        re.put("charge", chargeId);
        re.put("created", created.getEpochSecond());
        re.put("currency", currency);
        re.putObject("metadata");
        re.put("payment_intent", "pi_" + chargeId.substring(3));
        re.put("reason", "requested_by_customer");
        re.put("status", "succeeded");
        return re;
    }

    public static ObjectNode payout(String payoutId, String currency, long amount, Instant arrival) {
        ObjectNode po = JSON.createObjectNode();
        po.put("id", payoutId);
        po.put("object", "payout");
        po.put("amount", amount);
        po.put("arrival_date", arrival.getEpochSecond());
        po.put("automatic", true);
        po.put("balance_transaction", "txn_" + payoutId.substring(3));
        po.put("created", arrival.getEpochSecond() - 86400);
        po.put("currency", currency);
        po.put("destination", "ba_LBbank0001");
        po.put("livemode", false);
        po.put("method", "standard");
        po.put("reconciliation_status", "completed");
        po.put("source_type", "card");
        po.put("status", "paid");
        po.put("type", "bank_account");
        return po;
    }
}
