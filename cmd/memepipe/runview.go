package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"memepipe/pipeline"
	"memepipe/runview"
)

// runs show --json, the summary table and the API share runview's shape.
type runView = runview.Run

func newRunView(r pipeline.Run, trs []pipeline.TaskRun, order []string) runView {
	return runview.New(r, trs, order)
}

var (
	roundDuration = runview.Round
	span          = runview.Span
)

// only keeps the named tasks (the DAG that just ran: a run resumed with a
// different DAG, or with --only, has rows of tasks that did not take part).
func only(v runView, names []string) runView {
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
