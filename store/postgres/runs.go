package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/rowcheck"
)

const runColumns = `id, pipeline, interval_start, interval_end, state, triggered_by, created_at, started_at, ended_at, owner`

// newestFirst is ListRuns' order; the runs_*_newest indexes match it.
// oldestFirst is the same order reversed (the indexes scan backwards).
const (
	newestFirst = ` ORDER BY interval_start DESC, created_at DESC, id DESC`
	oldestFirst = ` ORDER BY interval_start, created_at, id`
)

// utc reads back a timestamptz: pgx returns it in the local zone.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func scanRun(row pgx.Row) (pipeline.Run, error) {
	var (
		r              pipeline.Run
		started, ended *time.Time
		state, trigger string
	)
	if err := row.Scan(&r.ID, &r.Pipeline, &r.Interval.Start, &r.Interval.End, &state, &trigger,
		&r.CreatedAt, &started, &ended, &r.Owner); err != nil {
		return r, err
	}
	r.Interval = pipeline.Interval{Start: r.Interval.Start.UTC(), End: r.Interval.End.UTC()}
	r.CreatedAt = r.CreatedAt.UTC()
	r.State = pipeline.State(state)
	r.Trigger = pipeline.RunTrigger(trigger)
	r.StartedAt, r.EndedAt = utc(started), utc(ended)
	return r, nil
}

// CreateRun inserts r unless its (pipeline, interval) slot is taken. The
// unique constraint runs_slot decides; ON CONFLICT DO NOTHING waits for a
// concurrent inserter of the same slot to commit, then turns the loser's
// insert into a plain read of the winner's row.
func (s *Store) CreateRun(ctx context.Context, r pipeline.Run) (pipeline.Run, bool, error) {
	now := time.Now()
	r, err := rowcheck.NewRun(r, now)
	if err != nil {
		return r, false, err
	}
	// A run created with an owner counts as heartbeating from its creation,
	// so no other process takes it over before its first heartbeat.
	var heartbeat *time.Time
	if r.Owner != "" {
		heartbeat = column.TimePtr(&now)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO runs (`+runColumns+`, heartbeat_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (pipeline, interval_start, interval_end) DO NOTHING`,
		r.ID, r.Pipeline, r.Interval.Start, r.Interval.End, string(r.State), string(r.Trigger),
		r.CreatedAt, r.StartedAt, r.EndedAt, r.Owner, heartbeat)
	if err != nil {
		if pgCode(err) == uniqueViolation {
			return r, false, fmt.Errorf("create run of %s for %s: id %s already taken: %w", r.Pipeline, r.Interval, r.ID, err)
		}
		return r, false, fmt.Errorf("create run of %s for %s: %w", r.Pipeline, r.Interval, err)
	}
	if tag.RowsAffected() == 1 {
		return r, true, nil
	}
	stored, err := s.FindRun(ctx, r.Pipeline, r.Interval)
	if err != nil {
		return r, false, fmt.Errorf("create run of %s for %s: slot taken, but reading it: %w", r.Pipeline, r.Interval, err)
	}
	return stored, false, nil
}

// GetRun returns the run with id.
func (s *Store) GetRun(ctx context.Context, id string) (pipeline.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("run %s: %w", id, err)
	}
	return r, nil
}

// FindRun returns the run of pipeline p for interval iv.
func (s *Store) FindRun(ctx context.Context, p string, iv pipeline.Interval) (pipeline.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM runs
		WHERE pipeline = $1 AND interval_start = $2 AND interval_end = $3`,
		p, column.Time(iv.Start), column.Time(iv.End)))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("run of %s for %s: %w", p, iv, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("run of %s for %s: %w", p, iv, err)
	}
	return r, nil
}

// runWhere is the WHERE clause and its arguments for f. keyset adds f.Before.
func runWhere(f store.RunFilter, keyset bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.Replace(cond, "$", "$"+strconv.Itoa(len(args)), 1))
	}
	if f.Pipeline != "" {
		add("pipeline = $", f.Pipeline)
	}
	if len(f.States) > 0 {
		conds = append(conds, "state IN ("+rowcheck.StateList(f.States)+")")
	}
	if !f.IntervalFrom.IsZero() {
		add("interval_start >= $", f.IntervalFrom)
	}
	if !f.IntervalTo.IsZero() {
		add("interval_start < $", f.IntervalTo)
	}
	if len(f.Triggers) > 0 {
		conds = append(conds, "triggered_by IN ("+rowcheck.TriggerList(f.Triggers)+")")
	}
	if keyset && f.Before != "" {
		// A row comparison in the listing order: PostgreSQL scans the
		// runs_*_newest index from the cursor on.
		op := "<"
		if f.OldestFirst {
			op = ">"
		}
		add("(interval_start, created_at, id) "+op+" (SELECT interval_start, created_at, id FROM runs WHERE id = $)", f.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListRuns returns the runs f selects, newest first.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]pipeline.Run, error) {
	f, err := rowcheck.Filter(f)
	if err != nil {
		return nil, err
	}
	if f.Before != "" {
		if _, err := s.GetRun(ctx, f.Before); err != nil {
			return nil, fmt.Errorf("list runs before %s: %w", f.Before, err)
		}
	}
	where, args := runWhere(f, true)
	order := newestFirst
	if f.OldestFirst {
		order = oldestFirst
	}
	q := `SELECT ` + runColumns + ` FROM runs` + where + order
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	if f.Offset > 0 {
		args = append(args, f.Offset)
		q += ` OFFSET $` + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	runs := []pipeline.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// CountRuns counts the runs f selects, ignoring its limit and offset.
func (s *Store) CountRuns(ctx context.Context, f store.RunFilter) (int, error) {
	f, err := rowcheck.Filter(f)
	if err != nil {
		return 0, err
	}
	where, args := runWhere(f, false)
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM runs`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// UpdateRun writes r's state, times and owner. A change of owner counts as
// the new owner's first heartbeat; clearing the owner clears it.
func (s *Store) UpdateRun(ctx context.Context, r pipeline.Run) error {
	r, err := rowcheck.UpdatedRun(r)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET state = $1, started_at = $2, ended_at = $3,
		heartbeat_at = CASE WHEN owner = $4 THEN heartbeat_at WHEN $4 = '' THEN NULL ELSE $5::timestamptz END,
		owner = $4
		WHERE id = $6`,
		string(r.State), r.StartedAt, r.EndedAt, r.Owner, column.Time(time.Now()), r.ID)
	if err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, err)
	}
	return mustAffect(tag, "update run %s", r.ID)
}

// ClaimRun makes owner the run's owner when it has none, is owner already,
// or its owner's heartbeat is older than staleBefore (or absent). The claim
// is its owner's first heartbeat, stamped with the store's clock. A single
// UPDATE is atomic: of two claimers, the second sees the first's heartbeat.
func (s *Store) ClaimRun(ctx context.Context, id, owner string, staleBefore time.Time) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("claim run %s: empty owner", id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET owner = $1, heartbeat_at = $2
		WHERE id = $3 AND (owner = '' OR owner = $1 OR heartbeat_at IS NULL OR heartbeat_at < $4)`,
		owner, column.Time(time.Now()), id, column.Time(staleBefore))
	if err != nil {
		return false, fmt.Errorf("claim run %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if _, err := s.GetRun(ctx, id); err != nil {
		return false, fmt.Errorf("claim run: %w", err)
	}
	return false, nil
}

// TakeOverRun makes owner the run's owner if from still owns it.
func (s *Store) TakeOverRun(ctx context.Context, id, owner, from string) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("take over run %s: empty owner", id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET owner = $1, heartbeat_at = $2 WHERE id = $3 AND owner = $4`,
		owner, column.Time(time.Now()), id, from)
	if err != nil {
		return false, fmt.Errorf("take over run %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if _, err := s.GetRun(ctx, id); err != nil {
		return false, fmt.Errorf("take over run: %w", err)
	}
	return false, nil
}

// HeartbeatRun records that owner, still the run's owner, is alive.
func (s *Store) HeartbeatRun(ctx context.Context, id, owner string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET heartbeat_at = $1 WHERE id = $2 AND owner = $3`,
		column.Time(at), id, owner)
	if err != nil {
		return fmt.Errorf("heartbeat run %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	r, err := s.GetRun(ctx, id)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return fmt.Errorf("heartbeat run %s as %q: owner is %q: %w", id, owner, r.Owner, store.ErrNotOwner)
}

const taskRunColumns = `run_id, task, attempt, state, started_at, ended_at, heartbeat_at, records_in, records_out, error`

// InsertTaskRun adds an attempt.
func (s *Store) InsertTaskRun(ctx context.Context, tr pipeline.TaskRun) error {
	tr, err := rowcheck.TaskRun(tr)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO task_runs (`+taskRunColumns+`, log)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		tr.RunID, tr.Task, tr.Attempt, string(tr.State), tr.StartedAt, tr.EndedAt, tr.Heartbeat,
		tr.RecordsIn, tr.RecordsOut, tr.Error, tr.Log)
	switch {
	case err == nil:
		return nil
	case pgCode(err) == uniqueViolation:
		return fmt.Errorf("insert task run %s/%s attempt %d: attempt exists: %w", tr.RunID, tr.Task, tr.Attempt, err)
	case pgCode(err) == foreignKeyViolation:
		return fmt.Errorf("insert task run %s/%s attempt %d: run %s: %w", tr.RunID, tr.Task, tr.Attempt, tr.RunID, store.ErrNotFound)
	}
	return fmt.Errorf("insert task run %s/%s attempt %d: %w", tr.RunID, tr.Task, tr.Attempt, err)
}

// UpdateTaskRun writes an attempt's state, times, records, error and log.
// A nil heartbeat keeps the stored one (HeartbeatTaskRun writes it).
func (s *Store) UpdateTaskRun(ctx context.Context, tr pipeline.TaskRun) error {
	tr, err := rowcheck.TaskRun(tr)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE task_runs SET state = $1, started_at = $2, ended_at = $3,
		heartbeat_at = coalesce($4, heartbeat_at), records_in = $5, records_out = $6, error = $7, log = $8
		WHERE run_id = $9 AND task = $10 AND attempt = $11`,
		string(tr.State), tr.StartedAt, tr.EndedAt, tr.Heartbeat, tr.RecordsIn, tr.RecordsOut, tr.Error, tr.Log,
		tr.RunID, tr.Task, tr.Attempt)
	if err != nil {
		return fmt.Errorf("update task run %s/%s attempt %d: %w", tr.RunID, tr.Task, tr.Attempt, err)
	}
	return mustAffect(tag, "update task run %s/%s attempt %d", tr.RunID, tr.Task, tr.Attempt)
}

// ListTaskRuns returns a run's attempts, without logs, by task start (not
// yet started last), task name and attempt.
func (s *Store) ListTaskRuns(ctx context.Context, runID string) ([]pipeline.TaskRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+taskRunColumns+` FROM task_runs WHERE run_id = $1
		ORDER BY started_at ASC NULLS LAST, task, attempt`, runID)
	if err != nil {
		return nil, fmt.Errorf("task runs of %s: %w", runID, err)
	}
	defer rows.Close()
	trs := []pipeline.TaskRun{}
	for rows.Next() {
		var (
			tr                        pipeline.TaskRun
			state                     string
			started, ended, heartbeat *time.Time
		)
		if err := rows.Scan(&tr.RunID, &tr.Task, &tr.Attempt, &state, &started, &ended, &heartbeat,
			&tr.RecordsIn, &tr.RecordsOut, &tr.Error); err != nil {
			return nil, fmt.Errorf("task runs of %s: %w", runID, err)
		}
		tr.State = pipeline.State(state)
		tr.StartedAt, tr.EndedAt, tr.Heartbeat = utc(started), utc(ended), utc(heartbeat)
		trs = append(trs, tr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("task runs of %s: %w", runID, err)
	}
	return trs, nil
}

// TaskRunLog returns one attempt's log; attempt 0 is the latest attempt.
func (s *Store) TaskRunLog(ctx context.Context, runID, task string, attempt int) (string, error) {
	var log string
	var err error
	if attempt == 0 {
		err = s.pool.QueryRow(ctx, `SELECT log FROM task_runs WHERE run_id = $1 AND task = $2
			ORDER BY attempt DESC LIMIT 1`, runID, task).Scan(&log)
	} else {
		err = s.pool.QueryRow(ctx, `SELECT log FROM task_runs WHERE run_id = $1 AND task = $2 AND attempt = $3`,
			runID, task, attempt).Scan(&log)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("log of %s/%s attempt %d: %w", runID, task, attempt, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("log of %s/%s attempt %d: %w", runID, task, attempt, err)
	}
	return log, nil
}

// HeartbeatTaskRun records that an attempt is alive.
func (s *Store) HeartbeatTaskRun(ctx context.Context, runID, task string, attempt int, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE task_runs SET heartbeat_at = $1 WHERE run_id = $2 AND task = $3 AND attempt = $4`,
		column.Time(at), runID, task, attempt)
	if err != nil {
		return fmt.Errorf("heartbeat task run %s/%s attempt %d: %w", runID, task, attempt, err)
	}
	return mustAffect(tag, "heartbeat task run %s/%s attempt %d", runID, task, attempt)
}

// mustAffect turns an UPDATE that matched no row into ErrNotFound.
func mustAffect(tag pgconn.CommandTag, format string, args ...any) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf(format+": %w", append(args, store.ErrNotFound)...)
	}
	return nil
}
