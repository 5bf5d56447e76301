-- Watermarks: each collector's incremental cursor, by source and key.

-- +goose Up
CREATE TABLE watermarks (
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);

-- +goose Down
DROP TABLE watermarks;
