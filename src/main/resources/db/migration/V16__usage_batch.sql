-- Every usage row carried the name of its batch (a file, request or poll: some 45 characters), its feed and
-- its arrival time, the same on each of a file's million rows: a sixth of the row and of the WAL a load
-- writes. They move to usage_batch, one row a batch, and a usage row names its batch by a 4-byte id.
-- A batch is registered before its rows are stored (a file's in a statement of its own, so the second
-- connection that stores a large file can name it): a batch that failed is still recorded as received.
-- No foreign key: its check would fire once a row during a bulk COPY.
create table usage_batch (
    id          integer generated always as identity primary key,
    name        text        not null unique,
    feed        text        not null,             -- http, csv, kafka
    received_at timestamptz not null default now()
);

insert into usage_batch (name, feed, received_at)
select batch, min(feed), min(received_at) from usage_event group by batch;

alter table usage_event add column batch_id integer;
update usage_event e set batch_id = b.id from usage_batch b where b.name = e.batch;
alter table usage_event alter column batch_id set not null;

drop index usage_event_held;
alter table usage_event drop column batch, drop column feed, drop column received_at;
create index usage_event_held on usage_event (batch_id) where status = 'held';
