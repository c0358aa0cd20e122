-- Revenue recognition: what was taken out of a line's deferred revenue by refunds and credit notes,
-- and what each recognition run recognised per line, cumulatively, through a date.

create table line_reduction (
    id          bigserial primary key,
    invoice_id  text   not null,
    line_id     text   not null,
    amount      bigint not null,             -- unearned part of a refund / credit note taken from this line's deferral
    reduced_on  date   not null,
    entry_id    bigint references journal_entry (id),
    foreign key (invoice_id, line_id) references invoice_line (invoice_id, line_id)
);
create index line_reduction_line on line_reduction (invoice_id, line_id);

create table recognition_run (
    id           bigserial primary key,
    through      date        not null,
    requested_by text        not null,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    lines        int         not null default 0,
    entries      int         not null default 0,
    amount       bigint      not null default 0
);

-- Written only by the recognition run, in bulk (a million rows for 100k lines over a year): no
-- foreign keys, whose per-row checks cost more than the insert; the run writes ids it just read.
create table recognition_posting (
    invoice_id  text   not null,
    line_id     text   not null,
    through     date   not null,                -- recognised through this day (inclusive)
    amount      bigint not null,                -- recognised by this posting
    cumulative  bigint not null,                -- recognised through `through`, all postings of the line
    entry_id    bigint,                         -- the journal entry (null when the run's lines netted to nothing)
    run_id      bigint not null,
    primary key (invoice_id, line_id, through)
);
create index recognition_posting_run on recognition_posting (run_id);

alter table invoice_line add column recognised bigint not null default 0;   -- running total of recognition_posting.amount
alter table invoice_line add column reduced bigint not null default 0;      -- running total of line_reduction.amount
alter table invoice_line add column recognised_through date;
create index invoice_line_open_deferral on invoice_line (invoice_id) where deferred and recognised + reduced <> amount;
