package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"memepipe/alert"
	"memepipe/store/internal/column"
)

// GetCondition returns the stored state of an alert key.
func (s *Store) GetCondition(ctx context.Context, key string) (alert.Condition, bool, error) {
	cs, err := s.conditions(ctx, `WHERE key = ?`, key)
	if err != nil || len(cs) == 0 {
		return alert.Condition{}, false, err
	}
	return cs[0], true, nil
}

// ListConditions returns every condition (firing ones only if firing), by key.
func (s *Store) ListConditions(ctx context.Context, firing bool) ([]alert.Condition, error) {
	if firing {
		return s.conditions(ctx, `WHERE firing = 1`)
	}
	return s.conditions(ctx, ``)
}

func (s *Store) conditions(ctx context.Context, where string, args ...any) ([]alert.Condition, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key, rule, firing, since, last_notified, count, severity, last_alert
		FROM alert_conditions `+where+` ORDER BY key`, args...)
	if err != nil {
		return nil, fmt.Errorf("alert conditions: %w", err)
	}
	defer rows.Close()
	out := []alert.Condition{}
	for rows.Next() {
		var c alert.Condition
		var since, notified column.TextTime
		var last string
		if err := rows.Scan(&c.Key, &c.Rule, &c.Firing, &since, &notified, &c.Count, &c.Severity, &last); err != nil {
			return nil, fmt.Errorf("alert conditions: %w", err)
		}
		c.Since, c.LastNotified = since.Time, notified.Time
		if err := json.Unmarshal([]byte(last), &c.Last); err != nil {
			return nil, fmt.Errorf("alert condition %s: stored alert: %w", c.Key, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutCondition stores the state of an alert key.
func (s *Store) PutCondition(ctx context.Context, c alert.Condition) error {
	last, err := json.Marshal(c.Last)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO alert_conditions (key, rule, firing, since, last_notified, count, severity, last_alert)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, firing = excluded.firing, since = excluded.since,
		last_notified = excluded.last_notified, count = excluded.count, severity = excluded.severity, last_alert = excluded.last_alert`,
		c.Key, string(c.Rule), c.Firing, column.NullTimeText(column.ZeroNull(c.Since)), column.NullTimeText(column.ZeroNull(c.LastNotified)), c.Count, string(c.Severity), column.Text(string(last)))
	if err != nil {
		return fmt.Errorf("put alert condition %s: %w", c.Key, err)
	}
	return nil
}

// RecordDelivery appends a delivery to the alert history.
func (s *Store) RecordDelivery(ctx context.Context, d alert.Delivery) error {
	a, err := json.Marshal(d.Alert)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO alert_deliveries (at, notifier, type, ok, attempts, error, rule, status, key, alert)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		column.TimeText(d.At), d.Notifier, d.Type, d.OK, d.Attempts, column.Text(d.Error),
		string(d.Alert.Rule), string(d.Alert.Status), d.Alert.Key, column.Text(string(a)))
	if err != nil {
		return fmt.Errorf("record alert delivery: %w", err)
	}
	return nil
}

// ListDeliveries returns the newest deliveries first.
func (s *Store) ListDeliveries(ctx context.Context, limit int) ([]alert.Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT at, notifier, type, ok, attempts, error, alert
		FROM alert_deliveries ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("alert deliveries: %w", err)
	}
	defer rows.Close()
	out := []alert.Delivery{}
	for rows.Next() {
		var d alert.Delivery
		var at column.TextTime
		var a string
		if err := rows.Scan(&at, &d.Notifier, &d.Type, &d.OK, &d.Attempts, &d.Error, &a); err != nil {
			return nil, fmt.Errorf("alert deliveries: %w", err)
		}
		d.At = at.Time
		if err := json.Unmarshal([]byte(a), &d.Alert); err != nil {
			return nil, fmt.Errorf("alert delivery: stored alert: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
