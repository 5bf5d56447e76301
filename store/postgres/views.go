package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// CountRunsByState counts the runs f selects per state.
func (s *Store) CountRunsByState(ctx context.Context, f store.RunFilter) (map[pipeline.State]int, error) {
	f, err := rowcheck.Filter(f)
	if err != nil {
		return nil, err
	}
	where, args := runWhere(f, false)
	rows, err := s.pool.Query(ctx, `SELECT state, count(*) FROM runs`+where+` GROUP BY state`, args...)
	if err != nil {
		return nil, fmt.Errorf("count runs by state: %w", err)
	}
	defer rows.Close()
	out := map[pipeline.State]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count runs by state: %w", err)
		}
		out[pipeline.State(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count runs by state: %w", err)
	}
	return out, nil
}

// TaskRunsOf returns the attempts of each run, in one query.
func (s *Store) TaskRunsOf(ctx context.Context, runIDs []string) (map[string][]pipeline.TaskRun, error) {
	out := make(map[string][]pipeline.TaskRun, len(runIDs))
	if len(runIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+taskRunColumns+` FROM task_runs WHERE run_id = ANY($1)
		ORDER BY run_id, started_at ASC NULLS LAST, task, attempt`, runIDs)
	if err != nil {
		return nil, fmt.Errorf("task runs of %d runs: %w", len(runIDs), err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			tr                        pipeline.TaskRun
			state                     string
			started, ended, heartbeat *time.Time
		)
		if err := rows.Scan(&tr.RunID, &tr.Task, &tr.Attempt, &state, &started, &ended, &heartbeat,
			&tr.RecordsIn, &tr.RecordsOut, &tr.Error); err != nil {
			return nil, fmt.Errorf("task runs of %d runs: %w", len(runIDs), err)
		}
		tr.State = pipeline.State(state)
		tr.StartedAt, tr.EndedAt, tr.Heartbeat = utc(started), utc(ended), utc(heartbeat)
		out[tr.RunID] = append(out[tr.RunID], tr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("task runs of %d runs: %w", len(runIDs), err)
	}
	return out, nil
}

// TaskFreshness returns, per (pipeline, task), the success of the newest
// interval that has one, walking each pipeline's runs newest first on
// runs_pipeline_newest (see the SQLite store).
func (s *Store) TaskFreshness(ctx context.Context) ([]store.TaskFreshness, error) {
	pipelines, err := s.strings(ctx, `SELECT DISTINCT pipeline FROM runs ORDER BY pipeline`)
	if err != nil {
		return nil, fmt.Errorf("task freshness: %w", err)
	}
	out := []store.TaskFreshness{}
	for _, p := range pipelines {
		tasks, err := s.strings(ctx, `SELECT DISTINCT task FROM task_runs WHERE run_id IN
			(SELECT id FROM runs WHERE pipeline = $1`+newestFirst+` LIMIT `+fmt.Sprint(store.FreshnessRuns)+`) ORDER BY task`, p)
		if err != nil {
			return nil, fmt.Errorf("task freshness of %s: %w", p, err)
		}
		for _, task := range tasks {
			f := store.TaskFreshness{Pipeline: p, Task: task}
			err := s.pool.QueryRow(ctx, `SELECT t.ended_at, t.run_id, t.records_out
				FROM runs r JOIN task_runs t ON t.run_id = r.id AND t.task = $1
				WHERE r.pipeline = $2 AND t.state = 'success' AND t.ended_at IS NOT NULL
				ORDER BY r.interval_start DESC, r.created_at DESC, r.id DESC, t.attempt DESC LIMIT 1`, task, p).
				Scan(&f.LastSuccess, &f.RunID, &f.RecordsOut)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("task freshness of %s/%s: %w", p, task, err)
			}
			f.LastSuccess = f.LastSuccess.UTC()
			out = append(out, f)
		}
	}
	return out, nil
}

// strings runs a query returning one text column.
func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
