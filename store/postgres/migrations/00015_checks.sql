-- Data-quality check results, stored with the run and task that ran them.

-- +goose Up
CREATE TABLE checks (
    run_id         text NOT NULL,
    pipeline       text NOT NULL,
    task           text NOT NULL,
    interval_start timestamptz NOT NULL,
    interval_end   timestamptz NOT NULL,
    dataset        text NOT NULL,
    "check"        text NOT NULL,
    severity       text NOT NULL,
    passed         boolean NOT NULL,
    message        text NOT NULL,
    observed       double precision,
    at             timestamptz NOT NULL,
    PRIMARY KEY (run_id, task, dataset, "check")
);
CREATE INDEX checks_latest ON checks (pipeline, task, at);
CREATE INDEX checks_at ON checks (at);

-- +goose Down
DROP TABLE checks;
