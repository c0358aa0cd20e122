package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;

/**
 * A CRM deal (Salesforce Opportunity, HubSpot deal) in the canonical model.
 *
 * @param crm        salesforce or hubspot
 * @param id         the CRM's deal id
 * @param amount     the deal amount in minor units of {@code currency} (total contract value)
 * @param won        whether the deal is closed won
 * @param ownerEmail the deal owner, who asked for the deal to be billed
 * @param ownerName  the deal owner's name, to name them in exceptions
 * @param pipeline   the CRM pipeline the stage belongs to (HubSpot), if the CRM has several
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Deal(String crm, String id, String name, String stage, boolean won, String accountId, String accountName,
                   String domain, Long amount, String currency, LocalDate closeDate, String ownerEmail,
                   String ownerName, String pipeline) {
}
