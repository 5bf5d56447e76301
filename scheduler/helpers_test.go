package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
	"memepipe/store/sqlite"
)

// fakeClock is a Clock tests move by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	asked   []time.Duration // every After duration, in order
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, d)
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	return ch
}

// Set moves the clock to t and fires the waiters that are due.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// lastAsked waits until some goroutine asked After more than n times, and
// returns the latest duration asked.
func (c *fakeClock) waitAsked(t *testing.T, n int) time.Duration {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if len(c.asked) > n {
			d := c.asked[len(c.asked)-1]
			c.mu.Unlock()
			return d
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the loop never slept (After called %d times)", n)
	return 0
}

func (c *fakeClock) askedCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.asked)
}

// testExec is a small stand-in for the engine with the same store
// contract: it creates or resumes the interval's run, claims it (refusing
// a run a live owner holds), runs the tasks in order and records the run.
type testExec struct {
	st    store.Runs
	owner string
	// gate, when set, holds each run until a value is received.
	gate chan struct{}

	mu         sync.Mutex
	running    int
	maxRunning int
	started    []string // "pipeline interval-start" in start order
}

func (e *testExec) Owner() string { return e.owner }

func (e *testExec) Run(ctx context.Context, dag *pipeline.DAG, iv pipeline.Interval, o RunOptions) (pipeline.Run, error) {
	run, _, err := e.st.CreateRun(ctx, pipeline.Run{Pipeline: dag.Name, Interval: iv, Trigger: o.Trigger, Owner: e.owner})
	if err != nil {
		return run, err
	}
	ok, err := e.st.ClaimRun(ctx, run.ID, e.owner, time.Now().Add(-time.Minute))
	if err != nil {
		return run, err
	}
	if !ok {
		return run, fmt.Errorf("run %s: %w", run.ID, ErrClaimed)
	}
	e.mu.Lock()
	e.running++
	e.maxRunning = max(e.maxRunning, e.running)
	e.started = append(e.started, dag.Name+" "+iv.Start.UTC().Format("01-02T15:04"))
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running--
		e.mu.Unlock()
	}()
	now := time.Now()
	run.State, run.StartedAt, run.Owner = pipeline.Running, &now, e.owner
	if err := e.st.UpdateRun(ctx, run); err != nil {
		return run, err
	}
	if e.gate != nil {
		select {
		case <-e.gate:
		case <-ctx.Done():
			run.State, run.Owner = pipeline.Queued, ""
			_ = e.st.UpdateRun(context.WithoutCancel(ctx), run)
			return run, ctx.Err()
		}
	}
	run.State = pipeline.Success
	trs, _ := e.st.ListTaskRuns(ctx, run.ID)
	attempt := map[string]int{}
	for _, tr := range trs {
		attempt[tr.Task] = max(attempt[tr.Task], tr.Attempt)
	}
	for _, t := range dag.Tasks {
		start := time.Now()
		tr := pipeline.TaskRun{RunID: run.ID, Task: t.Name, Attempt: attempt[t.Name] + 1, State: pipeline.Running, StartedAt: &start}
		if err := e.st.InsertTaskRun(ctx, tr); err != nil {
			return run, err
		}
		res, terr := t.Runner.Run(ctx, &pipeline.TaskContext{RunID: run.ID, Pipeline: dag.Name, Task: t.Name, Attempt: tr.Attempt, Interval: iv, Log: io.Discard})
		end := time.Now()
		tr.State, tr.EndedAt, tr.RecordsOut = pipeline.Success, &end, res.RecordsOut
		if terr != nil {
			tr.State, tr.Error, run.State = pipeline.Failed, terr.Error(), pipeline.Failed
		}
		if err := e.st.UpdateTaskRun(ctx, tr); err != nil {
			return run, err
		}
	}
	end := time.Now()
	run.EndedAt, run.Owner = &end, ""
	return run, e.st.UpdateRun(ctx, run)
}

// executions counts how often each (pipeline, interval) ran its task.
type executions struct {
	mu sync.Mutex
	n  map[string]int
}

func (x *executions) task(name string) pipeline.Task {
	return pipeline.Task{Name: "work", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.n == nil {
			x.n = map[string]int{}
		}
		x.n[tc.Pipeline+" "+tc.Interval.String()]++
		return pipeline.Result{RecordsOut: 1}, nil
	})}
}

func (x *executions) get(key string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.n[key]
}

func dag(name string, tasks ...pipeline.Task) *pipeline.DAG {
	return &pipeline.DAG{Name: name, Tasks: tasks}
}

func mustSchedule(t testing.TB, expr string) *schedule.Schedule {
	t.Helper()
	s, err := schedule.Parse(expr, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openSQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestScheduler(t testing.TB, st store.Store, clock Clock, exec Executor, pipelines ...Pipeline) *Scheduler {
	t.Helper()
	s, err := New(pipelines, Options{Store: st, Executor: exec, Clock: clock, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cancelRuns(); s.runs.Wait() })
	return s
}

// stepAndWait runs one loop step at now and waits for the runs it started.
func stepAndWait(t testing.TB, s *Scheduler, now time.Time) error {
	t.Helper()
	_, err := s.step(context.Background(), now)
	s.runs.Wait()
	return err
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func runsOf(t testing.TB, st store.Store, p string) []pipeline.Run {
	t.Helper()
	runs, err := st.ListRuns(context.Background(), store.RunFilter{Pipeline: p, OldestFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// starts lists runs as "15:04 trigger state".
func describe(runs []pipeline.Run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, fmt.Sprintf("%s %s %s", r.Interval.Start.Format("15:04"), r.Trigger, r.State))
	}
	return out
}

// flakyStore fails every call while down is set (a database that went away).
type flakyStore struct {
	store.Store
	down       atomic.Bool
	createDown atomic.Bool // only CreateRun fails
}

var errDown = errors.New("connection refused")

func (f *flakyStore) err() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

func (f *flakyStore) GetSchedule(ctx context.Context, p string) (store.ScheduleRecord, error) {
	if err := f.err(); err != nil {
		return store.ScheduleRecord{}, err
	}
	return f.Store.GetSchedule(ctx, p)
}

func (f *flakyStore) SaveSchedule(ctx context.Context, rec store.ScheduleRecord) (store.ScheduleRecord, error) {
	if err := f.err(); err != nil {
		return rec, err
	}
	return f.Store.SaveSchedule(ctx, rec)
}

func (f *flakyStore) CreateRun(ctx context.Context, r pipeline.Run) (pipeline.Run, bool, error) {
	if err := f.err(); err != nil || f.createDown.Load() {
		return r, false, errDown
	}
	return f.Store.CreateRun(ctx, r)
}

func (f *flakyStore) ListRuns(ctx context.Context, fl store.RunFilter) ([]pipeline.Run, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Store.ListRuns(ctx, fl)
}

func (f *flakyStore) CountRuns(ctx context.Context, fl store.RunFilter) (int, error) {
	if err := f.err(); err != nil {
		return 0, err
	}
	return f.Store.CountRuns(ctx, fl)
}

func (f *flakyStore) Ping(ctx context.Context) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.Ping(ctx)
}
