package io.ledgerbridge.platform.web;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exceptions and dead letters told for a finance person: what happened and what to do about it. The
 * technical kind or error class stays in the API answer beside it (the console folds it away).
 */
public final class PlainLanguage {

    /** The document an event ({@code i}) is about, from its canonical form: "invoice in_1", "payment ch_1", ... */
    public static final String EVENT_DOCUMENT = """
            coalesce('invoice ' || (i.canonical #>> '{invoice,id}'), 'payment ' || (i.canonical #>> '{payment,id}'),
                     'refund ' || (i.canonical #>> '{refund,id}'), 'credit note ' || (i.canonical #>> '{creditNote,id}'),
                     'payout ' || (i.canonical #>> '{payout,id}'), 'contract ' || (i.canonical #>> '{contract,documentId}'),
                     'deal ' || (i.canonical #>> '{deal,id}'), i.event_type || ' ' || i.event_id)""";


    private PlainLanguage() {
    }

    private record Text(String happened, String todo) {
    }

    private static final Map<String, Text> EXCEPTIONS = Map.ofEntries(
            Map.entry("short_payment", new Text("The customer paid less than the invoice asked for.",
                    "Ask the customer for the rest, or approve to accept the short payment (the remainder stays open on the invoice).")),
            Map.entry("invoice_does_not_sum", new Text("The invoice's lines, discounts and tax do not add up to its total, so it was not booked.",
                    "Check the invoice in Stripe; correct it there (a credit note or a new invoice), then reject this one with the reason.")),
            Map.entry("dependency_missing", new Text("An event has waited too long for another one it depends on (a payment for its invoice, say).",
                    "Look for the missing document in Stripe; when it cannot come, reject with the reason.")),
            Map.entry("usage_held", new Text("A usage record was held back and not billed (unknown customer or metric, a negative "
                    + "quantity, or a date in a closed period).", "Fix the record at its source and send it again, or reject it.")),
            Map.entry("usage_unpriced", new Text("Usage was recorded but the customer's contract has no price for it, so it was not billed.",
                    "Add the price to the contract (or confirm it is free) and approve.")),
            Map.entry("usage_no_stripe_customer", new Text("Usage was rated but the customer has no Stripe customer to bill it to.",
                    "Link the customer to Stripe, then approve.")),
            Map.entry("usage_push_refused", new Text("Stripe refused the usage charge that was sent for billing.",
                    "Read Stripe's reason, fix it in Stripe or in the contract, then approve.")),
            Map.entry("amount_mismatch", new Text("The signed contract's amount differs from the deal's amount in the CRM.",
                    "Compare the signed order form with the deal; approve if the contract is right, reject otherwise.")),
            Map.entry("currency_mismatch", new Text("The signed contract is in another currency than the deal.",
                    "Check which currency was agreed; approve or reject with the reason.")),
            Map.entry("currency_not_billed", new Text("The contract's currency is not one the company bills in.",
                    "Agree a billing currency with sales; reject and have the contract corrected.")),
            Map.entry("payment_terms", new Text("The contract's payment terms are longer than the policy allows.",
                    "Approve if finance agreed to the terms, reject otherwise.")),
            Map.entry("missing_po", new Text("The customer requires a purchase order number and the contract has none.",
                    "Ask sales for the PO number; approve once you have it.")),
            Map.entry("missing_term", new Text("The contract lacks a term (start, length or billing frequency) needed to bill it.",
                    "Get the missing term from sales, then approve or reject.")),
            Map.entry("no_deal", new Text("A signed contract arrived but no closed-won deal in the CRM matches it.",
                    "Find the deal in the CRM (or have sales close it), then approve.")),
            Map.entry("no_lines", new Text("The contract has no product lines that could be billed.",
                    "Check the order form; reject and have it corrected.")),
            Map.entry("unmapped_sku", new Text("The contract names a product that is not in the product catalogue.",
                    "Add the product to mappings/products.yaml (or correct the contract), then approve.")),
            Map.entry("amendment_changes_billing", new Text("An amendment changes what is billed for a running contract.",
                    "Check the amendment against the original; approve to change the billing.")),
            Map.entry("no_posting_rule", new Text("Stripe reported a movement of money the ledger has no rule for, so it was not booked.",
                    "Look the event up in Stripe, book it by hand in the ledger or the ERP if it is real, then approve with what you did.")),
            Map.entry("fee_unknown", new Text("A payment was booked, but Stripe's processing fee for it is still unknown a day later.",
                    "Find the fee in Stripe (the payment's balance transaction) and book it by hand, or wait for the payout that lists it.")),
            Map.entry("dispute_funds_held", new Text("A dispute was won, but the money Stripe took for it has not come back yet.",
                    "Check the dispute in Stripe; the funds are booked when Stripe reinstates them. Approve once they have.")),
            Map.entry("refund_reversed", new Text("A refund failed or was canceled after it was booked: the money came back to Stripe.",
                    "Reverse the refund entry by hand (and what it took out of revenue), then approve with the entry's number.")),
            Map.entry("payload_conflict", new Text("The same event was delivered again with different content; the first version was kept.",
                    "Compare the two bodies in the details; if the second is right, correct the booking by hand, then approve.")));

    /** What happened and what to do for an exception; the summary is the fallback for a kind without a text. */
    public static Map<String, Object> exception(Map<String, Object> row) {
        Text t = EXCEPTIONS.get(String.valueOf(row.get("kind")));
        Map<String, Object> out = new LinkedHashMap<>(row);
        out.put("whatHappened", t == null ? String.valueOf(row.get("summary")) : t.happened());
        out.put("whatToDo", t == null ? "Read the details, then approve or reject with a reason." : t.todo());
        return out;
    }

    /** What happened and what to do for a dead letter, from its error class, message and route. */
    public static Map<String, Object> deadLetter(Map<String, Object> row) {
        String cls = String.valueOf(row.get("errorClass"));
        String message = String.valueOf(row.get("error"));
        String route = String.valueOf(row.get("routeId"));
        Text t;
        if (cls.endsWith("ErpException$ClosedPeriod")) {
            t = new Text("The ERP refused the journal entry because its accounting period is closed there.",
                    "Open the period in the ERP (or agree a later date), then replay.");
        } else if (cls.endsWith("ErpException$Refused")) {
            t = new Text("The ERP refused the journal entry: " + message + ".",
                    "Fix what the ERP names (a missing account, customer or reference in the ERP), then replay.");
        } else if (cls.contains("ErpException")) {
            t = new Text("The journal entry could not be sent to the ERP (it did not answer, or asked to wait).",
                    "Replay when the ERP is reachable again; all of this kind can be replayed at once.");
        } else if (cls.endsWith("StripeApi$Refused") || message.contains("Stripe")) {
            t = new Text("Stripe refused or could not take the request: " + message + ".",
                    "Fix the cause in Stripe or the configuration (an API key, a customer), then replay.");
        } else if (cls.endsWith("MappingException")) {
            t = new Text("The event could not be read into the finance model: " + message + ".",
                    "Have the mapping corrected, then replay; discard if the event does not matter.");
        } else if (cls.endsWith("UnroutableEventException")) {
            t = new Text("No part of the ledger handles this kind of event.", "Discard it if it does not matter, or ask for a mapping.");
        } else if (cls.endsWith("UnbalancedEntryException")) {
            t = new Text("The journal entry the event would make does not balance, so nothing was posted.",
                    "Ask engineering to check the posting rule; replay after the fix.");
        } else if (cls.contains("DataAccess") || cls.contains("SQL") || cls.contains("Jdbc")) {
            t = new Text("The database could not store the result.", "Replay: a passing database problem is gone by now.");
        } else {
            t = new Text("A step (" + route + ") failed after its retries: " + message + ".",
                    "Replay once the cause is fixed, or discard with a reason.");
        }
        Map<String, Object> out = new LinkedHashMap<>(row);
        out.put("whatHappened", t.happened());
        out.put("whatToDo", t.todo());
        return out;
    }
}
