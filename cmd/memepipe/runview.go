package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"memepipe/pipeline"
)

// runView is a run with its tasks, as `runs show --json` prints it and the
// summary table shows it. A task's row sums up its attempts: the state and
// records of its latest attempt, the number of attempts that actually
// started, and the wall time from its first start to its last end.
type runView struct {
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
	Tasks         []taskView     `json:"tasks"`
}

type taskView struct {
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
	History    []attemptView  `json:"history"`
}

type attemptView struct {
	Attempt    int            `json:"attempt"`
	State      pipeline.State `json:"state"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	EndedAt    *time.Time     `json:"ended_at,omitempty"`
	DurationMS *int64         `json:"duration_ms,omitempty"`
	RecordsIn  int64          `json:"records_in"`
	RecordsOut int64          `json:"records_out"`
	Error      string         `json:"error,omitempty"`
}

func span(start, end *time.Time) (string, *int64) {
	if start == nil || end == nil {
		return "", nil
	}
	d := end.Sub(*start)
	ms := d.Milliseconds()
	return roundDuration(d).String(), &ms
}

// roundDuration keeps three significant digits or so: 1.234s, 12.3s, 2m3s.
func roundDuration(d time.Duration) time.Duration {
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

// newRunView builds the view. order lists task names in DAG order when
// known; other tasks follow in the order the store returns them (by start).
func newRunView(r pipeline.Run, trs []pipeline.TaskRun, order []string) runView {
	v := runView{
		ID: r.ID, Pipeline: r.Pipeline, State: r.State, Trigger: string(r.Trigger),
		IntervalStart: r.Interval.Start, IntervalEnd: r.Interval.End,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt, Owner: r.Owner,
		Tasks: []taskView{},
	}
	v.Duration, v.DurationMS = span(r.StartedAt, r.EndedAt)
	byName := map[string]*taskView{}
	var names []string
	add := func(n string) {
		if _, ok := byName[n]; !ok {
			byName[n] = &taskView{Name: n, State: pipeline.Queued, History: []attemptView{}}
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
		a := attemptView{Attempt: tr.Attempt, State: tr.State, StartedAt: tr.StartedAt, EndedAt: tr.EndedAt, RecordsIn: tr.RecordsIn, RecordsOut: tr.RecordsOut, Error: tr.Error}
		_, a.DurationMS = span(tr.StartedAt, tr.EndedAt)
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
		t.Duration, t.DurationMS = span(t.StartedAt, t.EndedAt)
		v.Tasks = append(v.Tasks, *t)
	}
	return v
}

// only keeps the named tasks (the DAG that just ran: a run resumed with a
// different DAG, or with --only, has rows of tasks that did not take part).
func (v runView) only(names []string) runView {
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	out := v
	out.Tasks = nil
	for _, t := range v.Tasks {
		if keep[t.Name] {
			out.Tasks = append(out.Tasks, t)
		}
	}
	return out
}

// firstLine shortens an error to its first line, for tables.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > max {
		s = s[:max-1] + "…"
	}
	return s
}

// writeTaskTable prints the summary table: task, state, attempts,
// duration, records in/out, first line of the error.
func writeTaskTable(w io.Writer, v runView) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tATTEMPTS\tDURATION\tRECORDS IN/OUT\tERROR")
	for _, t := range v.Tasks {
		d := t.Duration
		if d == "" {
			d = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d/%d\t%s\n", t.Name, t.State, t.Attempts, d, t.RecordsIn, t.RecordsOut, firstLine(t.Error, 80))
	}
	tw.Flush()
}

func stateCounts(v runView) string {
	counts := map[pipeline.State]int{}
	for _, t := range v.Tasks {
		counts[t.State]++
	}
	var parts []string
	for _, s := range pipeline.States {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}
