package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * Signed contract terms (DocuSign envelope, PandaDoc document) in the canonical model: what the
 * customer agreed to, as the product understands it. Money in minor units of {@code currency};
 * usage unit prices may be fractional minor units.
 *
 * @param source            docusign or pandadoc
 * @param documentId        envelope or document id
 * @param crm               the CRM of the deal it belongs to (salesforce, hubspot)
 * @param dealId            the CRM's deal id, to join the two
 * @param termMonths        contract term in months
 * @param billingFrequency  monthly, quarterly or annual
 * @param paymentTermsDays  Net N
 * @param poRequired        whether the customer requires a PO number on invoices
 * @param sentBy            who sent it for signature, by email (the requester of any exception it raises)
 * @param documentName      the document's title (envelope subject, document name), to name it to people
 * @param sentByName        the sender's name, to name them to people
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Contract(String source, String documentId, Instant signedAt, String crm, String dealId,
                       String customerLegalName, String billingContactName, String billingContactEmail, String domain,
                       LocalDate startDate, Integer termMonths, String billingFrequency, Integer paymentTermsDays,
                       String currency, String poNumber, Boolean poRequired, String sentBy,
                       List<Line> lines, List<UsageTerm> usagePrices, String documentName, String sentByName) {

    /** Terms without the document's title and sender name. */
    public Contract(String source, String documentId, Instant signedAt, String crm, String dealId,
                    String customerLegalName, String billingContactName, String billingContactEmail, String domain,
                    LocalDate startDate, Integer termMonths, String billingFrequency, Integer paymentTermsDays,
                    String currency, String poNumber, Boolean poRequired, String sentBy,
                    List<Line> lines, List<UsageTerm> usagePrices) {
        this(source, documentId, signedAt, crm, dealId, customerLegalName, billingContactName, billingContactEmail, domain,
                startDate, termMonths, billingFrequency, paymentTermsDays, currency, poNumber, poRequired, sentBy, lines,
                usagePrices, null, null);
    }

    /** A product line: {@code unitPrice} per billing period (recurring) or once (one-time), before discount. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Line(String sku, String description, long quantity, long unitPrice, BigDecimal discountPercent) {
    }

    /** A usage price: mode per_unit, graduated or volume; prices in (fractional) minor units. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UsageTerm(String metric, String mode, BigDecimal unitPrice, List<Tier> tiers, long included, long minimum) {
    }

    /** A usage tier: units up to {@code upTo} (null: unbounded) at {@code unitPrice}, plus a flat fee. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tier(Long upTo, BigDecimal unitPrice, long flatFee) {
    }
}
