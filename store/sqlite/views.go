package sqlite

import (
	"context"
	"fmt"
	"strings"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/rowcheck"
)

// CountRunsByState counts the runs f selects per state.
func (s *Store) CountRunsByState(ctx context.Context, f store.RunFilter) (map[pipeline.State]int, error) {
	f, err := rowcheck.Filter(f)
	if err != nil {
		return nil, err
	}
	where, args := runWhere(f, false)
	rows, err := s.r.QueryContext(ctx, `SELECT state, count(*) FROM runs`+where+` GROUP BY state`, args...)
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
	args := make([]any, len(runIDs))
	for i, id := range runIDs {
		args[i] = id
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+taskRunColumns+` FROM task_runs
		WHERE run_id IN (?`+strings.Repeat(", ?", len(runIDs)-1)+`)
		ORDER BY run_id, started_at ASC NULLS LAST, task, attempt`, args...)
	if err != nil {
		return nil, fmt.Errorf("task runs of %d runs: %w", len(runIDs), err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			tr                        pipeline.TaskRun
			state                     string
			started, ended, heartbeat column.TextTime
		)
		if err := rows.Scan(&tr.RunID, &tr.Task, &tr.Attempt, &state, &started, &ended, &heartbeat,
			&tr.RecordsIn, &tr.RecordsOut, &tr.Error); err != nil {
			return nil, fmt.Errorf("task runs of %d runs: %w", len(runIDs), err)
		}
		tr.State = pipeline.State(state)
		tr.StartedAt, tr.EndedAt, tr.Heartbeat = started.Ptr(), ended.Ptr(), heartbeat.Ptr()
		out[tr.RunID] = append(out[tr.RunID], tr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("task runs of %d runs: %w", len(runIDs), err)
	}
	return out, nil
}

// TaskFreshness returns each (pipeline, task)'s latest successful attempt.
// SQLite returns the bare columns of the row holding max() in a GROUP BY,
// which picks the latest attempt's run id and records in one pass.
func (s *Store) TaskFreshness(ctx context.Context) ([]store.TaskFreshness, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.pipeline, t.task, max(t.ended_at), t.run_id, t.records_out
		FROM task_runs t JOIN runs r ON r.id = t.run_id
		WHERE t.state = 'success' AND t.ended_at IS NOT NULL
		GROUP BY r.pipeline, t.task
		ORDER BY r.pipeline, t.task`)
	if err != nil {
		return nil, fmt.Errorf("task freshness: %w", err)
	}
	defer rows.Close()
	out := []store.TaskFreshness{}
	for rows.Next() {
		var f store.TaskFreshness
		var last column.TextTime
		if err := rows.Scan(&f.Pipeline, &f.Task, &last, &f.RunID, &f.RecordsOut); err != nil {
			return nil, fmt.Errorf("task freshness: %w", err)
		}
		f.LastSuccess = last.Time
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("task freshness: %w", err)
	}
	return out, nil
}
