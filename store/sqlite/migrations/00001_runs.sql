-- Runs and their task runs (one row per attempt).
-- Times are TEXT in one fixed-width UTC layout, 2006-01-02T15:04:05.000000Z
-- (see store/internal/column), so they sort and compare as strings.

-- +goose Up
CREATE TABLE runs (
    id             TEXT PRIMARY KEY,
    pipeline       TEXT NOT NULL,
    interval_start TEXT NOT NULL,
    interval_end   TEXT NOT NULL,
    state          TEXT NOT NULL,
    triggered_by   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    ended_at       TEXT,
    -- owner is the process running the run (host:pid), '' when none;
    -- heartbeat_at is its last sign of life, for crash recovery.
    owner          TEXT NOT NULL DEFAULT '',
    heartbeat_at   TEXT,
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
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    task         TEXT NOT NULL,
    attempt      INTEGER NOT NULL CHECK (attempt >= 1),
    state        TEXT NOT NULL,
    started_at   TEXT,
    ended_at     TEXT,
    heartbeat_at TEXT,
    records_in   INTEGER NOT NULL DEFAULT 0,
    records_out  INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    -- log stays the last column: SQLite then never reads its overflow pages
    -- for queries that do not select it (ListTaskRuns).
    log          TEXT NOT NULL DEFAULT '',
    -- The primary key also serves "task runs by run_id".
    PRIMARY KEY (run_id, task, attempt)
);

-- +goose Down
DROP TABLE task_runs;
DROP TABLE runs;
