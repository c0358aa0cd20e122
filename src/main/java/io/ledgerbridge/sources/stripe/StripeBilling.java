package io.ledgerbridge.sources.stripe;

import io.ledgerbridge.contracts.ActRequest;
import io.ledgerbridge.contracts.BillingRecord;
import io.ledgerbridge.contracts.ActResult;

import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;

import io.ledgerbridge.contracts.ContractStage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.model.Customer;
import com.stripe.model.Invoice;
import com.stripe.model.InvoiceItem;
import com.stripe.model.Price;
import com.stripe.model.Subscription;
import com.stripe.model.SubscriptionItem;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerUpdateParams;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.SubscriptionCreateParams;
import com.stripe.param.SubscriptionUpdateParams;
import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.sources.stripe.StripeApi;
import io.ledgerbridge.contracts.domain.ContractRules;
import io.ledgerbridge.customers.CustomerDirectory;
import io.ledgerbridge.ledger.LedgerMappings;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Acts on a ready contract in Stripe (named by {@code routes/contracts/contracts-act.camel.yaml}):
 * the customer (created, or updated when the golden record already has one), a price per recurring
 * line, the subscription with its payment terms and PO (or an update of the subscription an
 * amendment replaces), one-time lines as invoice items. Each step is recorded once in
 * {@code contract_action} and sent with an idempotency key derived from the contract and the step,
 * so a retry, a redelivery or a replay after a crash never creates a second object.
 */
@Component("stripeBilling")
public class StripeBilling {

    private static final Logger log = LoggerFactory.getLogger(StripeBilling.class);



    private final JdbcTemplate jdbc;
    private final StripeApi stripe;
    private final ContractStage stage;
    private final CustomerDirectory customers;
    private final LedgerMappings catalogue;
    private final ObjectMapper mapper;
    private final ExceptionQueue exceptions;
    private final BillingRecord billing;

    public StripeBilling(JdbcTemplate jdbc, StripeApi stripe, ContractStage stage, CustomerDirectory customers,
                         LedgerMappings catalogue, ObjectMapper mapper, ExceptionQueue exceptions, BillingRecord billing) {
        this.billing = billing;
        this.exceptions = exceptions;
        this.jdbc = jdbc;
        this.stripe = stripe;
        this.stage = stage;
        this.customers = customers;
        this.catalogue = catalogue;
        this.mapper = mapper;
    }

    public ActResult act(ActRequest request) {
        String id = request.contractId();
        boolean claimed = billing.claim(id);
        Map<String, Object> row = jdbc.queryForMap("""
                select c.status, c.terms::text as terms, c.customer_id, c.amends, c.crm, d.deal_id, c.inbox_event_id,
                       x.decided_by as approved_by
                from contract c left join exception_item x on x.id = c.exception_id and x.status = 'approved'
                -- the deal as the CRM reported it: a contract let through without one writes nothing back
                left join deal d on d.crm = c.crm and d.deal_id = c.deal_id
                where c.id = ?""", id);
        String crm = (String) row.get("crm");
        String dealId = (String) row.get("deal_id");
        Long inboxId = (Long) row.get("inbox_event_id");
        String approvedBy = (String) row.get("approved_by");
        if (!claimed) {
            log.info("Contract {} is {}: nothing to act on", id, row.get("status"));
            return new ActResult(id, inboxId, crm, dealId, (String) row.get("customer_id"), null, null, (String) row.get("status"), true, approvedBy);
        }
        try {
            Contract c = stage.read((String) row.get("terms"));
            String customerId = (String) row.get("customer_id");
            Step step = new Step(id, inboxId, approvedBy);
            String stripeCustomer = customer(step, c, customerId);
            List<SubscriptionCreateParams.Item> items = new ArrayList<>();
            List<String> priceIds = new ArrayList<>();
            int n = 0;
            for (Contract.Line line : c.lines()) {
                n++;
                // an SKU the catalogue does not know reached here only with a person's approval: it is billed
                // as a recurring line of its own product, which the ledger books by the catalogue's defaults
                LedgerMappings.Sku sku = catalogue.sku(line.sku()).orElseGet(() -> new LedgerMappings.Sku(line.sku(), null,
                        line.description() != null ? line.description() : line.sku(), catalogue.product(null, true)));
                if ("usage_in_arrears".equals(sku.rule().method())) {
                    continue; // usage is rated at period close and billed then
                }
                if (sku.recurring()) {
                    String price = price(step, c, line, sku, n);
                    priceIds.add(price);
                    items.add(SubscriptionCreateParams.Item.builder().setPrice(price).setQuantity(line.quantity()).build());
                } else {
                    oneTime(step, c, line, sku, stripeCustomer, n);
                }
            }
            String subscription = null;
            if (!items.isEmpty()) {
                String replaced = row.get("amends") == null ? null : subscriptionOf((String) row.get("amends"));
                subscription = replaced == null
                        ? subscribe(step, c, customerId, stripeCustomer, items)
                        : amend(step, c, replaced, (String) row.get("amends"), priceIds);
            } else if (n > 0) {
                invoice(step, c, stripeCustomer);
            }
            billing.billed(id, "billed in Stripe");
            return new ActResult(id, inboxId, crm, dealId, customerId, stripeCustomer, subscription, "billed", false, approvedBy);
        } catch (RuntimeException e) {
            boolean refused = e instanceof StripeApi.Refused;
            billing.failed(id, truncate(e.getMessage()));
            if (refused) {
                Map<String, Object> details = new java.util.LinkedHashMap<>();
                details.put("contractId", id);
                details.put("error", e.getMessage());
                exceptions.open(new NewException("billing_refused", inboxId, (String) row.get("customer_id"),
                        "Contract " + id + " could not be billed: " + truncate(e.getMessage()), details, "stripe", "contract", id));
            }
            throw e;
        }
    }

    /** One contract's record of what was done, and the idempotency key of each step. */
    private final class Step {
        final String contractId;
        final Long inboxId;
        final String approvedBy;

        Step(String contractId, Long inboxId, String approvedBy) {
            this.contractId = contractId;
            this.inboxId = inboxId;
            this.approvedBy = approvedBy;
        }

        String key(String step) {
            return "lb-" + contractId + "-" + step;
        }

        String done(String step) {
            return billing.done(contractId, step);
        }

        void record(String step, String system, String operation, String externalId, Map<String, Object> what, String detail) {
            billing.action(contractId, step, system, operation, key(step), externalId, stage.json(what), detail, approvedBy, inboxId);
            Map<String, String> audit = new LinkedHashMap<>();
            audit.put("step", step);
            audit.put("system", system);
            audit.put("externalId", externalId);
            if (approvedBy != null) {
                audit.put("approvedBy", approvedBy);
            }
            stage.audit("stripe-billing", system + "." + operation, "contract", contractId, inboxId, audit);
        }
    }

    private String customer(Step step, Contract c, String customerId) {
        String done = step.done("stripe.customer");
        if (done != null) {
            return done;
        }
        List<String> known = jdbc.queryForList(
                "select external_id from customer_xref where system = 'stripe' and customer_id = ? order by created_at limit 1",
                String.class, customerId);
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("name", c.customerLegalName());
        what.put("email", c.billingContactEmail());
        what.put("po", c.poNumber());
        if (!known.isEmpty()) {
            String id = known.get(0);
            CustomerUpdateParams.Builder p = CustomerUpdateParams.builder()
                    .putMetadata("ledgerbridge_customer_id", customerId).putMetadata("ledgerbridge_contract_id", step.contractId);
            if (c.billingContactEmail() != null) {
                p.setEmail(c.billingContactEmail());
            }
            if (c.poNumber() != null) {
                p.setInvoiceSettings(CustomerUpdateParams.InvoiceSettings.builder().addCustomField(
                        CustomerUpdateParams.InvoiceSettings.CustomField.builder().setName("PO Number").setValue(c.poNumber()).build()).build());
            }
            Customer updated = stripe.call("customer update", s -> s.customers().update(id, p.build(), StripeApi.idempotent(step.key("customer"))));
            step.record("stripe.customer", "stripe", "update", updated.getId(), what, "existing Stripe customer updated");
            return updated.getId();
        }
        CustomerCreateParams.Builder p = CustomerCreateParams.builder().setName(c.customerLegalName())
                .putMetadata("ledgerbridge_customer_id", customerId).putMetadata("ledgerbridge_contract_id", step.contractId);
        if (c.billingContactEmail() != null) {
            p.setEmail(c.billingContactEmail());
        }
        if (c.dealId() != null) {
            p.putMetadata("crm_deal_id", c.crm() + ":" + c.dealId());
        }
        if (c.poNumber() != null) {
            p.setInvoiceSettings(CustomerCreateParams.InvoiceSettings.builder().addCustomField(
                    CustomerCreateParams.InvoiceSettings.CustomField.builder().setName("PO Number").setValue(c.poNumber()).build()).build());
        }
        Customer created = stripe.call("customer create", s -> s.customers().create(p.build(), StripeApi.idempotent(step.key("customer"))));
        customers.link("stripe", created.getId(), customerId);
        step.record("stripe.customer", "stripe", "create", created.getId(), what, "Stripe customer created");
        return created.getId();
    }

    private String price(Step step, Contract c, Contract.Line line, LedgerMappings.Sku sku, int n) {
        String name = "stripe.price." + n;
        String done = step.done(name);
        if (done != null) {
            return done;
        }
        BigDecimal unit = netUnit(line);
        PriceCreateParams.Recurring.Builder recurring = PriceCreateParams.Recurring.builder();
        switch (c.billingFrequency()) {
            case "monthly" -> recurring.setInterval(PriceCreateParams.Recurring.Interval.MONTH).setIntervalCount(1L);
            case "quarterly" -> recurring.setInterval(PriceCreateParams.Recurring.Interval.MONTH).setIntervalCount(3L);
            default -> recurring.setInterval(PriceCreateParams.Recurring.Interval.YEAR).setIntervalCount(1L);
        }
        PriceCreateParams.Builder p = PriceCreateParams.builder().setCurrency(c.currency().toLowerCase(Locale.ROOT))
                .setRecurring(recurring.build())
                .setNickname(sku.name() + " (" + step.contractId + ")")
                .putMetadata("sku", line.sku()).putMetadata("ledgerbridge_contract_id", step.contractId)
                .putMetadata("list_unit_amount", Long.toString(line.unitPrice()));
        if (sku.productId() != null) {
            p.setProduct(sku.productId());
        } else {
            p.setProductData(PriceCreateParams.ProductData.builder().setName(sku.name()).putMetadata("sku", line.sku()).build());
        }
        if (unit.scale() <= 0) {
            p.setUnitAmount(unit.longValueExact());
        } else {
            p.setUnitAmountDecimal(unit);
        }
        if (line.discountPercent() != null) {
            p.putMetadata("discount_percent", line.discountPercent().toPlainString());
        }
        Price price = stripe.call("price create", s -> s.prices().create(p.build(), StripeApi.idempotent(step.key("price-" + n))));
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("sku", line.sku());
        what.put("product", sku.productId() == null ? "new product " + sku.name() : sku.productId());
        what.put("unitAmount", unit.toPlainString());
        what.put("interval", c.billingFrequency());
        step.record(name, "stripe", "create", price.getId(), what, "price for " + line.sku());
        return price.getId();
    }

    /** The unit price net of the line's discount, in (possibly fractional) minor units. */
    static BigDecimal netUnit(Contract.Line line) {
        BigDecimal unit = BigDecimal.valueOf(line.unitPrice());
        if (line.discountPercent() != null) {
            unit = unit.multiply(BigDecimal.valueOf(100).subtract(line.discountPercent()))
                    .divide(BigDecimal.valueOf(100), 6, RoundingMode.HALF_UP);
        }
        return unit.stripTrailingZeros();
    }

    private void oneTime(Step step, Contract c, Contract.Line line, LedgerMappings.Sku sku, String stripeCustomer, int n) {
        String name = "stripe.invoiceitem." + n;
        if (step.done(name) != null) {
            return;
        }
        long amount = ContractRules.lineAmount(line);
        InvoiceItemCreateParams params = InvoiceItemCreateParams.builder().setCustomer(stripeCustomer)
                .setCurrency(c.currency().toLowerCase(Locale.ROOT)).setAmount(amount)
                .setDescription(line.description() != null ? line.description() : sku.name())
                .putMetadata("sku", line.sku()).putMetadata("product", String.valueOf(sku.productId()))
                .putMetadata("ledgerbridge_contract_id", step.contractId).build();
        InvoiceItem item = stripe.call("invoice item create", s -> s.invoiceItems().create(params, StripeApi.idempotent(step.key("invoiceitem-" + n))));
        step.record(name, "stripe", "create", item.getId(), Map.of("sku", line.sku(), "amount", amount), "one-time " + line.sku());
    }

    private String subscribe(Step step, Contract c, String customerId, String stripeCustomer, List<SubscriptionCreateParams.Item> items) {
        String done = step.done("stripe.subscription");
        if (done != null) {
            return done;
        }
        SubscriptionCreateParams.Builder p = SubscriptionCreateParams.builder().setCustomer(stripeCustomer).addAllItem(items)
                .setCollectionMethod(SubscriptionCreateParams.CollectionMethod.SEND_INVOICE)
                .setDaysUntilDue((long) (c.paymentTermsDays() == null ? 30 : c.paymentTermsDays()))
                .putMetadata("ledgerbridge_contract_id", step.contractId).putMetadata("ledgerbridge_customer_id", customerId);
        if (c.poNumber() != null) {
            p.putMetadata("po_number", c.poNumber()).setDescription("PO " + c.poNumber());
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        if (c.startDate() != null && c.startDate().isAfter(today)) {
            p.setBillingCycleAnchor(c.startDate().atStartOfDay(ZoneOffset.UTC).toEpochSecond())
                    .setProrationBehavior(SubscriptionCreateParams.ProrationBehavior.NONE);
        } else if (c.startDate() != null && c.startDate().isBefore(today)) {
            p.setBackdateStartDate(c.startDate().atStartOfDay(ZoneOffset.UTC).toEpochSecond());
        }
        Subscription sub = stripe.call("subscription create", s -> s.subscriptions().create(p.build(), StripeApi.idempotent(step.key("subscription"))));
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("customer", stripeCustomer);
        what.put("items", sub.getItems() == null ? List.of() : sub.getItems().getData().stream().map(SubscriptionItem::getId).toList());
        what.put("daysUntilDue", c.paymentTermsDays());
        what.put("po", c.poNumber());
        what.put("startDate", String.valueOf(c.startDate()));
        step.record("stripe.subscription", "stripe", "create", sub.getId(), what, "subscription, Net " + c.paymentTermsDays());
        return sub.getId();
    }

    /** An amendment: the subscription of the contract it replaces gets the new prices in place of the old items. */
    private String amend(Step step, Contract c, String subscriptionId, String replacedContract, List<String> priceIds) {
        if (step.done("stripe.subscription") != null) {
            return subscriptionId;
        }
        SubscriptionUpdateParams.Builder p = SubscriptionUpdateParams.builder()
                .setProrationBehavior(SubscriptionUpdateParams.ProrationBehavior.NONE)
                .setDaysUntilDue((long) (c.paymentTermsDays() == null ? 30 : c.paymentTermsDays()))
                .putMetadata("ledgerbridge_contract_id", step.contractId);
        for (String old : itemsOf(replacedContract)) {
            p.addItem(SubscriptionUpdateParams.Item.builder().setId(old).setDeleted(true).build());
        }
        int i = 0;
        for (String price : priceIds) {
            p.addItem(SubscriptionUpdateParams.Item.builder().setPrice(price).setQuantity(c.lines().get(i++).quantity()).build());
        }
        Subscription sub = stripe.call("subscription update", s -> s.subscriptions().update(subscriptionId, p.build(),
                StripeApi.idempotent(step.key("subscription"))));
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("replaces", replacedContract);
        what.put("items", sub.getItems() == null ? List.of() : sub.getItems().getData().stream().map(SubscriptionItem::getId).toList());
        step.record("stripe.subscription", "stripe", "update", sub.getId(), what, "amendment of " + replacedContract);
        billing.superseded(replacedContract, "amended by " + step.contractId);
        return sub.getId();
    }

    private void invoice(Step step, Contract c, String stripeCustomer) {
        if (step.done("stripe.invoice") != null) {
            return;
        }
        InvoiceCreateParams params = InvoiceCreateParams.builder().setCustomer(stripeCustomer)
                .setCollectionMethod(InvoiceCreateParams.CollectionMethod.SEND_INVOICE)
                .setDaysUntilDue((long) (c.paymentTermsDays() == null ? 30 : c.paymentTermsDays()))
                .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.INCLUDE)
                .putMetadata("ledgerbridge_contract_id", step.contractId).build();
        Invoice invoice = stripe.call("invoice create", s -> s.invoices().create(params, StripeApi.idempotent(step.key("invoice"))));
        step.record("stripe.invoice", "stripe", "create", invoice.getId(), Map.of("customer", stripeCustomer), "one-time lines invoiced");
    }

    private String subscriptionOf(String contractId) {
        List<String> ids = jdbc.queryForList(
                "select external_id from contract_action where contract_id = ? and step = 'stripe.subscription'", String.class, contractId);
        return ids.isEmpty() ? null : ids.get(0);
    }

    private List<String> itemsOf(String contractId) {
        List<String> json = jdbc.queryForList(
                "select request::text from contract_action where contract_id = ? and step = 'stripe.subscription'", String.class, contractId);
        if (json.isEmpty()) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            mapper.readTree(json.get(0)).path("items").forEach(n -> out.add(n.asText()));
            return out;
        } catch (Exception e) {
            return List.of();
        }
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() > 500 ? s.substring(0, 500) : s;
    }
}
