-- Usage rated at period close (accounting.md "Usage rating"): one charge per customer, billing period,
-- metric and kind (usage, minimum_shortfall), accrued to 1150 / 4100, pushed to Stripe as an invoice
-- item, and relieved from 1150 when the Stripe invoice that bills it is finalized.
create table usage_charge (
    id                  bigserial   primary key,
    customer_id         text        not null references customer (id),
    period              text        not null,            -- yyyy-MM, in the company time zone
    metric              text        not null,
    kind                text        not null,            -- usage, minimum_shortfall
    contract_id         text        references contract (id),
    currency            char(3)     not null,
    quantity            bigint      not null,
    events              bigint      not null,
    amount              bigint      not null,             -- minor units, rounded once at the line
    description         text        not null,
    accrual_entry_id    bigint      references journal_entry (id),
    stripe_invoice_item text,                             -- ii_..., once pushed
    pushed_at           timestamptz,
    invoiced_in         text,                             -- the Stripe invoice that relieved the accrual
    relief_entry_id     bigint      references journal_entry (id),
    rated_at            timestamptz not null default now(),
    constraint usage_charge_key unique (customer_id, period, metric, kind)
);
create index usage_charge_item on usage_charge (stripe_invoice_item);
create index usage_charge_unpushed on usage_charge (id) where stripe_invoice_item is null and amount > 0;

-- Each close of a billing period: who, when, what it rated (one at a time, cluster-wide).
create table usage_close_run (
    id           bigserial   primary key,
    period       text        not null,
    requested_by text        not null,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    customers    int,
    charges      int,
    amount       jsonb,                                    -- per currency
    unpriced     int,
    pushed       int
);
