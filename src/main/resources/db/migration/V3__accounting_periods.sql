-- Accounting periods: a closed month accepts no new journal entry (the ledger re-dates a late entry
-- to the first open period and says so in its memo; the database refuses anything else).
create table accounting_period (
    period     char(7)     primary key,          -- yyyy-MM
    status     text        not null default 'closed' check (status in ('closed')),
    closed_at  timestamptz not null default now(),
    closed_by  text        not null
);

alter table journal_entry add column original_date date;   -- set when a late entry was re-dated out of a closed period

create function journal_entry_period_open() returns trigger language plpgsql as $$
begin
    if exists (select 1 from accounting_period where period = to_char(new.entry_date, 'YYYY-MM')) then
        raise exception 'accounting period % is closed: entry % cannot be dated %',
            to_char(new.entry_date, 'YYYY-MM'), new.entry_key, new.entry_date;
    end if;
    return new;
end $$;
create trigger journal_entry_period_open before insert on journal_entry
    for each row execute function journal_entry_period_open();
