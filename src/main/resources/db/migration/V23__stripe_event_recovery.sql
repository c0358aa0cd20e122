-- Missed-event recovery (issue 21): each run lists Stripe's /v1/events since the newest event an earlier run saw
-- and stores, through the inbox, the events the inbox lacks. One row a run.
create table stripe_event_recovery (
    id              bigint generated always as identity primary key,
    job_id          bigint references job_run (id),
    since_created   bigint      not null,             -- epoch seconds: created[gte] of the listing
    newest_created  bigint,                           -- the newest event listed (the next run's start)
    listed          int         not null default 0,
    recovered       int         not null default 0,
    status          text        not null default 'running'
                    check (status in ('running', 'succeeded', 'failed')),
    message         text,
    started_at      timestamptz not null default now(),
    finished_at     timestamptz
);
