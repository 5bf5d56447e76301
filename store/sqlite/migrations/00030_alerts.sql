-- Alerts: each rule condition's state, and every delivery to a notifier.

-- +goose Up
CREATE TABLE alert_conditions (
    key           TEXT PRIMARY KEY,
    rule          TEXT NOT NULL,
    firing        INTEGER NOT NULL,
    since         TEXT,
    last_notified TEXT,
    count         INTEGER NOT NULL DEFAULT 0,
    severity      TEXT NOT NULL DEFAULT '',
    last_alert    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_conditions_firing ON alert_conditions (firing);

CREATE TABLE alert_deliveries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    notifier   TEXT NOT NULL,
    type       TEXT NOT NULL,
    ok         INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,
    error      TEXT NOT NULL DEFAULT '',
    rule       TEXT NOT NULL,
    status     TEXT NOT NULL,
    key        TEXT NOT NULL,
    alert      TEXT NOT NULL
);
CREATE INDEX alert_deliveries_at ON alert_deliveries (at DESC, id DESC);

-- +goose Down
DROP TABLE alert_deliveries;
DROP TABLE alert_conditions;
