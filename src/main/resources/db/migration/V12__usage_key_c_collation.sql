-- The event key of usage_event compares byte-wise (collation "C"): every insert and de-duplication
-- compares keys, and under the database's libc locale (C.UTF-8 or en_US.UTF-8 by initdb's
-- environment) each comparison is a strcoll call and sorts get no abbreviated keys. An event id is an
-- identifier, not prose: only equality matters, and byte order is a total order for it.
-- The primary key leads with event_id: it tells keys apart at the first column (a file has one or few
-- producers), and a file's rows go in sorted by (event_id, producer), i.e. in index order
-- (UsageFileLoad). Lookups by (producer, event_id) and ON CONFLICT (producer, event_id) use it as before.
alter table usage_event
    alter column producer type text collate "C",
    alter column event_id type text collate "C",
    drop constraint usage_event_pkey,
    add constraint usage_event_pkey primary key (event_id, producer);
