-- Long jobs (usage file loads, recognition runs, reconciliation, Stripe imports) report their progress here,
-- so the API, the console's progress bars and the metrics read one place. A row a run; counters are
-- rewritten as the job advances (at most a few times a second), never per item.
create table job_run (
    id          bigint generated always as identity primary key,
    kind        text        not null,                 -- usage_file, recognition, reconciliation, stripe_import, ...
    name        text        not null,                 -- what it works on: a file name, a date, a range
    status      text        not null default 'running' check (status in ('running', 'succeeded', 'failed', 'cancelled')),
    total       bigint,                               -- items expected, null when not known in advance
    done        bigint      not null default 0,       -- items finished
    detail      jsonb       not null default '{}',    -- job-specific counters (read, stored, posted, ...)
    message     text,                                 -- the failure, or a summary when finished
    cancel_requested boolean not null default false,
    started_by  text,
    started_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    finished_at timestamptz
);
create index job_run_recent on job_run (started_at desc);
create index job_run_running on job_run (kind) where status = 'running';
