// Package rowcheck validates and normalizes rows before either dialect
// writes them, so both stores accept, reject and fill in exactly the same
// things and the conformance suite can hold them to it.
package rowcheck

import (
	"fmt"
	"strings"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/column"
)

// NewRun checks r for CreateRun and fills its defaults: a new id, state
// queued, trigger manual, created now. Times are normalized.
func NewRun(r pipeline.Run, now time.Time) (pipeline.Run, error) {
	if r.Pipeline == "" {
		return r, fmt.Errorf("create run: empty pipeline name")
	}
	if r.Interval.IsZero() || !r.Interval.End.After(r.Interval.Start) {
		return r, fmt.Errorf("create run of %s: bad interval %s: end must be after start", r.Pipeline, r.Interval)
	}
	if r.ID == "" {
		r.ID = store.NewRunID(now)
	}
	if r.State == "" {
		r.State = pipeline.Queued
	}
	if !r.State.Valid() {
		return r, fmt.Errorf("create run of %s: unknown state %q", r.Pipeline, r.State)
	}
	if r.Trigger == "" {
		r.Trigger = pipeline.TriggerManual
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	return Run(r), nil
}

// Run normalizes a run's times.
func Run(r pipeline.Run) pipeline.Run {
	r.Interval = pipeline.Interval{Start: column.Time(r.Interval.Start), End: column.Time(r.Interval.End)}
	r.CreatedAt = column.Time(r.CreatedAt)
	r.StartedAt = column.TimePtr(r.StartedAt)
	r.EndedAt = column.TimePtr(r.EndedAt)
	return r
}

// UpdatedRun checks r for UpdateRun.
func UpdatedRun(r pipeline.Run) (pipeline.Run, error) {
	if !r.State.Valid() {
		return r, fmt.Errorf("update run %s: unknown state %q", r.ID, r.State)
	}
	return Run(r), nil
}

// TaskRun checks tr for InsertTaskRun and UpdateTaskRun and normalizes its
// times and text.
func TaskRun(tr pipeline.TaskRun) (pipeline.TaskRun, error) {
	if tr.RunID == "" || tr.Task == "" {
		return tr, fmt.Errorf("task run: empty run id or task name (run %q, task %q)", tr.RunID, tr.Task)
	}
	if tr.Attempt < 1 {
		return tr, fmt.Errorf("task run %s/%s: attempt %d, attempts are numbered from 1", tr.RunID, tr.Task, tr.Attempt)
	}
	if !tr.State.Valid() {
		return tr, fmt.Errorf("task run %s/%s attempt %d: unknown state %q", tr.RunID, tr.Task, tr.Attempt, tr.State)
	}
	tr.StartedAt = column.TimePtr(tr.StartedAt)
	tr.EndedAt = column.TimePtr(tr.EndedAt)
	tr.Heartbeat = column.TimePtr(tr.Heartbeat)
	tr.Error = column.Text(tr.Error)
	tr.Log = column.Text(tr.Log)
	return tr, nil
}

// Filter checks a RunFilter.
func Filter(f store.RunFilter) (store.RunFilter, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return f, fmt.Errorf("list runs: negative limit %d or offset %d", f.Limit, f.Offset)
	}
	for _, s := range f.States {
		if !s.Valid() {
			return f, fmt.Errorf("list runs: unknown state %q", s)
		}
	}
	for _, tr := range f.Triggers {
		switch tr {
		case pipeline.TriggerManual, pipeline.TriggerSchedule, pipeline.TriggerBackfill:
		default:
			return f, fmt.Errorf("list runs: unknown trigger %q (want manual, schedule or backfill)", tr)
		}
	}
	if !f.IntervalFrom.IsZero() {
		f.IntervalFrom = column.Time(f.IntervalFrom)
	}
	if !f.IntervalTo.IsZero() {
		f.IntervalTo = column.Time(f.IntervalTo)
	}
	return f, nil
}

// StateList is f.States as SQL string literals, 'queued', 'running'.
// States and triggers are inlined rather than bound because the planner
// can use a partial index (runs_active: WHERE state IN ('queued',
// 'running')) only when it sees the values; both are closed sets checked
// by Filter, and quotes are doubled regardless.
func StateList(states []pipeline.State) string {
	s := make([]string, len(states))
	for i, st := range states {
		s[i] = quote(string(st))
	}
	return strings.Join(s, ", ")
}

// TriggerList is triggers as SQL string literals (see StateList).
func TriggerList(triggers []pipeline.RunTrigger) string {
	s := make([]string, len(triggers))
	for i, tr := range triggers {
		s[i] = quote(string(tr))
	}
	return strings.Join(s, ", ")
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
