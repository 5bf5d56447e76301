package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// PutChecks replaces the check results of (runID, task).
func (s *Store) PutChecks(ctx context.Context, runID, task string, rs []store.CheckResult) error {
	rs, err := rowcheck.Checks(runID, task, rs, time.Now())
	if err != nil {
		return fmt.Errorf("put %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM checks WHERE run_id = $1 AND task = $2`, runID, task)
	for _, r := range rs {
		b.Queue(`INSERT INTO checks (run_id, pipeline, task, interval_start, interval_end,
			dataset, "check", severity, passed, message, observed, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			r.RunID, r.Pipeline, r.Task, r.Interval.Start, r.Interval.End, r.Dataset, r.Check, r.Severity, r.Passed, r.Message, r.Observed, r.At)
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sendBatch(ctx, tx, b) }); err != nil {
		return fmt.Errorf("put checks of run %s task %s: %w", runID, task, err)
	}
	return nil
}

// ListChecks returns check results newest first.
func (s *Store) ListChecks(ctx context.Context, f store.CheckFilter) ([]store.CheckResult, error) {
	var a args
	var where []string
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+` = `+a.add(v))
		}
	}
	eq("run_id", f.RunID)
	eq("pipeline", f.Pipeline)
	eq("task", f.Task)
	eq("dataset", f.Dataset)
	eq(`"check"`, f.Check)
	if f.Latest {
		where = append(where, `(pipeline, task, at) IN (SELECT pipeline, task, MAX(at) FROM checks GROUP BY pipeline, task)`)
	}
	q := `SELECT run_id, pipeline, task, interval_start, interval_end, dataset, "check", severity, passed, message, observed, at FROM checks`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY at DESC, pipeline, task, dataset, "check"`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	defer rows.Close()
	out := []store.CheckResult{}
	for rows.Next() {
		var r store.CheckResult
		if err := rows.Scan(&r.RunID, &r.Pipeline, &r.Task, &r.Interval.Start, &r.Interval.End, &r.Dataset, &r.Check, &r.Severity, &r.Passed, &r.Message, &r.Observed, &r.At); err != nil {
			return nil, fmt.Errorf("list checks: %w", err)
		}
		r.Interval.Start, r.Interval.End, r.At = r.Interval.Start.UTC(), r.Interval.End.UTC(), r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
