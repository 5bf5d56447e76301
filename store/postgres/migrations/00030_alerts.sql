-- Alerts: each rule condition's state, and every delivery to a notifier.

-- +goose Up
CREATE TABLE alert_conditions (
    key           text PRIMARY KEY,
    rule          text NOT NULL,
    firing        boolean NOT NULL,
    since         timestamptz,
    last_notified timestamptz,
    count         integer NOT NULL DEFAULT 0,
    severity      text NOT NULL DEFAULT '',
    last_alert    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_conditions_firing ON alert_conditions (firing);

CREATE TABLE alert_deliveries (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    notifier   text NOT NULL,
    type       text NOT NULL,
    ok         boolean NOT NULL,
    attempts   integer NOT NULL,
    error      text NOT NULL DEFAULT '',
    rule       text NOT NULL,
    status     text NOT NULL,
    key        text NOT NULL,
    alert      jsonb NOT NULL
);
CREATE INDEX alert_deliveries_at ON alert_deliveries (at DESC, id DESC);

-- +goose Down
DROP TABLE alert_deliveries;
DROP TABLE alert_conditions;
