-- The balance check of V1 ran for every inserted line over all lines of its entry at commit:
-- quadratic in the size of an entry (a recognition entry has thousands of lines). The ledger writes
-- all lines of an entry in one statement; a statement-level trigger checks each entry it touched once.
drop trigger journal_line_balanced on journal_line;
drop function journal_entry_must_balance();

create function journal_lines_must_balance() returns trigger language plpgsql as $$
declare bad record;
begin
    select l.entry_id, sum(l.debit) as d, sum(l.credit) as c, count(*) as n into bad
    from journal_line l
    where l.entry_id in (select distinct entry_id from new_lines)
    group by l.entry_id
    having count(*) < 2 or sum(l.debit) <> sum(l.credit)
    limit 1;
    if found then
        raise exception 'journal entry % does not balance (debits %, credits %, lines %)', bad.entry_id, bad.d, bad.c, bad.n;
    end if;
    return null;
end $$;
create trigger journal_line_balanced after insert on journal_line
    referencing new table as new_lines for each statement execute function journal_lines_must_balance();
