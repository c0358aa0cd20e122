-- The pipeline's state of an inbox event moves to a narrow table of its own (issue 22), so the event as
-- received is written once and never rewritten. Before, the whole row, payload included, was written three
-- times (stored, published, outcome): about 10 KB of WAL an event (docs/benchmarks.md).
--
-- received_event: the event as received, immutable (the table inbox_event was; its foreign keys from
--                 exception_item, dead_letter, inbox_conflict, contract, deal, ... follow it).
-- pipeline_state: where the event stands (status, reason, what it waits for, published, outcome, canonical
--                 form), one row an event, inserted by the same statement as the event. Written by the inbox
--                 module only (io.ledgerbridge.inbox: InboxStore, OutboxRelay, PipelineState).
-- inbox_event:    a view joining the two under the old name and columns, for the readers (console, metrics,
--                 reconciliation, tests). It cannot be written: an update of it fails, it does not go astray.

alter table inbox_event rename to received_event;
alter index inbox_event_pkey rename to received_event_pkey;
alter table received_event rename constraint inbox_event_key to received_event_key;
alter index inbox_event_received rename to received_event_received;
alter sequence inbox_event_id_seq rename to received_event_id_seq;

create table pipeline_state (
    id              bigint      primary key references received_event (id),
    -- received -> published -> posted | ignored | waiting | exception | dead_lettered | discarded
    status          text        not null default 'received',
    status_reason   text,
    waiting_for     text,                               -- e.g. invoice:in_123 while a payment waits for its invoice
    published_at    timestamptz,
    publish_count   int         not null default 0,
    processed_at    timestamptz,
    canonical_type  text,
    canonical       jsonb,                              -- the canonical form (trace)
    mapping_version text
);

insert into pipeline_state (id, status, status_reason, waiting_for, published_at, publish_count, processed_at,
                            canonical_type, canonical, mapping_version)
select id, status, status_reason, waiting_for, published_at, publish_count, processed_at, canonical_type, canonical,
       mapping_version
from received_event;

-- the relay's work, the re-drive, the gauges, and the release of waiting events
create index pipeline_state_unpublished on pipeline_state (id) where published_at is null;
create index pipeline_state_status on pipeline_state (status, published_at);
create index pipeline_state_waiting on pipeline_state (waiting_for) where status = 'waiting';

-- drops inbox_event_unpublished, inbox_event_status and inbox_event_waiting with them
alter table received_event
    drop column status,
    drop column status_reason,
    drop column waiting_for,
    drop column published_at,
    drop column publish_count,
    drop column processed_at,
    drop column canonical_type,
    drop column canonical,
    drop column mapping_version;

-- A left join: a query that reads only what was received does not touch pipeline_state (PostgreSQL removes
-- the join), and one that filters on the state (status = 'waiting' ... for update) reads it as an inner join.
create view inbox_event as
select r.id, r.source, r.event_id, r.event_type, r.partition_key, r.received_at, r.payload, r.payload_sha256,
       r.content_type, s.status, s.status_reason, s.waiting_for, s.published_at, s.publish_count, s.processed_at,
       s.canonical_type, s.canonical, s.mapping_version
from received_event r
left join pipeline_state s on s.id = r.id;
