-- Schedules: the scheduler's per-pipeline bookkeeping (memepipe serve).

-- +goose Up
CREATE TABLE schedules (
    pipeline         text PRIMARY KEY,
    -- The scheduler's JSON document: cursor, catch-up queue, buffered and
    -- pending slots. Opaque to the store (text, not jsonb: kept as given).
    state            text NOT NULL DEFAULT '',
    paused           boolean NOT NULL DEFAULT false,
    skipped_slots    bigint NOT NULL DEFAULT 0,
    last_skip_reason text NOT NULL DEFAULT '',
    last_skip_at     timestamptz,
    updated_at       timestamptz NOT NULL,
    -- Every write is a compare-and-swap on version, so two schedulers on
    -- one database never both advance a cursor.
    version          bigint NOT NULL CHECK (version >= 1)
);

-- Active runs per pipeline and trigger, oldest first: what the scheduler
-- counts against max_active_runs on every tick and where it finds queued
-- backfill runs to start. Partial, so it stays as small as the number of
-- runs in flight however long the history grows.
CREATE INDEX runs_active ON runs (pipeline, triggered_by, interval_start)
    WHERE state IN ('queued', 'running');

-- +goose Down
DROP INDEX runs_active;
DROP TABLE schedules;
