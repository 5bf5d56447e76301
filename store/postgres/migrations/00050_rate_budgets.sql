-- Rate budgets: token buckets shared by every process on the database
-- (store.RateBudgets; `shared_rate_limits: true`). updated_at is Unix
-- seconds, on the database's clock (clock_timestamp(), not the clients').

-- +goose Up
CREATE TABLE rate_budgets (
    name       text PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at double precision NOT NULL
);

-- +goose Down
DROP TABLE rate_budgets;
