-- ERP sync: a transactional outbox from the ledger to each configured ERP. A journal entry gets one
-- row per ERP in the same transaction it is posted in; the sync claims rows, looks the document up
-- by our external id before any re-post (so a retry after a timeout never duplicates), and records
-- the ERP's id and its read-back status.
create table erp_posting (
    id              bigserial   primary key,
    erp             text        not null,                  -- netsuite, quickbooks, xero
    entry_id        bigint      not null references journal_entry (id),
    external_key    text        not null,                  -- lb-je-<entry id>: the ERP's external id / DocNumber / reference
    status          text        not null default 'pending',-- pending, sending, posted, confirmed, failed
    attempts        int         not null default 0,
    next_attempt_at timestamptz not null default now(),
    erp_id          text,                                  -- the ERP's document id
    erp_date        date,                                  -- the date the ERP booked it under (closed ERP period: later)
    erp_status      text,                                  -- as read back
    last_error      text,
    created_at      timestamptz not null default now(),
    posted_at       timestamptz,
    confirmed_at    timestamptz,
    constraint erp_posting_key unique (erp, entry_id)
);
create index erp_posting_due on erp_posting (erp, next_attempt_at) where status in ('pending', 'sending');

-- OAuth refresh tokens that rotate (QuickBooks Online, Xero): the newest one survives a restart.
create table erp_credential (
    erp        text        primary key,
    refresh_token text     not null,
    updated_at timestamptz not null default now()
);

-- Reconciliation runs and their breaks.
create table recon_run (
    id           bigserial   primary key,
    run_date     date        not null,                     -- the business day reconciled (company time zone)
    requested_by text        not null,
    status       text        not null default 'running',   -- running, done, failed
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    summary      jsonb,
    error        text
);
-- (the three sides of a run are snapshotted in a temporary table of the run's transaction)
create table recon_break (
    id          bigserial primary key,
    run_id      bigint    not null references recon_run (id),
    txn_key     text      not null,
    kind        text      not null,
    category    text      not null,                         -- missing_in_ledger, missing_in_erp, missing_in_source, amount_mismatch, date_mismatch, duplicate, late_posting, payout_composition, payout_not_in_bank
    erp         text,                                       -- the ERP of a ledger-vs-ERP break
    currency    char(3),
    source_amount bigint,
    ledger_amount bigint,
    erp_amount  bigint,
    source_date date,
    ledger_date date,
    erp_date    date,
    explanation text      not null,
    action      text      not null,
    first_seen  date      not null,
    revenue_at_risk bigint not null default 0
);
create index recon_break_run on recon_break (run_id, category);
create index recon_break_key on recon_break (txn_key, category);

-- Bank deposits as the bank reports them, for payout reconciliation.
create table bank_deposit (
    id         bigserial primary key,
    deposit_date date    not null,
    amount     bigint    not null,
    currency   char(3)   not null,
    reference  text,
    imported_at timestamptz not null default now(),
    constraint bank_deposit_unique unique (deposit_date, amount, currency, reference)
);
