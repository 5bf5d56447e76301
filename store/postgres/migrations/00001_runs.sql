-- Runs and their task runs (one row per attempt).

-- +goose Up
CREATE TABLE runs (
    id             text PRIMARY KEY,
    pipeline       text NOT NULL,
    interval_start timestamptz NOT NULL,
    interval_end   timestamptz NOT NULL,
    state          text NOT NULL,
    triggered_by   text NOT NULL,
    created_at     timestamptz NOT NULL,
    started_at     timestamptz,
    ended_at       timestamptz,
    -- owner is the process running the run (host:pid), '' when none;
    -- heartbeat_at is its last sign of life, for crash recovery.
    owner          text NOT NULL DEFAULT '',
    heartbeat_at   timestamptz,
    -- One run per (pipeline, interval): what makes runs idempotent.
    CONSTRAINT runs_slot UNIQUE (pipeline, interval_start, interval_end)
);

-- The UI's lists, newest first, at 10,000+ runs: all runs, one pipeline's
-- runs, runs in a state. Each index matches ListRuns' ORDER BY so a page is
-- an index range scan, not a sort.
CREATE INDEX runs_newest ON runs (interval_start DESC, created_at DESC, id DESC);
CREATE INDEX runs_pipeline_newest ON runs (pipeline, interval_start DESC, created_at DESC, id DESC);
CREATE INDEX runs_state_newest ON runs (state, interval_start DESC, created_at DESC, id DESC);

CREATE TABLE task_runs (
    run_id       text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task         text NOT NULL,
    attempt      integer NOT NULL CHECK (attempt >= 1),
    state        text NOT NULL,
    started_at   timestamptz,
    ended_at     timestamptz,
    heartbeat_at timestamptz,
    records_in   bigint NOT NULL DEFAULT 0,
    records_out  bigint NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    log          text NOT NULL DEFAULT '',
    -- The primary key also serves "task runs by run_id".
    PRIMARY KEY (run_id, task, attempt)
);

-- +goose Down
DROP TABLE task_runs;
DROP TABLE runs;
