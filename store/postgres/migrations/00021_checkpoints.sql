-- Analysis checkpoints: an analysis's replay state for one token as of a
-- time (the state covers the rows with time < as_of, row_count of them), so
-- the next run resumes from it instead of replaying the token's whole
-- history. PutCheckpoint keeps the newest three per (kind, token); state is
-- opaque bytes.

-- +goose Up
CREATE TABLE analysis_checkpoints (
    kind      text NOT NULL,
    token     text NOT NULL,
    as_of     timestamptz NOT NULL,
    row_count bigint NOT NULL CHECK (row_count >= 0),
    state     bytea NOT NULL,
    PRIMARY KEY (kind, token, as_of)
);

-- +goose Down
DROP TABLE analysis_checkpoints;
