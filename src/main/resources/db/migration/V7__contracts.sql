-- Contract-to-cash: closed-won deals from the CRM, signed contracts from e-signature, what was done
-- about them in Stripe and the CRM, and the source checkpoints of streaming subscriptions.

-- A closed-won deal (Salesforce Opportunity, HubSpot deal) as the CRM last told it.
create table deal (
    crm           text        not null,            -- salesforce, hubspot
    deal_id       text        not null,            -- 006..., HubSpot deal id
    account_id    text,                            -- the CRM's account / company id
    account_name  text,
    domain        text,
    amount        bigint,                          -- minor units
    currency      char(3),
    close_date    date,
    owner_email   text,
    customer_id   text references customer (id),
    inbox_event_id bigint references inbox_event (id),
    received_at   timestamptz not null default now(),
    primary key (crm, deal_id)
);

-- A signed contract and its terms as understood (canonical JSON), and where it stands:
-- waiting_for_deal -> customer_review | exception -> ready -> active; rejected; superseded.
create table contract (
    id              text        primary key,       -- ctr-<source>-<document id>
    source          text        not null,          -- docusign, pandadoc
    document_id     text        not null,
    crm             text,
    deal_id         text,
    customer_id     text references customer (id),
    status          text        not null,
    status_reason   text,
    terms           jsonb       not null,
    total           bigint,                        -- contract value over the term, minor units
    currency        char(3),
    amends          text references contract (id), -- the contract this one replaces (amendment)
    requested_by    text,                          -- who sent it for signature / owns the deal
    inbox_event_id  bigint references inbox_event (id),
    deal_event_id   bigint references inbox_event (id),
    exception_id    bigint references exception_item (id),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    acted_at        timestamptz,
    constraint contract_document unique (source, document_id)
);
create index contract_deal on contract (crm, deal_id);
create index contract_customer on contract (customer_id);
create index contract_ready on contract (updated_at) where status = 'ready';

-- Each external action taken for a contract, once: the step key is unique, so a re-run skips it;
-- the idempotency key sent with it makes the external system skip it too.
create table contract_action (
    id              bigserial primary key,
    contract_id     text        not null references contract (id),
    step            text        not null,          -- stripe.customer, stripe.price.1, stripe.subscription, crm.writeback
    system          text        not null,          -- stripe, salesforce, hubspot
    operation       text        not null,          -- create, update
    idempotency_key text,
    external_id     text,
    request         jsonb,
    status          text        not null,          -- done, skipped
    detail          text,
    approved_by     text,
    inbox_event_id  bigint,
    at              timestamptz not null default now(),
    constraint contract_action_step unique (contract_id, step)
);

-- Streaming subscriptions resume from the last event they committed (Salesforce replay id).
create table source_checkpoint (
    source     text        not null,
    channel    text        not null,
    position   bigint      not null,
    updated_at timestamptz not null default now(),
    primary key (source, channel)
);

-- Customer matching: the normalised legal name used by the golden-record match.
alter table customer add column name_key text;
create index customer_name_key on customer (name_key);
create index customer_domain on customer (domain);

-- Exceptions are announced once to the configured chat webhook.
alter table exception_item add column notified_at timestamptz;
alter table exception_item add column subject_type text;
alter table exception_item add column subject_id text;
create index exception_item_unnotified on exception_item (id) where notified_at is null;
update exception_item set notified_at = created_at;
