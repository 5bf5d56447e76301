-- Analytics: per-interval sentiment aggregates, anomalies, risk assessments
-- (score and flags) and the integrated score ranking. Every table has its
-- natural key as primary key, so re-running an interval rewrites the same
-- rows.

-- +goose Up
CREATE TABLE sentiment_aggregates (
    token                   text NOT NULL,
    interval_start          timestamptz NOT NULL,
    interval_end            timestamptz NOT NULL,
    volume                  integer NOT NULL,
    unique_authors          integer NOT NULL,
    mean_compound           double precision NOT NULL,
    reach_weighted_compound double precision NOT NULL,
    bullish_ratio           double precision NOT NULL,
    spam_share              double precision NOT NULL,
    burst_score             double precision NOT NULL,
    PRIMARY KEY (token, interval_start, interval_end)
);

CREATE TABLE anomalies (
    token          text NOT NULL,
    kind           text NOT NULL,
    ts             timestamptz NOT NULL,
    score          double precision NOT NULL,
    severity       text NOT NULL,
    evidence       jsonb NOT NULL DEFAULT '{}',
    -- The data interval of the run that found it: a re-run of that
    -- interval deletes what it found before.
    interval_start timestamptz NOT NULL,
    interval_end   timestamptz NOT NULL,
    PRIMARY KEY (token, kind, ts)
);
-- Anomalies newest first, all tokens or one.
CREATE INDEX anomalies_newest ON anomalies (ts DESC);
CREATE INDEX anomalies_token_newest ON anomalies (token, ts DESC);
CREATE INDEX anomalies_found_by ON anomalies (token, interval_start, interval_end);

CREATE TABLE risk_scores (
    token           text NOT NULL,
    as_of           timestamptz NOT NULL,
    risk_score      double precision NOT NULL,
    rug_probability double precision,
    breakdown       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (token, as_of)
);

-- A token's flags at as_of belong to its risk_scores row at as_of: an
-- assessment with no flags is a risk_scores row with none here.
CREATE TABLE risk_flags (
    token    text NOT NULL,
    flag     text NOT NULL,
    as_of    timestamptz NOT NULL,
    severity text NOT NULL,
    evidence jsonb NOT NULL DEFAULT '{}',
    source   text NOT NULL DEFAULT '',
    PRIMARY KEY (token, as_of, flag),
    FOREIGN KEY (token, as_of) REFERENCES risk_scores (token, as_of) ON DELETE CASCADE
);

CREATE TABLE integrated_scores (
    token            text NOT NULL,
    as_of            timestamptz NOT NULL,
    symbol           text NOT NULL DEFAULT '',
    chain            text NOT NULL DEFAULT '',
    address          text NOT NULL DEFAULT '',
    sentiment_score  double precision,
    momentum_score   double precision,
    anomaly_score    double precision,
    risk_score       double precision,
    integrated_score double precision NOT NULL,
    rank             integer NOT NULL,
    flags            jsonb NOT NULL DEFAULT '[]',
    breakdown        jsonb NOT NULL DEFAULT '{}',
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
