-- Watermarks: each collector's incremental cursor, by source and key.

-- +goose Up
CREATE TABLE watermarks (
    source     text NOT NULL,
    key        text NOT NULL,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (source, key)
);

-- +goose Down
DROP TABLE watermarks;
