-- Canonical tables: the cleaned rows every source is normalised into.
-- Columns mirror the canonical package's types (json tags are the column
-- names, col:"key" tags the primary keys); store/internal/tables checks
-- that they agree. Exact decimals (uint256 amounts, token units) are
-- numeric, exact at any width, so sums in SQL stay exact. Lists (cashtags)
-- are JSON arrays in text.

-- +goose Up
CREATE TABLE tokens (
    token                  text NOT NULL,
    symbol                 text NOT NULL,
    name                   text NOT NULL,
    chain                  text NOT NULL,
    address                text NOT NULL,
    decimals               bigint NOT NULL,
    pair                   text NOT NULL,
    quote_symbol           text NOT NULL,
    yahoo_ticker           text NOT NULL,
    PRIMARY KEY (token)
);
CREATE TABLE tweets (
    tweet_id               text NOT NULL,
    token                  text NOT NULL,
    author_id              text NOT NULL,
    author_username        text NOT NULL,
    author_followers       bigint,
    author_created_at      timestamptz,
    author_verified        boolean,
    created_at             timestamptz NOT NULL,
    text                   text NOT NULL,
    lang                   text NOT NULL,
    retweets               bigint,
    likes                  bigint,
    replies                bigint,
    quotes                 bigint,
    cashtags               text,
    cashtag_tokens         text,
    conversation_id        text NOT NULL,
    referenced_type        text NOT NULL,
    PRIMARY KEY (tweet_id, token)
);
CREATE TABLE price_bars (
    token                  text NOT NULL,
    bar_interval           text NOT NULL,
    ts                     timestamptz NOT NULL,
    open                   double precision NOT NULL,
    high                   double precision NOT NULL,
    low                    double precision NOT NULL,
    close                  double precision NOT NULL,
    adj_close              double precision,
    volume                 double precision NOT NULL,
    currency               text NOT NULL,
    source                 text NOT NULL,
    PRIMARY KEY (token, bar_interval, ts)
);
CREATE TABLE corporate_actions (
    token                  text NOT NULL,
    kind                   text NOT NULL,
    ts                     timestamptz NOT NULL,
    amount                 double precision,
    numerator              double precision,
    denominator            double precision,
    split_ratio            text NOT NULL,
    currency               text NOT NULL,
    source                 text NOT NULL,
    PRIMARY KEY (token, kind, ts)
);
CREATE TABLE quotes (
    token                  text NOT NULL,
    source                 text NOT NULL,
    fetched_at             timestamptz NOT NULL,
    price                  double precision,
    market_cap             double precision,
    volume_24h             double precision,
    circulating_supply     double precision,
    currency               text NOT NULL,
    market_time            timestamptz,
    PRIMARY KEY (token, source, fetched_at)
);
CREATE TABLE holder_breakdowns (
    token                  text NOT NULL,
    fetched_at             timestamptz NOT NULL,
    insiders_pct           double precision,
    institutions_pct       double precision,
    institutions_float_pct double precision,
    institutions_count     bigint,
    PRIMARY KEY (token, fetched_at)
);
CREATE TABLE transfers (
    chain                  text NOT NULL,
    tx_hash                text NOT NULL,
    log_index              bigint NOT NULL,
    block_number           bigint NOT NULL,
    tx_index               bigint NOT NULL,
    ts                     timestamptz NOT NULL,
    token_address          text NOT NULL,
    token                  text NOT NULL,
    from_address           text NOT NULL,
    to_address             text NOT NULL,
    value_raw              numeric NOT NULL,
    value                  numeric NOT NULL,
    value_float            double precision NOT NULL,
    decimals               bigint NOT NULL,
    source                 text NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE transactions (
    chain                  text NOT NULL,
    tx_hash                text NOT NULL,
    block_number           bigint NOT NULL,
    tx_index               bigint NOT NULL,
    ts                     timestamptz NOT NULL,
    nonce                  bigint NOT NULL,
    from_address           text NOT NULL,
    to_address             text NOT NULL,
    created_contract       text NOT NULL,
    value_raw              numeric NOT NULL,
    value                  numeric NOT NULL,
    gas_used               bigint NOT NULL,
    gas_price_raw          numeric NOT NULL,
    method_id              text NOT NULL,
    function_name          text NOT NULL,
    is_error               boolean NOT NULL,
    PRIMARY KEY (chain, tx_hash)
);
CREATE TABLE swaps (
    chain                  text NOT NULL,
    tx_hash                text NOT NULL,
    log_index              bigint NOT NULL,
    block_number           bigint NOT NULL,
    tx_index               bigint NOT NULL,
    ts                     timestamptz NOT NULL,
    pair_address           text NOT NULL,
    token                  text NOT NULL,
    side                   text NOT NULL,
    amount_token_raw       numeric NOT NULL,
    amount_token           numeric NOT NULL,
    amount_token_float     double precision NOT NULL,
    amount_quote_raw       numeric NOT NULL,
    amount_quote           numeric NOT NULL,
    amount_quote_float     double precision NOT NULL,
    price                  double precision NOT NULL,
    sender                 text NOT NULL,
    trader                 text NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE liquidity_events (
    chain                  text NOT NULL,
    tx_hash                text NOT NULL,
    log_index              bigint NOT NULL,
    block_number           bigint NOT NULL,
    tx_index               bigint NOT NULL,
    ts                     timestamptz NOT NULL,
    pair_address           text NOT NULL,
    token                  text NOT NULL,
    kind                   text NOT NULL,
    sender                 text NOT NULL,
    to_address             text NOT NULL,
    amount_token_raw       numeric NOT NULL,
    amount_token           numeric NOT NULL,
    amount_quote_raw       numeric NOT NULL,
    amount_quote           numeric NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE pair_reserves (
    chain                  text NOT NULL,
    tx_hash                text NOT NULL,
    log_index              bigint NOT NULL,
    block_number           bigint NOT NULL,
    ts                     timestamptz NOT NULL,
    pair_address           text NOT NULL,
    token                  text NOT NULL,
    reserve_token_raw      numeric NOT NULL,
    reserve_token          numeric NOT NULL,
    reserve_quote_raw      numeric NOT NULL,
    reserve_quote          numeric NOT NULL,
    reserve_quote_float    double precision NOT NULL,
    PRIMARY KEY (chain, tx_hash, log_index)
);
CREATE TABLE contracts (
    chain                  text NOT NULL,
    address                text NOT NULL,
    token                  text NOT NULL,
    verified               boolean NOT NULL,
    name                   text NOT NULL,
    compiler               text NOT NULL,
    is_proxy               boolean NOT NULL,
    implementation         text NOT NULL,
    source_format          text NOT NULL,
    source_files           bigint NOT NULL,
    source_sha256          text NOT NULL,
    source_code            text NOT NULL,
    abi                    text NOT NULL,
    license                text NOT NULL,
    optimization           boolean NOT NULL,
    runs                   bigint,
    evm_version            text NOT NULL,
    fetched_at             timestamptz NOT NULL,
    PRIMARY KEY (chain, address)
);
CREATE TABLE fundamentals (
    token                  text NOT NULL,
    source                 text NOT NULL,
    fetched_at             timestamptz NOT NULL,
    market_cap             double precision,
    fdv                    double precision,
    circulating_supply     double precision,
    total_supply           double precision,
    holders_count          bigint,
    liquidity_usd          double precision,
    website                text NOT NULL,
    twitter                text NOT NULL,
    telegram               text NOT NULL,
    launched_at            timestamptz,
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
