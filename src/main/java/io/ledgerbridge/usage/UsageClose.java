package io.ledgerbridge.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.stripe.model.InvoiceItem;
import com.stripe.param.InvoiceItemCreateParams;
import io.ledgerbridge.canonical.Contract;
import io.ledgerbridge.exceptions.ExceptionQueue;
import io.ledgerbridge.exceptions.NewException;
import io.ledgerbridge.sources.stripe.StripeApi;
import io.ledgerbridge.ledger.LedgerStore;
import io.ledgerbridge.ledger.domain.PostingRules;
import io.ledgerbridge.usage.domain.Rating;
import io.ledgerbridge.usage.domain.UsagePrice;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Closes a billing period for usage (accounting.md "Usage rating"): each customer's accepted usage of
 * the month, summed per metric in one set-based query, is rated against the usage prices of the
 * customer's contract (included units, per_unit / graduated / volume, minimum commitment shortfall,
 * rounded once per line), stored as usage charges, and accrued (Dr 1150 Unbilled / Cr 4100 Usage
 * Revenue, dated the last day of the period). Then every charge not yet in Stripe is pushed as an
 * invoice item with an idempotency key; the Stripe invoice that bills it relieves 1150 when it is
 * finalized. Closing a period again rates nothing twice. One close at a time, cluster-wide.
 */
@Service
public class UsageClose {

    private static final Logger log = LoggerFactory.getLogger(UsageClose.class);
    private static final long CLOSE_LOCK = 0x4c42_5553_4147L; // "LBUSAG"

    /** What a close did. */
    public record Result(long run, String period, int customers, int charges, Map<String, Long> amount, int unpriced,
                         Push push, long ratingMillis) {
    }

    /** What a push of charges to Stripe did. */
    public record Push(int pushed, int waitingForStripeCustomer, int refused, int failed) {
    }

    /** Refused because the period is not over yet or another close is running. */
    public static class NotNow extends RuntimeException {
        public NotNow(String message) {
            super(message);
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final LedgerStore store;
    private final PostingRules rules;
    private final StripeApi stripe;
    private final ObjectMapper mapper;
    private final ZoneId zone;
    private final Clock clock;
    private final ExceptionQueue exceptions;

    public UsageClose(JdbcTemplate jdbc, TransactionTemplate tx, LedgerStore store, PostingRules rules, StripeApi stripe,
                      ObjectMapper mapper, @Value("${ledgerbridge.timezone:UTC}") String timezone, Clock clock,
                      ExceptionQueue exceptions) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.store = store;
        this.rules = rules;
        this.stripe = stripe;
        this.mapper = mapper;
        this.zone = ZoneId.of(timezone);
        this.clock = clock.withZone(zone);
        this.exceptions = exceptions;
    }

    /** The month before the current one, in the company time zone: the one the scheduled close closes. */
    public YearMonth previousPeriod() {
        return YearMonth.now(clock).minusMonths(1);
    }

    public Result close(YearMonth period, String requestedBy) {
        LocalDate end = period.plusMonths(1).atDay(1);
        if (!LocalDate.now(clock).isAfter(end.minusDays(1))) {
            throw new NotNow("usage period " + period + " is not over: it can be closed from " + end);
        }
        long started = System.nanoTime();
        Result rated = tx.execute(status -> {
            Boolean locked = jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, CLOSE_LOCK);
            if (!Boolean.TRUE.equals(locked)) {
                throw new NotNow("another usage close is running");
            }
            return rate(period, requestedBy);
        });
        long ratingMillis = (System.nanoTime() - started) / 1_000_000;
        Push push = push();
        jdbc.update("update usage_close_run set pushed = ?, finished_at = now() where id = ?", push.pushed(), rated.run());
        log.info("Usage period {} closed by {}: {} customers, {} charges {}, {} unpriced, rated in {} ms; {} pushed to Stripe",
                period, requestedBy, rated.customers(), rated.charges(), rated.amount(), rated.unpriced(), ratingMillis, push.pushed());
        return new Result(rated.run(), rated.period(), rated.customers(), rated.charges(), rated.amount(), rated.unpriced(), push,
                ratingMillis);
    }

    private record Priced(String contractId, String currency, Map<String, Contract.UsageTerm> terms) {
    }

    private Result rate(YearMonth period, String requestedBy) {
        Timestamp from = Timestamp.from(period.atDay(1).atStartOfDay(zone).toInstant());
        Timestamp to = Timestamp.from(period.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant());
        long run = jdbc.queryForObject("insert into usage_close_run (period, requested_by) values (?, ?) returning id",
                Long.class, period.toString(), requestedBy);
        // the contract in force at the end of the period, per customer: the latest billed one that started before it ended
        Map<String, Priced> contracts = new HashMap<>();
        jdbc.query("""
                select distinct on (customer_id) customer_id, id, currency, terms::text from contract
                where status in ('active', 'superseded') and customer_id is not null and (terms->>'startDate')::date < ?::date
                order by customer_id, (terms->>'startDate')::date desc, acted_at desc""", rs -> {
            Contract c = read(rs.getString(4));
            Map<String, Contract.UsageTerm> terms = new LinkedHashMap<>();
            for (Contract.UsageTerm t : c.usagePrices() == null ? List.<Contract.UsageTerm>of() : c.usagePrices()) {
                terms.put(t.metric(), t);
            }
            contracts.put(rs.getString(1), new Priced(rs.getString(2), rs.getString(3).trim(), terms));
        }, period.plusMonths(1).atDay(1).toString());
        Map<String, Map<String, long[]>> usage = new TreeMap<>();
        jdbc.query("""
                select customer_id, metric, sum(quantity), count(*) from usage_event
                where status = 'accepted' and occurred_at >= ? and occurred_at < ? and customer_id is not null
                group by customer_id, metric""", rs -> {
            usage.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4)});
        }, from, to);
        // a minimum commitment is owed without any usage too
        contracts.forEach((customer, priced) -> priced.terms().forEach((metric, term) -> {
            if (term.minimum() > 0) {
                usage.computeIfAbsent(customer, k -> new TreeMap<>()).putIfAbsent(metric, new long[] {0, 0});
            }
        }));

        List<Object[]> rows = new ArrayList<>();
        List<Object[]> unpriced = new ArrayList<>();
        usage.forEach((customer, metrics) -> metrics.forEach((metric, qn) -> {
            Priced priced = contracts.get(customer);
            Contract.UsageTerm term = priced == null ? null : priced.terms().get(metric);
            if (term == null) {
                unpriced.add(new Object[] {customer, metric, qn[0], qn[1], priced == null ? null : priced.contractId()});
                return;
            }
            for (Rating.RatedLine line : Rating.rate(price(term, priced.currency()), qn[0])) {
                rows.add(new Object[] {customer, period.toString(), metric, line.kind(), priced.contractId(), priced.currency(),
                        line.quantity(), qn[1], line.amount(), line.description() + " in " + period});
            }
        }));
        int before = jdbc.queryForObject("select count(*) from usage_charge where period = ?", Integer.class, period.toString());
        jdbc.batchUpdate("""
                insert into usage_charge (customer_id, period, metric, kind, contract_id, currency, quantity, events, amount, description)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (customer_id, period, metric, kind) do nothing""", rows);
        int charges = jdbc.queryForObject("select count(*) from usage_charge where period = ?", Integer.class, period.toString()) - before;
        // accrue each customer's new charges of the period, per currency
        Map<String, Long> totals = new TreeMap<>();
        LocalDate lastDay = period.atEndOfMonth();
        Map<String, Map<String, Long>> byCustomerCurrency = new LinkedHashMap<>();
        jdbc.query("""
                select customer_id, currency, metric, sum(amount) from usage_charge
                where period = ? and accrual_entry_id is null and amount > 0 group by customer_id, currency, metric
                order by customer_id, currency, metric""", rs -> {
            byCustomerCurrency.computeIfAbsent(rs.getString(1) + "|" + rs.getString(2).trim(), k -> new TreeMap<>())
                    .put(rs.getString(3), rs.getLong(4));
        }, period.toString());
        byCustomerCurrency.forEach((key, amounts) -> {
            String customer = key.substring(0, key.indexOf('|'));
            String currency = key.substring(key.indexOf('|') + 1);
            var entry = rules.usageAccrued("usage:accrual:" + customer + ":" + period + ":" + currency, lastDay, currency,
                    customer, amounts, "Usage of " + period + " rated, not yet invoiced: " + amounts.keySet());
            store.post(entry, null).ifPresent(id -> jdbc.update("""
                    update usage_charge set accrual_entry_id = ? where customer_id = ? and period = ? and currency = ?
                      and accrual_entry_id is null and amount > 0""", id, customer, period.toString(), currency));
            totals.merge(currency, entry.total(), Long::sum);
        });
        for (Object[] u : unpriced) {
            // once per customer, period and metric
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("period", period.toString());
            details.put("metric", u[1]);
            details.put("quantity", u[2]);
            details.put("events", u[3]);
            details.put("contract", orJsonNull(u[4]));
            exceptions.openOnce(NewException.of("usage_unpriced", "usage", "Usage of " + u[1] + " in " + period + " (" + u[2]
                    + " units) has no price in the customer's contract" + (u[4] == null ? " (no active contract)" : " " + u[4])
                    + ": not rated", details).customer((String) u[0]), "period", "metric");
        }
        jdbc.update("""
                update usage_close_run set customers = ?, charges = ?, amount = ?::jsonb, unpriced = ? where id = ?""",
                usage.size(), charges, json(totals), unpriced.size(), run);
        return new Result(run, period.toString(), usage.size(), charges, totals, unpriced.size(), null, 0);
    }

    static UsagePrice price(Contract.UsageTerm term, String currency) {
        UsagePrice.Mode mode = UsagePrice.Mode.valueOf(term.mode().toUpperCase(Locale.ROOT));
        List<UsagePrice.Tier> tiers = term.tiers() == null ? List.of()
                : term.tiers().stream().map(t -> new UsagePrice.Tier(t.upTo(), t.unitPrice(), t.flatFee())).toList();
        return new UsagePrice(term.metric(), currency, mode, term.unitPrice(), tiers, term.included(), term.minimum());
    }

    /**
     * Pushes every rated charge not yet in Stripe as an invoice item of the customer's Stripe customer
     * (idempotency key {@code lb-usage-charge-<id>}): the next invoice of the customer bills it.
     */
    public Push push() {
        if (!stripe.configured()) {
            Integer waiting = jdbc.queryForObject(
                    "select count(*) from usage_charge where stripe_invoice_item is null and amount > 0", Integer.class);
            if (waiting != null && waiting > 0) {
                log.warn("No Stripe API key (STRIPE_API_KEY): {} rated usage charges are accrued but not pushed to Stripe", waiting);
            }
            return new Push(0, waiting == null ? 0 : waiting, 0, 0);
        }
        int pushed = 0;
        int waiting = 0;
        int refused = 0;
        int failed = 0;
        List<Map<String, Object>> charges = jdbc.queryForList("""
                select u.id, u.customer_id, u.period, u.metric, u.kind, u.currency, u.amount, u.quantity, u.description, x.external_id as stripe
                from usage_charge u
                left join lateral (select external_id from customer_xref where customer_id = u.customer_id and system = 'stripe'
                                   order by created_at limit 1) x on true
                where u.stripe_invoice_item is null and u.amount > 0 order by u.id""");
        for (Map<String, Object> c : charges) {
            long id = (Long) c.get("id");
            String customer = (String) c.get("stripe");
            if (customer == null) {
                waiting++;
                // once per customer and period
                exceptions.openOnce(NewException.of("usage_no_stripe_customer", "usage", "Usage of " + c.get("period")
                        + " is rated but the customer has no Stripe customer to bill", Map.of("period", c.get("period")))
                        .customer((String) c.get("customer_id")), "period");
                continue;
            }
            YearMonth p = YearMonth.parse((String) c.get("period"));
            InvoiceItemCreateParams params = InvoiceItemCreateParams.builder().setCustomer(customer)
                    .setCurrency(((String) c.get("currency")).trim().toLowerCase(Locale.ROOT)).setAmount((Long) c.get("amount"))
                    .setDescription((String) c.get("description"))
                    .setPeriod(InvoiceItemCreateParams.Period.builder()
                            .setStart(p.atDay(1).atStartOfDay(zone).toEpochSecond())
                            .setEnd(p.plusMonths(1).atDay(1).atStartOfDay(zone).toEpochSecond()).build())
                    .putMetadata("ledgerbridge_usage_charge", Long.toString(id)).putMetadata("metric", (String) c.get("metric"))
                    .putMetadata("period", (String) c.get("period")).putMetadata("kind", (String) c.get("kind"))
                    .putMetadata("quantity", String.valueOf(c.get("quantity"))).build();
            try {
                InvoiceItem item = stripe.call("usage invoice item", s -> s.invoiceItems().create(params,
                        StripeApi.idempotent("lb-usage-charge-" + id)));
                jdbc.update("update usage_charge set stripe_invoice_item = ?, pushed_at = now() where id = ?", item.getId(), id);
                pushed++;
            } catch (StripeApi.Refused e) {
                refused++;
                // once per charge (a charge is one customer's)
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("charge", id);
                details.put("error", orJsonNull(e.getMessage()));
                exceptions.openOnce(NewException.of("usage_push_refused", "usage", "Usage charge " + id + " was refused by Stripe: "
                        + e.getMessage(), details).customer((String) c.get("customer_id")), "charge");
            } catch (RuntimeException e) {
                failed++;
                log.warn("Usage charge {} not pushed yet (tried again on the next push): {}", id, e.getMessage());
                break;
            }
        }
        return new Push(pushed, waiting, refused, failed);
    }

    /** A detail that may be absent, kept as JSON null (the mapper leaves null map values out). */
    private static Object orJsonNull(Object value) {
        return value == null ? NullNode.getInstance() : value;
    }

    private Contract read(String json) {
        try {
            return mapper.readValue(json, Contract.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
