package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/rowcheck"
)

// PutChecks replaces the check results of (runID, task).
func (s *Store) PutChecks(ctx context.Context, runID, task string, rs []store.CheckResult) error {
	rs, err := rowcheck.Checks(runID, task, rs, time.Now())
	if err != nil {
		return fmt.Errorf("put %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM checks WHERE run_id = ? AND task = ?`, runID, task); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO checks (run_id, pipeline, task, interval_start, interval_end,
			dataset, "check", severity, passed, message, observed, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rs {
			if _, err := st.ExecContext(ctx, r.RunID, r.Pipeline, r.Task, column.TimeText(r.Interval.Start), column.TimeText(r.Interval.End),
				r.Dataset, r.Check, r.Severity, r.Passed, r.Message, r.Observed, column.TimeText(r.At)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put checks of run %s task %s: %w", runID, task, err)
	}
	return nil
}

// ListChecks returns check results newest first.
func (s *Store) ListChecks(ctx context.Context, f store.CheckFilter) ([]store.CheckResult, error) {
	var where []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+` = ?`)
			args = append(args, v)
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
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	defer rows.Close()
	out := []store.CheckResult{}
	for rows.Next() {
		var r store.CheckResult
		var start, end, at column.TextTime
		if err := rows.Scan(&r.RunID, &r.Pipeline, &r.Task, &start, &end, &r.Dataset, &r.Check, &r.Severity, &r.Passed, &r.Message, &r.Observed, &at); err != nil {
			return nil, fmt.Errorf("list checks: %w", err)
		}
		r.Interval.Start, r.Interval.End, r.At = start.Time, end.Time, at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}
