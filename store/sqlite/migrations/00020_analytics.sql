-- Analytics: per-interval sentiment aggregates, anomalies, risk assessments
-- (score and flags) and the integrated score ranking. Every table has its
-- natural key as primary key, so re-running an interval rewrites the same
-- rows. Times are TEXT in store/internal/column's fixed-width UTC layout;
-- JSON columns are TEXT holding compact JSON.

-- +goose Up
CREATE TABLE sentiment_aggregates (
    token                   TEXT NOT NULL,
    interval_start          TEXT NOT NULL,
    interval_end            TEXT NOT NULL,
    volume                  INTEGER NOT NULL,
    unique_authors          INTEGER NOT NULL,
    mean_compound           REAL NOT NULL,
    reach_weighted_compound REAL NOT NULL,
    bullish_ratio           REAL NOT NULL,
    spam_share              REAL NOT NULL,
    burst_score             REAL NOT NULL,
    PRIMARY KEY (token, interval_start, interval_end)
);

CREATE TABLE anomalies (
    token          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    ts             TEXT NOT NULL,
    score          REAL NOT NULL,
    severity       TEXT NOT NULL,
    evidence       TEXT NOT NULL DEFAULT '{}',
    -- The data interval of the run that found it: a re-run of that
    -- interval deletes what it found before.
    interval_start TEXT NOT NULL,
    interval_end   TEXT NOT NULL,
    PRIMARY KEY (token, kind, ts)
);
-- Anomalies newest first, all tokens or one.
CREATE INDEX anomalies_newest ON anomalies (ts DESC);
CREATE INDEX anomalies_token_newest ON anomalies (token, ts DESC);
CREATE INDEX anomalies_found_by ON anomalies (token, interval_start, interval_end);

CREATE TABLE risk_scores (
    token           TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    risk_score      REAL NOT NULL,
    rug_probability REAL,
    breakdown       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (token, as_of)
);

-- A token's flags at as_of belong to its risk_scores row at as_of: an
-- assessment with no flags is a risk_scores row with none here.
CREATE TABLE risk_flags (
    token    TEXT NOT NULL,
    flag     TEXT NOT NULL,
    as_of    TEXT NOT NULL,
    severity TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '{}',
    source   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (token, as_of, flag),
    FOREIGN KEY (token, as_of) REFERENCES risk_scores (token, as_of) ON DELETE CASCADE
);

CREATE TABLE integrated_scores (
    token            TEXT NOT NULL,
    as_of            TEXT NOT NULL,
    symbol           TEXT NOT NULL DEFAULT '',
    chain            TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    sentiment_score  REAL,
    momentum_score   REAL,
    anomaly_score    REAL,
    risk_score       REAL,
    integrated_score REAL NOT NULL,
    rank             INTEGER NOT NULL,
    flags            TEXT NOT NULL DEFAULT '[]',
    breakdown        TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (token, as_of),
    CONSTRAINT integrated_scores_rank UNIQUE (as_of, rank)
);
CREATE INDEX integrated_scores_as_of ON integrated_scores (as_of DESC);

-- +goose Down
DROP TABLE integrated_scores;
DROP TABLE risk_flags;
DROP TABLE risk_scores;
DROP TABLE anomalies;
DROP TABLE sentiment_aggregates;
