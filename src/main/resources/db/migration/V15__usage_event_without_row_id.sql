-- usage_event is keyed by (event_id, producer); its bigserial id was never read, yet every stored row
-- paid a nextval() for it (about 0.4 s of a million-row file). An exception for a held event names
-- the event by its key instead.
alter table usage_event drop column id;
drop sequence if exists usage_event_id_seq;
