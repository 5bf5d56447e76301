package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/store"
	"memepipe/store/internal/column"
)

const scheduleColumns = `pipeline, state, paused, skipped_slots, last_skip_reason, last_skip_at, updated_at, version`

func scanSchedule(row pgx.Row) (store.ScheduleRecord, error) {
	var rec store.ScheduleRecord
	var lastSkip *time.Time
	if err := row.Scan(&rec.Pipeline, &rec.State, &rec.Paused, &rec.SkippedSlots, &rec.LastSkipReason, &lastSkip, &rec.UpdatedAt, &rec.Version); err != nil {
		return rec, err
	}
	rec.LastSkipAt = utc(lastSkip)
	rec.UpdatedAt = rec.UpdatedAt.UTC()
	return rec, nil
}

// GetSchedule returns p's record, or a zero one (version 0).
func (s *Store) GetSchedule(ctx context.Context, p string) (store.ScheduleRecord, error) {
	rec, err := scanSchedule(s.pool.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE pipeline = $1`, p))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ScheduleRecord{Pipeline: p}, nil
	}
	if err != nil {
		return rec, fmt.Errorf("schedule of %s: %w", p, err)
	}
	return rec, nil
}

// ListSchedules returns every record by pipeline.
func (s *Store) ListSchedules(ctx context.Context) ([]store.ScheduleRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+scheduleColumns+` FROM schedules ORDER BY pipeline`)
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
// inserts, and ON CONFLICT DO NOTHING makes a concurrent first write lose
// cleanly; later versions update WHERE version = the one read. Under READ
// COMMITTED a concurrent UPDATE of the row waits for the first writer,
// then re-checks the WHERE on the new row version and matches nothing: the
// second writer sees ErrConflict, never a lost update.
func (s *Store) SaveSchedule(ctx context.Context, rec store.ScheduleRecord) (store.ScheduleRecord, error) {
	if rec.Pipeline == "" {
		return rec, fmt.Errorf("save schedule: empty pipeline name")
	}
	if rec.Version < 0 {
		return rec, fmt.Errorf("save schedule of %s: negative version %d", rec.Pipeline, rec.Version)
	}
	now := column.Time(time.Now())
	state := column.Text(rec.State)
	reason := column.Text(rec.LastSkipReason)
	lastSkip := column.TimePtr(rec.LastSkipAt)
	var row pgx.Row
	if rec.Version == 0 {
		row = s.pool.QueryRow(ctx, `INSERT INTO schedules (`+scheduleColumns+`)
			VALUES ($1, $2, false, $3, $4, $5, $6, 1) ON CONFLICT (pipeline) DO NOTHING
			RETURNING `+scheduleColumns,
			rec.Pipeline, state, rec.SkippedSlots, reason, lastSkip, now)
	} else {
		row = s.pool.QueryRow(ctx, `UPDATE schedules SET state = $1, skipped_slots = $2, last_skip_reason = $3,
			last_skip_at = $4, updated_at = $5, version = version + 1
			WHERE pipeline = $6 AND version = $7
			RETURNING `+scheduleColumns,
			state, rec.SkippedSlots, reason, lastSkip, now, rec.Pipeline, rec.Version)
	}
	stored, err := scanSchedule(row)
	if errors.Is(err, pgx.ErrNoRows) {
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
	rec, err := scanSchedule(s.pool.QueryRow(ctx, `INSERT INTO schedules (pipeline, paused, updated_at, version)
		VALUES ($1, $2, $3, 1)
		ON CONFLICT (pipeline) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at, version = schedules.version + 1
		RETURNING `+scheduleColumns, p, paused, column.Time(time.Now())))
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
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET owner = $1, heartbeat_at = $2
		WHERE id = $3 AND state IN ('queued', 'running')
		AND (owner = '' OR owner = $1 OR heartbeat_at IS NULL OR heartbeat_at < $4)`,
		owner, column.Time(time.Now()), id, column.Time(staleBefore))
	if err != nil {
		return false, fmt.Errorf("claim run %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}
