-- Rate budgets: token buckets shared by every process on the database
-- (store.RateBudgets; `shared_rate_limits: true`). updated_at is Unix
-- seconds as a REAL, on the database's clock.

-- +goose Up
CREATE TABLE rate_budgets (
    name       TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at REAL NOT NULL
);

-- +goose Down
DROP TABLE rate_budgets;
