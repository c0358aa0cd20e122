-- Usage events from every feed (HTTP, CSV drop, Kafka), de-duplicated by (producer, event id):
-- the same event arriving by several feeds is stored once. Held events keep their row and reason.
create table usage_event (
    id           bigserial primary key,
    producer     text        not null,             -- the system that produced the event (record field "source")
    event_id     text        not null,
    customer_ref text        not null,             -- as sent: a golden id or an external id
    customer_id  text,                             -- the golden customer, when known
    metric       text        not null,
    quantity     bigint      not null,
    occurred_at  timestamptz not null,
    properties   jsonb,
    feed         text        not null,             -- http, csv, kafka
    batch        text        not null,             -- the request, file or poll it came in
    status       text        not null,             -- accepted, held
    reason       text,
    received_at  timestamptz not null default now(),
    constraint usage_event_key unique (producer, event_id)
);
create index usage_event_customer_period on usage_event (customer_id, metric, occurred_at) where status = 'accepted';
create index usage_event_held on usage_event (batch) where status = 'held';
