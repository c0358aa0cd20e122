package io.ledgerbridge.contracts.domain;

import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.canonical.Deal;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The validation of signed contract terms against the CRM deal and the catalogue, with the
 * thresholds of {@code mappings/contracts/validation.yaml}. Pure: no Spring, no database.
 *
 * @param amountToleranceMinor    CRM amount vs contract total: absolute tolerance in minor units
 * @param amountTolerancePercent  ... or relative to the CRM amount; the larger applies
 * @param maxPaymentTermsDays     longer payment terms need approval (null: no limit)
 * @param allowedCurrencies       currencies the company bills in (empty: any)
 */
public record ContractRules(boolean checkAmount, long amountToleranceMinor, BigDecimal amountTolerancePercent,
                            boolean checkSkus, Integer maxPaymentTermsDays, boolean checkPo, boolean currencyMustMatchDeal,
                            Set<String> allowedCurrencies, boolean checkAmendments, List<String> requiredTerms) {

    /**
     * A broken rule: its code and what a person needs to know; for something missing, the canonical
     * {@code term} (a contract term, or a field of the CRM deal when {@code ofDeal}).
     */
    public record Problem(String code, String message, String term, boolean ofDeal) {
        public Problem(String code, String message) {
            this(code, message, null, false);
        }
    }

    /** What people call each contract term, for "missing ..." messages. */
    private static final Map<String, String> TERM_NAMES = Map.ofEntries(
            Map.entry("customerLegalName", "legal name of the customer"),
            Map.entry("billingContactName", "billing contact name"),
            Map.entry("billingContactEmail", "billing contact email"),
            Map.entry("domain", "customer's website"),
            Map.entry("startDate", "start date"),
            Map.entry("termMonths", "term in months"),
            Map.entry("billingFrequency", "billing frequency"),
            Map.entry("paymentTermsDays", "payment terms"),
            Map.entry("currency", "currency"),
            Map.entry("poNumber", "PO number"),
            Map.entry("dealId", "CRM deal id"));

    /** How the catalogue knows a contract SKU. */
    public enum SkuKind { RECURRING, ONE_TIME, USAGE, UNKNOWN }

    public interface Catalogue {
        SkuKind kind(String sku);
    }

    /** Months in a billing period. */
    public static int months(String billingFrequency) {
        return switch (billingFrequency == null ? "" : billingFrequency) {
            case "monthly" -> 1;
            case "quarterly" -> 3;
            case "annual" -> 12;
            default -> throw new IllegalArgumentException("unknown billing frequency " + billingFrequency);
        };
    }

    /** Billing periods over the term (a started period counts). */
    public static int periods(Contract c) {
        int m = months(c.billingFrequency());
        return Math.max(1, (c.termMonths() + m - 1) / m);
    }

    /** One line's amount per billing period (recurring) or once (one-time), net of its discount, rounded half up once. */
    public static long lineAmount(Contract.Line line) {
        BigDecimal gross = BigDecimal.valueOf(line.unitPrice()).multiply(BigDecimal.valueOf(line.quantity()));
        if (line.discountPercent() == null) {
            return gross.longValueExact();
        }
        BigDecimal factor = BigDecimal.valueOf(100).subtract(line.discountPercent());
        return gross.multiply(factor).divide(BigDecimal.valueOf(100), 0, RoundingMode.HALF_UP).longValueExact();
    }

    /** The contract's value over its term: recurring lines every period, one-time lines once, usage not at all. */
    public static long total(Contract c, Catalogue catalogue) {
        long total = 0;
        int periods = c.billingFrequency() == null || c.termMonths() == null ? 1 : periods(c);
        for (Contract.Line line : c.lines()) {
            switch (catalogue.kind(line.sku())) {
                case RECURRING -> total = Math.addExact(total, Math.multiplyExact(lineAmount(line), periods));
                case ONE_TIME, UNKNOWN -> total = Math.addExact(total, lineAmount(line));
                case USAGE -> { }
            }
        }
        return total;
    }

    /** Every rule the contract breaks (empty: it can be acted on as signed). */
    public List<Problem> check(Contract c, Deal deal, Catalogue catalogue, Contract active) {
        List<Problem> problems = new ArrayList<>();
        for (String term : requiredTerms) {
            if (value(c, term) == null) {
                problems.add(new Problem("missing_term", "missing " + TERM_NAMES.getOrDefault(term, term), term, false));
            }
        }
        if (c.lines().isEmpty()) {
            problems.add(new Problem("no_lines", "the signed document has no line items"));
        }
        if (checkSkus) {
            for (Contract.Line line : c.lines()) {
                if (catalogue.kind(line.sku()) == SkuKind.UNKNOWN) {
                    problems.add(new Problem("unmapped_sku", "SKU " + line.sku() + " is not in mappings/products.yaml"));
                }
            }
        }
        if (c.currency() != null && !allowedCurrencies.isEmpty() && !allowedCurrencies.contains(c.currency())) {
            problems.add(new Problem("currency_not_billed", "the company does not bill in " + c.currency()));
        }
        if (deal == null) {
            problems.add(new Problem("no_deal", "no closed-won CRM deal is known for this contract"
                    + (c.dealId() == null ? " (the document names none)" : " (" + c.crm() + " " + c.dealId() + ")")));
        } else {
            if (checkAmount && deal.amount() == null) {
                problems.add(new Problem("missing_deal_amount", "missing amount", "amount", true));
            }
            if (currencyMustMatchDeal && deal.currency() != null && c.currency() != null && !deal.currency().equals(c.currency())) {
                problems.add(new Problem("currency_mismatch", "the contract is in " + c.currency() + ", the CRM deal in " + deal.currency()));
            } else if (checkAmount && deal.amount() != null && c.billingFrequency() != null && c.termMonths() != null) {
                long total = total(c, catalogue);
                long tolerance = Math.max(amountToleranceMinor, BigDecimal.valueOf(Math.abs(deal.amount()))
                        .multiply(amountTolerancePercent).divide(BigDecimal.valueOf(100), 0, RoundingMode.DOWN).longValue());
                if (Math.abs(total - deal.amount()) > tolerance) {
                    problems.add(new Problem("amount_mismatch", "the contract totals " + total + " " + c.currency()
                            + " minor units over its term, the CRM deal says " + deal.amount() + " (tolerance " + tolerance + ")"));
                }
            }
        }
        if (maxPaymentTermsDays != null && c.paymentTermsDays() != null && c.paymentTermsDays() > maxPaymentTermsDays) {
            problems.add(new Problem("payment_terms", "payment terms Net " + c.paymentTermsDays() + " exceed the limit of Net "
                    + maxPaymentTermsDays));
        }
        if (checkPo && Boolean.TRUE.equals(c.poRequired()) && (c.poNumber() == null || c.poNumber().isBlank())) {
            problems.add(new Problem("missing_po", "the customer requires a PO number and the document gives none"));
        }
        if (checkAmendments && active != null && changesBilling(active, c)) {
            problems.add(new Problem("amendment_changes_billing", "this contract replaces active contract "
                    + active.documentId() + " and changes how the customer is billed"));
        }
        return problems;
    }

    /** Frequency, currency, payment terms, PO or any line's SKU, quantity, price or discount differ. */
    public static boolean changesBilling(Contract before, Contract after) {
        if (!Objects.equals(before.billingFrequency(), after.billingFrequency()) || !Objects.equals(before.currency(), after.currency())
                || !Objects.equals(before.paymentTermsDays(), after.paymentTermsDays())
                || before.lines().size() != after.lines().size()) {
            return true;
        }
        for (int i = 0; i < before.lines().size(); i++) {
            Contract.Line a = before.lines().get(i);
            Contract.Line b = after.lines().get(i);
            if (!a.sku().equals(b.sku()) || a.quantity() != b.quantity() || a.unitPrice() != b.unitPrice()
                    || (a.discountPercent() == null ? b.discountPercent() != null
                        : b.discountPercent() == null || a.discountPercent().compareTo(b.discountPercent()) != 0)) {
                return true;
            }
        }
        return !Objects.equals(before.usagePrices(), after.usagePrices());
    }

    private static Object value(Contract c, String term) {
        return switch (term) {
            case "customerLegalName" -> c.customerLegalName();
            case "billingContactEmail" -> c.billingContactEmail();
            case "billingContactName" -> c.billingContactName();
            case "startDate" -> c.startDate();
            case "termMonths" -> c.termMonths();
            case "billingFrequency" -> c.billingFrequency();
            case "paymentTermsDays" -> c.paymentTermsDays();
            case "currency" -> c.currency();
            case "poNumber" -> c.poNumber();
            case "dealId" -> c.dealId();
            case "domain" -> c.domain();
            default -> throw new IllegalArgumentException("unknown term " + term);
        };
    }
}
