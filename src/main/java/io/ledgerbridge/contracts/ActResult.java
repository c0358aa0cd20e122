package io.ledgerbridge.contracts;

/** What the act step did, for the CRM write-back and the confirmation. */
public record ActResult(String contractId, Long inboxId, String crm, String dealId, String customerId, String stripeCustomerId,
                        String subscriptionId, String status, boolean skipped, String approvedBy) {
}
