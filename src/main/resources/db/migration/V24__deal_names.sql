-- A CRM deal's name, owner's name, stage and pipeline as the CRM gave them, so that an exception
-- about its contract can name the deal and its owner (and the trace shows where the deal stood).
alter table deal
    add column name       text,
    add column owner_name text,
    add column stage      text,
    add column pipeline   text;
