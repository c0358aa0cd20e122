package io.ledgerbridge.contracts;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The contract's side of the billing act, for the billing system that carries it out (Stripe today):
 * the claim on a ready contract, each step done in the billing system (once, by its idempotency key),
 * and the outcome. The contracts module stays the only writer of contract and contract_action.
 */
@Component
public class BillingRecord {

    private final JdbcTemplate jdbc;

    public BillingRecord(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Claims a contract for acting: true when it was ready or failed (or its previous claim is older
     * than 30 s, its actor gone); false when another actor holds it or it is past acting.
     */
    public boolean claim(String contractId) {
        return jdbc.update("""
                update contract set status = 'acting', updated_at = now()
                where id = ? and (status in ('ready', 'failed') or (status = 'acting' and updated_at < now() - interval '30 seconds'))""",
                contractId) == 1;
    }

    /** The contract was billed (the write-back to the CRM and the confirmation follow). */
    public void billed(String contractId, String reason) {
        jdbc.update("update contract set status_reason = ?, updated_at = now() where id = ?", reason, contractId);
    }

    /** Billing failed; the contract can be acted on again. */
    public void failed(String contractId, String reason) {
        jdbc.update("update contract set status = 'failed', status_reason = ?, updated_at = now() where id = ?", reason, contractId);
    }

    /** An amendment replaced this contract's subscription. */
    public void superseded(String replacedContractId, String reason) {
        jdbc.update("update contract set status = 'superseded', status_reason = ? where id = ?", reason, replacedContractId);
    }

    /** The external id of a step already done for the contract, or null. */
    public String done(String contractId, String step) {
        return jdbc.queryForList("select external_id from contract_action where contract_id = ? and step = ?",
                String.class, contractId, step).stream().findFirst().orElse(null);
    }

    /** Records a step done in the billing system (once per contract and step). */
    public void action(String contractId, String step, String system, String operation, String idempotencyKey,
                       String externalId, String requestJson, String detail, String approvedBy, Long inboxEventId) {
        jdbc.update("""
                insert into contract_action (contract_id, step, system, operation, idempotency_key, external_id, request, status,
                                             detail, approved_by, inbox_event_id)
                values (?, ?, ?, ?, ?, ?, ?::jsonb, 'done', ?, ?, ?) on conflict (contract_id, step) do nothing""",
                contractId, step, system, operation, idempotencyKey, externalId, requestJson, detail, approvedBy, inboxEventId);
    }
}
