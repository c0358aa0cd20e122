-- The rest of the money surface (accounting.md): payments known by their payment intent (an invoice payment
-- links to it), whether their processor fee is known yet (a fee still unknown a day after its charge opens an
-- exception), the currency the processor settled them in, and the payouts that failed or were canceled.
alter table ar_payment add column payment_intent text;
alter table ar_payment add column fee_status text not null default 'known'
    check (fee_status in ('known', 'unknown', 'flagged'));
alter table ar_payment add column paid_at timestamptz;
alter table ar_payment add column settlement_currency char(3);
create index ar_payment_intent on ar_payment (payment_intent) where payment_intent is not null;
create index ar_payment_fee_unknown on ar_payment (paid_at) where fee_status = 'unknown';

create table payout_failure (
    payout_id   text primary key,              -- stripe:po_...
    status      text not null,                 -- failed, canceled
    failure_code text,
    recorded_at timestamptz not null default now()
);
