// Package runview shapes a run and its task runs for people and programs:
// the JSON of `memepipe runs show --json` and of the API's /runs, the run
// grid (runs by tasks), the Gantt of task attempts and the layered task
// graph the web UI draws. It does no I/O.
package runview

import (
	"time"

	"memepipe/pipeline"
)

// Run is a run with its tasks. A task's row sums up its attempts: the
// state and records of its latest attempt, the number of attempts that
// actually started, and the wall time from its first start to its last end.
type Run struct {
	ID            string         `json:"id"`
	Pipeline      string         `json:"pipeline"`
	State         pipeline.State `json:"state"`
	IntervalStart time.Time      `json:"interval_start"`
	IntervalEnd   time.Time      `json:"interval_end"`
	Trigger       string         `json:"trigger"`
	CreatedAt     time.Time      `json:"created_at"`
	StartedAt     *time.Time     `json:"started_at,omitempty"`
	EndedAt       *time.Time     `json:"ended_at,omitempty"`
	Duration      string         `json:"duration,omitempty"`
	DurationMS    *int64         `json:"duration_ms,omitempty"`
	Owner         string         `json:"owner,omitempty"`
	Tasks         []Task         `json:"tasks"`
}

// Task is one task of a run.
type Task struct {
	Name       string         `json:"name"`
	State      pipeline.State `json:"state"`
	Attempts   int            `json:"attempts"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	EndedAt    *time.Time     `json:"ended_at,omitempty"`
	Duration   string         `json:"duration,omitempty"`
	DurationMS *int64         `json:"duration_ms,omitempty"`
	RecordsIn  int64          `json:"records_in"`
	RecordsOut int64          `json:"records_out"`
	Error      string         `json:"error,omitempty"`
	History    []Attempt      `json:"history"`
}

// Attempt is one attempt of a task.
type Attempt struct {
	Attempt    int            `json:"attempt"`
	State      pipeline.State `json:"state"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	EndedAt    *time.Time     `json:"ended_at,omitempty"`
	DurationMS *int64         `json:"duration_ms,omitempty"`
	RecordsIn  int64          `json:"records_in"`
	RecordsOut int64          `json:"records_out"`
	Error      string         `json:"error,omitempty"`
}

// Span is the rounded duration from start to end and its milliseconds,
// or "" and nil while either is unknown.
func Span(start, end *time.Time) (string, *int64) {
	if start == nil || end == nil {
		return "", nil
	}
	d := end.Sub(*start)
	ms := d.Milliseconds()
	return Round(d).String(), &ms
}

// Round keeps about three significant digits: 1.234s, 12.3s, 2m3s.
func Round(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Minute:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// New builds the view. order lists task names in DAG order when known;
// tasks found only in the history follow, in the order the store returns
// them (by start).
func New(r pipeline.Run, trs []pipeline.TaskRun, order []string) Run {
	v := Run{
		ID: r.ID, Pipeline: r.Pipeline, State: r.State, Trigger: string(r.Trigger),
		IntervalStart: r.Interval.Start, IntervalEnd: r.Interval.End,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt, Owner: r.Owner,
		Tasks: []Task{},
	}
	v.Duration, v.DurationMS = Span(r.StartedAt, r.EndedAt)
	byName := map[string]*Task{}
	var names []string
	add := func(n string) {
		if _, ok := byName[n]; !ok {
			byName[n] = &Task{Name: n, State: pipeline.Queued, History: []Attempt{}}
			names = append(names, n)
		}
	}
	for _, n := range order {
		add(n)
	}
	latest := map[string]int{}
	for _, tr := range trs {
		add(tr.Task)
		t := byName[tr.Task]
		a := Attempt{Attempt: tr.Attempt, State: tr.State, StartedAt: tr.StartedAt, EndedAt: tr.EndedAt, RecordsIn: tr.RecordsIn, RecordsOut: tr.RecordsOut, Error: tr.Error}
		_, a.DurationMS = Span(tr.StartedAt, tr.EndedAt)
		t.History = append(t.History, a)
		if tr.StartedAt != nil {
			t.Attempts++
			if t.StartedAt == nil || tr.StartedAt.Before(*t.StartedAt) {
				t.StartedAt = tr.StartedAt
			}
		}
		if tr.Attempt >= latest[tr.Task] {
			latest[tr.Task] = tr.Attempt
			t.State, t.RecordsIn, t.RecordsOut, t.Error, t.EndedAt = tr.State, tr.RecordsIn, tr.RecordsOut, tr.Error, tr.EndedAt
		}
	}
	for _, n := range names {
		t := byName[n]
		if !t.State.Terminal() {
			t.EndedAt = nil
		}
		t.Duration, t.DurationMS = Span(t.StartedAt, t.EndedAt)
		v.Tasks = append(v.Tasks, *t)
	}
	return v
}

// Order is the DAG's task names in definition order (nil dag: none).
func Order(dag *pipeline.DAG) []string {
	if dag == nil {
		return nil
	}
	out := make([]string, len(dag.Tasks))
	for i, t := range dag.Tasks {
		out[i] = t.Name
	}
	return out
}
