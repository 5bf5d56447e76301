-- Canonical tables: the cleaned rows every source is normalised into.
-- Columns mirror the canonical package's types (json tags are the column
-- names, col:"key" tags the primary keys); store/internal/tables checks
-- that they agree. Times are TEXT in column.TimeLayout (UTC, microseconds,
-- sortable as text). Exact decimals (uint256 amounts, token units) are TEXT:
-- SQLite has no decimal wider than 64 bits; the *_float columns are for
-- arithmetic in SQL. Lists (cashtags) are JSON arrays.

-- +goose Up
CREATE TABLE tokens (
    token                  TEXT NOT NULL,
    symbol                 TEXT NOT NULL,
    name                   TEXT NOT NULL,
    chain                  TEXT NOT NULL,
    address                TEXT NOT NULL,
    decimals               INTEGER NOT NULL,
    pair                   TEXT NOT NULL,
    quote_symbol           TEXT NOT NULL,
    yahoo_ticker           TEXT NOT NULL,
    PRIMARY KEY (token)
);
CREATE TABLE tweets (
    tweet_id               TEXT NOT NULL,
    token                  TEXT NOT NULL,
    author_id              TEXT NOT NULL,
    author_username        TEXT NOT NULL,
    author_followers       INTEGER,
    author_created_at      TEXT,
    author_verified        INTEGER,
    created_at             TEXT NOT NULL,
    text                   TEXT NOT NULL,
    lang                   TEXT NOT NULL,
    retweets               INTEGER,
    likes                  INTEGER,
    replies                INTEGER,
    quotes                 INTEGER,
    cashtags               TEXT,
    cashtag_tokens         TEXT,
    conversation_id        TEXT NOT NULL,
    referenced_type        TEXT NOT NULL,
    PRIMARY KEY (tweet_id, token)
);
CREATE TABLE price_bars (
    token                  TEXT NOT NULL,
    bar_interval           TEXT NOT NULL,
    ts                     TEXT NOT NULL,
    open                   REAL NOT NULL,
    high                   REAL NOT NULL,
    low                    REAL NOT NULL,
    close                  REAL NOT NULL,
    adj_close              REAL,
    volume                 REAL NOT NULL,
    currency               TEXT NOT NULL,
    source                 TEXT NOT NULL,
    PRIMARY KEY (token, bar_interval, ts)
);
CREATE TABLE corporate_actions (
    token                  TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    ts                     TEXT NOT NULL,
    amount                 REAL,
    numerator              REAL,
    denominator            REAL,
    split_ratio            TEXT NOT NULL,
    currency               TEXT NOT NULL,
    source                 TEXT NOT NULL,
    PRIMARY KEY (token, kind, ts)
);
CREATE TABLE quotes (
    token                  TEXT NOT NULL,
    source                 TEXT NOT NULL,
    fetched_at             TEXT NOT NULL,
    price                  REAL,
    market_cap             REAL,
    volume_24h             REAL,
    circulating_supply     REAL,
    currency               TEXT NOT NULL,
    market_time            TEXT,
    PRIMARY KEY (token, source, fetched_at)
);
CREATE TABLE holder_breakdowns (
    token                  TEXT NOT NULL,
    fetched_at             TEXT NOT NULL,
    insiders_pct           REAL,
    institutions_pct       REAL,
    institutions_float_pct REAL,
    institutions_count     INTEGER,
    PRIMARY KEY (token, fetched_at)
);
CREATE TABLE transfers (
    chain                  TEXT NOT NULL,
    tx_hash                TEXT NOT NULL,
    log_index              INTEGER NOT NULL,
    block_number           INTEGER NOT NULL,
    tx_index               INTEGER NOT NULL,
    ts                     TEXT NOT NULL,
    token_address          TEXT NOT NULL,
    token                  TEXT NOT NULL,
    from_address           TEXT NOT NULL,
    to_address             TEXT NOT NULL,
    value_raw              TEXT NOT NULL,
    value                  TEXT NOT NULL,
    value_float            REAL NOT NULL,
    decimals               INTEGER NOT NULL,
    source                 TEXT NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE transactions (
    chain                  TEXT NOT NULL,
    tx_hash                TEXT NOT NULL,
    block_number           INTEGER NOT NULL,
    tx_index               INTEGER NOT NULL,
    ts                     TEXT NOT NULL,
    nonce                  INTEGER NOT NULL,
    from_address           TEXT NOT NULL,
    to_address             TEXT NOT NULL,
    created_contract       TEXT NOT NULL,
    value_raw              TEXT NOT NULL,
    value                  TEXT NOT NULL,
    gas_used               INTEGER NOT NULL,
    gas_price_raw          TEXT NOT NULL,
    method_id              TEXT NOT NULL,
    function_name          TEXT NOT NULL,
    is_error               INTEGER NOT NULL,
    PRIMARY KEY (chain, tx_hash)
);
CREATE TABLE swaps (
    chain                  TEXT NOT NULL,
    tx_hash                TEXT NOT NULL,
    log_index              INTEGER NOT NULL,
    block_number           INTEGER NOT NULL,
    tx_index               INTEGER NOT NULL,
    ts                     TEXT NOT NULL,
    pair_address           TEXT NOT NULL,
    token                  TEXT NOT NULL,
    side                   TEXT NOT NULL,
    amount_token_raw       TEXT NOT NULL,
    amount_token           TEXT NOT NULL,
    amount_token_float     REAL NOT NULL,
    amount_quote_raw       TEXT NOT NULL,
    amount_quote           TEXT NOT NULL,
    amount_quote_float     REAL NOT NULL,
    price                  REAL NOT NULL,
    sender                 TEXT NOT NULL,
    trader                 TEXT NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE liquidity_events (
    chain                  TEXT NOT NULL,
    tx_hash                TEXT NOT NULL,
    log_index              INTEGER NOT NULL,
    block_number           INTEGER NOT NULL,
    tx_index               INTEGER NOT NULL,
    ts                     TEXT NOT NULL,
    pair_address           TEXT NOT NULL,
    token                  TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    sender                 TEXT NOT NULL,
    to_address             TEXT NOT NULL,
    amount_token_raw       TEXT NOT NULL,
    amount_token           TEXT NOT NULL,
    amount_quote_raw       TEXT NOT NULL,
    amount_quote           TEXT NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE pair_reserves (
    chain                  TEXT NOT NULL,
    tx_hash                TEXT NOT NULL,
    log_index              INTEGER NOT NULL,
    block_number           INTEGER NOT NULL,
    ts                     TEXT NOT NULL,
    pair_address           TEXT NOT NULL,
    token                  TEXT NOT NULL,
    reserve_token_raw      TEXT NOT NULL,
    reserve_token          TEXT NOT NULL,
    reserve_quote_raw      TEXT NOT NULL,
    reserve_quote          TEXT NOT NULL,
    reserve_quote_float    REAL NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE contracts (
    chain                  TEXT NOT NULL,
    address                TEXT NOT NULL,
    token                  TEXT NOT NULL,
    verified               INTEGER NOT NULL,
    name                   TEXT NOT NULL,
    compiler               TEXT NOT NULL,
    is_proxy               INTEGER NOT NULL,
    implementation         TEXT NOT NULL,
    source_format          TEXT NOT NULL,
    source_files           INTEGER NOT NULL,
    source_sha256          TEXT NOT NULL,
    source_code            TEXT NOT NULL,
    abi                    TEXT NOT NULL,
    license                TEXT NOT NULL,
    optimization           INTEGER NOT NULL,
    runs                   INTEGER,
    evm_version            TEXT NOT NULL,
    fetched_at             TEXT NOT NULL,
    PRIMARY KEY (chain, address)
);
CREATE TABLE fundamentals (
    token                  TEXT NOT NULL,
    source                 TEXT NOT NULL,
    fetched_at             TEXT NOT NULL,
    market_cap             REAL,
    fdv                    REAL,
    circulating_supply     REAL,
    total_supply           REAL,
    holders_count          INTEGER,
    liquidity_usd          REAL,
    website                TEXT NOT NULL,
    twitter                TEXT NOT NULL,
    telegram               TEXT NOT NULL,
    launched_at            TEXT,
    PRIMARY KEY (token, source, fetched_at)
);

CREATE INDEX tweets_token_created ON tweets (token, created_at);
CREATE INDEX corporate_actions_token_ts ON corporate_actions (token, ts);
CREATE INDEX quotes_token_fetched ON quotes (token, fetched_at);
CREATE INDEX transfers_token_ts ON transfers (token, ts);
CREATE INDEX transfers_from ON transfers (chain, from_address);
CREATE INDEX transfers_to ON transfers (chain, to_address);
CREATE INDEX transactions_from_ts ON transactions (chain, from_address, ts);
CREATE INDEX transactions_to_ts ON transactions (chain, to_address, ts);
CREATE INDEX swaps_token_ts ON swaps (token, ts);
CREATE INDEX liquidity_events_token_ts ON liquidity_events (token, ts);
CREATE INDEX pair_reserves_token_ts ON pair_reserves (token, ts);
CREATE INDEX contracts_token ON contracts (token);
CREATE INDEX fundamentals_token_fetched ON fundamentals (token, fetched_at);

-- +goose Down
DROP TABLE fundamentals;
DROP TABLE contracts;
DROP TABLE pair_reserves;
DROP TABLE liquidity_events;
DROP TABLE swaps;
DROP TABLE transactions;
DROP TABLE transfers;
DROP TABLE holder_breakdowns;
DROP TABLE quotes;
DROP TABLE corporate_actions;
DROP TABLE price_bars;
DROP TABLE tweets;
DROP TABLE tokens;
