-- Stripe history imports (issue 21): a run over a date range, and per object family the cursor of its last
-- committed page (the id of the page's last object). A page's events are stored in the inbox before its
-- cursor moves; storing is idempotent by (source, event id), so a page stored again after a crash stores
-- nothing twice.
create table stripe_import (
    id            bigint generated always as identity primary key,
    job_id        bigint      not null references job_run (id),
    range_from    date        not null,
    range_to      date        not null,               -- exclusive
    status        text        not null default 'running'
                  check (status in ('running', 'succeeded', 'failed', 'cancelled')),
    phase         text        not null default 'opening', -- opening, listing, posting, done
    opening       boolean     not null default true,  -- book opening balances at range_from
    opening_entries int       not null default 0,
    first_inbox_id bigint,                            -- the inbox's next id when it started: its rows are from here (progress)
    started_by    text,
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    message       text
);
-- one import at a time (409 otherwise), whichever instance asks
create unique index stripe_import_one_running on stripe_import ((true)) where status = 'running';

create table stripe_import_cursor (
    import_id  bigint not null references stripe_import (id),
    family     text   not null,                       -- invoices, charges, refunds, ...
    last_id    text,                                  -- last object of the last committed page
    done       boolean not null default false,
    pages      bigint not null default 0,
    objects    bigint not null default 0,             -- objects read
    events     bigint not null default 0,             -- events they became
    stored     bigint not null default 0,             -- events the inbox did not have yet
    primary key (import_id, family)
);
