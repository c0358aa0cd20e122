-- A Kafka record is dead-lettered once: the batch stages consume a poll again when it failed as a whole
-- (the database away), and the records of it they had already dead-lettered must not be stored twice.
-- The record's place in its topic (topic/partition/offset) identifies it; other dead letters have none.
alter table dead_letter add column source_position text;
create unique index dead_letter_source_position on dead_letter (source_position);
