package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/memstore"
)

var testInterval = pipeline.Interval{
	Start: time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC),
	End:   time.Date(2025, 3, 6, 1, 0, 0, 0, time.UTC),
}

// testEngine returns an engine on st with quiet logs and short waits.
func testEngine(st store.Runs, o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Grace == 0 {
		o.Grace = 2 * time.Second
	}
	return New(st, o)
}

// calls counts runner invocations per task.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) inc(task string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[task]++
	return c.n[task]
}

func (c *calls) get(task string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[task]
}

// script returns a runner whose k-th call (from 1) returns errs[k-1], and
// nil once errs run out.
func script(c *calls, errs ...error) pipeline.Runner {
	return pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		k := c.inc(tc.Task)
		if k <= len(errs) {
			return pipeline.Result{}, errs[k-1]
		}
		return pipeline.Result{RecordsIn: 1, RecordsOut: 1}, nil
	})
}

func ok(c *calls) pipeline.Runner { return script(c) }

var errBoom = errors.New("boom")

// history returns each task's attempts ordered by attempt number.
func history(t *testing.T, st store.Runs, runID string) map[string][]pipeline.TaskRun {
	t.Helper()
	trs, err := st.ListTaskRuns(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]pipeline.TaskRun{}
	for _, tr := range trs {
		out[tr.Task] = append(out[tr.Task], tr)
	}
	for _, v := range out {
		slices.SortFunc(v, func(a, b pipeline.TaskRun) int { return a.Attempt - b.Attempt })
	}
	return out
}

// statesOf lists a task's attempt states in order.
func statesOf(trs []pipeline.TaskRun) []pipeline.State {
	var s []pipeline.State
	for _, tr := range trs {
		s = append(s, tr.State)
	}
	return s
}

// events collects what Observe receives.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (e *events) observe(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, ev)
}

func (e *events) all() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.evs)
}

func (e *events) of(kind EventKind) []Event {
	var out []Event
	for _, ev := range e.all() {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

func newStore() *memstore.Store { return memstore.New() }
