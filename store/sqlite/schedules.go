package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"memepipe/store"
	"memepipe/store/internal/column"
)

const scheduleColumns = `pipeline, state, paused, skipped_slots, last_skip_reason, last_skip_at, updated_at, version`

func scanSchedule(sc rowScanner) (store.ScheduleRecord, error) {
	var (
		rec              store.ScheduleRecord
		lastSkip, update column.TextTime
	)
	if err := sc.Scan(&rec.Pipeline, &rec.State, &rec.Paused, &rec.SkippedSlots, &rec.LastSkipReason, &lastSkip, &update, &rec.Version); err != nil {
		return rec, err
	}
	rec.LastSkipAt = lastSkip.Ptr()
	rec.UpdatedAt = update.Time
	return rec, nil
}

// GetSchedule returns p's record, or a zero one (version 0).
func (s *Store) GetSchedule(ctx context.Context, p string) (store.ScheduleRecord, error) {
	rec, err := scanSchedule(s.r.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE pipeline = ?`, p))
	if errors.Is(err, sql.ErrNoRows) {
		return store.ScheduleRecord{Pipeline: p}, nil
	}
	if err != nil {
		return rec, fmt.Errorf("schedule of %s: %w", p, err)
	}
	return rec, nil
}

// ListSchedules returns every record by pipeline.
func (s *Store) ListSchedules(ctx context.Context) ([]store.ScheduleRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+scheduleColumns+` FROM schedules ORDER BY pipeline`)
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	defer rows.Close()
	out := []store.ScheduleRecord{}
	for rows.Next() {
		rec, err := scanSchedule(rows)
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	return out, nil
}

// SaveSchedule writes rec over the version it was read at. Version 0
// inserts; ON CONFLICT DO NOTHING makes a concurrent first write lose
// cleanly. Later versions update WHERE version = the one read: one
// statement, so the check and the write are atomic.
func (s *Store) SaveSchedule(ctx context.Context, rec store.ScheduleRecord) (store.ScheduleRecord, error) {
	if rec.Pipeline == "" {
		return rec, fmt.Errorf("save schedule: empty pipeline name")
	}
	if rec.Version < 0 {
		return rec, fmt.Errorf("save schedule of %s: negative version %d", rec.Pipeline, rec.Version)
	}
	now := column.TimeText(time.Now())
	state := column.Text(rec.State)
	reason := column.Text(rec.LastSkipReason)
	var row *sql.Row
	if rec.Version == 0 {
		row = s.w.QueryRowContext(ctx, `INSERT INTO schedules (`+scheduleColumns+`)
			VALUES (?, ?, 0, ?, ?, ?, ?, 1) ON CONFLICT (pipeline) DO NOTHING
			RETURNING `+scheduleColumns,
			rec.Pipeline, state, rec.SkippedSlots, reason, column.NullTimeText(rec.LastSkipAt), now)
	} else {
		row = s.w.QueryRowContext(ctx, `UPDATE schedules SET state = ?, skipped_slots = ?, last_skip_reason = ?,
			last_skip_at = ?, updated_at = ?, version = version + 1
			WHERE pipeline = ? AND version = ?
			RETURNING `+scheduleColumns,
			state, rec.SkippedSlots, reason, column.NullTimeText(rec.LastSkipAt), now, rec.Pipeline, rec.Version)
	}
	stored, err := scanSchedule(row)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("save schedule of %s at version %d: %w", rec.Pipeline, rec.Version, store.ErrConflict)
	}
	if err != nil {
		return rec, fmt.Errorf("save schedule of %s: %w", rec.Pipeline, err)
	}
	return stored, nil
}

// SetPaused sets p's paused flag and bumps its version.
func (s *Store) SetPaused(ctx context.Context, p string, paused bool) (store.ScheduleRecord, error) {
	if p == "" {
		return store.ScheduleRecord{}, fmt.Errorf("pause: empty pipeline name")
	}
	now := column.TimeText(time.Now())
	rec, err := scanSchedule(s.w.QueryRowContext(ctx, `INSERT INTO schedules (pipeline, paused, updated_at, version)
		VALUES (?, ?, ?, 1)
		ON CONFLICT (pipeline) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at, version = schedules.version + 1
		RETURNING `+scheduleColumns, p, paused, now))
	if err != nil {
		return rec, fmt.Errorf("set paused of %s: %w", p, err)
	}
	return rec, nil
}

// ClaimActiveRun claims a queued or running run (see ClaimRun).
func (s *Store) ClaimActiveRun(ctx context.Context, id, owner string, staleBefore time.Time) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("claim run %s: empty owner", id)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE runs SET owner = ?, heartbeat_at = ?
		WHERE id = ? AND state IN ('queued', 'running')
		AND (owner = '' OR owner = ? OR heartbeat_at IS NULL OR heartbeat_at < ?)`,
		owner, column.TimeText(time.Now()), id, owner, column.TimeText(staleBefore))
	if err != nil {
		return false, fmt.Errorf("claim run %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim run %s: %w", id, err)
	}
	return n == 1, nil
}
