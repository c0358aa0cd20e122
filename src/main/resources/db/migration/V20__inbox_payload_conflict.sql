-- A delivery whose (source, event id) the inbox already holds with a different body (its SHA-256 differs
-- from inbox_event.payload_sha256): the sender is answered "duplicate" as always and the first body is
-- kept, but the conflict is recorded here and opens an exception of kind payload_conflict (subject_type
-- 'inbox_conflict', subject_id = this row's id) holding both bodies, bounded. One row per distinct
-- conflicting body of an event; the same conflicting body delivered again counts a delivery.
create table inbox_conflict (
    id                bigint generated always as identity primary key,
    inbox_event_id    bigint      not null references inbox_event (id),
    payload_sha256    text        not null,              -- the conflicting body's hash
    payload_bytes     int         not null,              -- its size in UTF-8 bytes
    content_type      text,
    deliveries        int         not null default 1,    -- how often this body was delivered
    first_received_at timestamptz not null default now(),
    last_received_at  timestamptz not null default now(),
    constraint inbox_conflict_key unique (inbox_event_id, payload_sha256)
);

-- the event trace finds a conflict's exception by its subject
create index exception_item_subject on exception_item (subject_type, subject_id) where subject_type is not null;
