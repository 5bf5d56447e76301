-- Data-quality check results, stored with the run and task that ran them.

-- +goose Up
CREATE TABLE checks (
    run_id         TEXT NOT NULL,
    pipeline       TEXT NOT NULL,
    task           TEXT NOT NULL,
    interval_start TEXT NOT NULL,
    interval_end   TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    "check"        TEXT NOT NULL,
    severity       TEXT NOT NULL,
    passed         INTEGER NOT NULL,
    message        TEXT NOT NULL,
    observed       REAL,
    at             TEXT NOT NULL,
    PRIMARY KEY (run_id, task, dataset, "check")
);
CREATE INDEX checks_latest ON checks (pipeline, task, at);
CREATE INDEX checks_at ON checks (at);

-- +goose Down
DROP TABLE checks;
