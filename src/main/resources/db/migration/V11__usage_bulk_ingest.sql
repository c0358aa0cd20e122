-- Usage files of millions of rows are loaded set-based (UsageFileLoad): every index on usage_event is
-- paid once a row, so the table keeps only what a query needs. The event key (producer, event_id)
-- becomes the primary key (it is what de-duplicates); id stays as an ordering column without an
-- index; the per-customer btree gives way to a BRIN index on occurred_at (rating and the usage summary
-- read a month at a time, and usage arrives roughly in time order).
alter table usage_event drop constraint usage_event_pkey;
alter table usage_event drop constraint usage_event_key;
alter table usage_event add constraint usage_event_pkey primary key (producer, event_id);
drop index usage_event_customer_period;
create index usage_event_occurred on usage_event using brin (occurred_at);
