-- Ledgerbridge spine: durable inbox, canonical trace, double-entry ledger, dead letters, exceptions, audit.

-- Every accepted webhook / feed message, stored raw before it is acknowledged.
-- UNIQUE (source, event_id) is the idempotency key, written in the same statement as the row.
create table inbox_event (
    id              bigserial primary key,
    source          text        not null,               -- stripe, docusign, pandadoc, hubspot, salesforce, usage
    event_id        text        not null,               -- the sender's event id
    event_type      text,                               -- the sender's event type (invoice.finalized, ...)
    partition_key   text        not null,               -- Kafka key: the sender's customer id (ordering per customer)
    received_at     timestamptz not null default now(),
    payload         text        not null,               -- the raw body, byte for byte as received (UTF-8)
    payload_sha256  text        not null,
    content_type    text,
    -- received -> published -> posted | ignored | waiting | exception | dead_lettered | discarded
    status          text        not null default 'received',
    status_reason   text,
    waiting_for     text,                               -- e.g. invoice:in_123 while a payment waits for its invoice
    published_at    timestamptz,
    publish_count   int         not null default 0,
    processed_at    timestamptz,
    canonical_type  text,
    canonical       jsonb,                              -- the canonical form (trace)
    mapping_version text,
    constraint inbox_event_key unique (source, event_id)
);
create index inbox_event_unpublished on inbox_event (id) where published_at is null;
create index inbox_event_status on inbox_event (status, published_at);
create index inbox_event_waiting on inbox_event (waiting_for) where status = 'waiting';
create index inbox_event_received on inbox_event (received_at);

-- A consumer's record of the messages whose effects it committed (same transaction as the effects).
create table processed_message (
    consumer     text        not null,
    message_key  text        not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, message_key)
);

-- Golden customer and its crosswalk of external ids.
create table customer (
    id          text        primary key,              -- cus-<uuid>
    legal_name  text,
    email       text,
    domain      text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create table customer_xref (
    system      text not null,                        -- stripe, salesforce, hubspot, docusign, pandadoc, netsuite, ...
    external_id text not null,
    customer_id text not null references customer (id),
    created_at  timestamptz not null default now(),
    primary key (system, external_id)
);
create index customer_xref_customer on customer_xref (customer_id);

-- Chart of accounts, loaded from mappings/chart-of-accounts.yaml at start-up.
create table account (
    code           text primary key,
    name           text not null,
    type           text not null,                      -- asset, liability, equity, revenue, contra_revenue, expense, other
    normal_balance text not null check (normal_balance in ('debit', 'credit'))
);

-- Journal entries: immutable once posted; a correction is a new entry linked by corrects_entry_id.
create table journal_entry (
    id                bigserial primary key,
    entry_key         text        not null unique,    -- business idempotency key: stripe:invoice:in_1:finalized
    entry_date        date        not null,           -- in ledger.timezone
    currency          char(3)     not null,
    memo              text        not null,
    posting_rule      text        not null,
    customer_id       text references customer (id),
    corrects_entry_id bigint references journal_entry (id),
    source_event_ids  bigint[]    not null default '{}',  -- inbox_event ids
    created_at        timestamptz not null default now()
);
create index journal_entry_date on journal_entry (entry_date);
create index journal_entry_customer on journal_entry (customer_id);
create index journal_entry_sources on journal_entry using gin (source_event_ids);

create table journal_line (
    id           bigserial primary key,
    entry_id     bigint not null references journal_entry (id),
    line_no      int    not null,
    account_code text   not null references account (code),
    debit        bigint not null default 0 check (debit >= 0),
    credit       bigint not null default 0 check (credit >= 0),
    customer_id  text,
    product      text,
    dimensions   jsonb,
    constraint journal_line_one_side check ((debit = 0) <> (credit = 0)),
    constraint journal_line_no unique (entry_id, line_no)
);
create index journal_line_account on journal_line (account_code);

-- An entry that does not balance is refused at commit (the domain refuses it first).
create function journal_entry_must_balance() returns trigger language plpgsql as $$
declare d bigint; c bigint; n int;
begin
    select coalesce(sum(debit), 0), coalesce(sum(credit), 0), count(*) into d, c, n
      from journal_line where entry_id = new.entry_id;
    if n < 2 or d <> c then
        raise exception 'journal entry % does not balance (debits %, credits %, lines %)', new.entry_id, d, c, n;
    end if;
    return null;
end $$;
create constraint trigger journal_line_balanced after insert on journal_line
    deferrable initially deferred for each row execute function journal_entry_must_balance();

create function ledger_is_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'posted journal entries are immutable: post a correcting entry instead';
end $$;
create trigger journal_entry_immutable before update or delete on journal_entry
    for each row execute function ledger_is_immutable();
create trigger journal_line_immutable before update or delete on journal_line
    for each row execute function ledger_is_immutable();

-- Receivables as the ledger knows them: one row per invoice, lines with service periods.
create table ar_invoice (
    invoice_id       text primary key,               -- stripe:in_...
    customer_id      text references customer (id),
    currency         char(3) not null,
    total            bigint  not null,
    amount_paid      bigint  not null default 0,     -- payments applied
    amount_credited  bigint  not null default 0,     -- credit notes applied
    amount_written_off bigint not null default 0,
    status           text    not null default 'open', -- open, paid, void, uncollectible
    invoice_date     date    not null,
    entry_id         bigint references journal_entry (id),
    updated_at       timestamptz not null default now()
);
create table invoice_line (
    invoice_id     text    not null references ar_invoice (invoice_id),
    line_id        text    not null,
    description    text,
    product        text,
    amount         bigint  not null,                 -- net of discounts, before tax, minor units
    account_code   text    not null,                 -- revenue account of the product
    method         text    not null,                 -- ratable, point_in_time, usage_in_arrears
    period_start   date,
    period_end     date,                             -- exclusive
    deferred       boolean not null,                 -- credited to 2000 at invoicing
    primary key (invoice_id, line_id)
);

-- Payments as the ledger applied them (to find the invoice of a refund, and overpayments).
create table ar_payment (
    payment_id     text primary key,                -- stripe:ch_...
    invoice_id     text,
    customer_id    text references customer (id),
    currency       char(3) not null,
    amount         bigint not null,
    applied        bigint not null,
    unapplied      bigint not null,
    amount_refunded bigint not null default 0,
    entry_id       bigint references journal_entry (id)
);

-- Review queue: what cannot go straight through waits for a person.
create table exception_item (
    id              bigserial primary key,
    kind            text        not null,           -- short_payment, mapping_error, unbalanced_invoice, ...
    status          text        not null default 'open', -- open, approved, rejected
    inbox_event_id  bigint references inbox_event (id),
    customer_id     text,
    summary         text        not null,
    details         jsonb,
    requested_by    text,
    created_at      timestamptz not null default now(),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text
);
create index exception_item_status on exception_item (status, created_at);

-- Messages a route could not process, with the original to replay.
create table dead_letter (
    id              bigserial primary key,
    inbox_event_id  bigint references inbox_event (id),
    route_id        text,
    replay_uri      text        not null,           -- where replay sends the stored original
    message_key     text,
    payload         text        not null,
    headers         jsonb,
    error_class     text,
    error_message   text,
    stack_trace     text,
    failed_at       timestamptz not null default now(),
    status          text        not null default 'open', -- open, replayed, discarded
    replay_count    int         not null default 0,
    resolved_by     text,
    resolved_at     timestamptz
);
create index dead_letter_status on dead_letter (status, failed_at);

-- Audit trail: who did what to which record, when.
create table audit_record (
    id           bigserial primary key,
    at           timestamptz not null default now(),
    actor        text        not null,              -- user name or system component
    action       text        not null,
    subject_type text        not null,
    subject_id   text        not null,
    inbox_event_id bigint,
    details      jsonb
);
create index audit_record_subject on audit_record (subject_type, subject_id);
create index audit_record_event on audit_record (inbox_event_id);
