// Package servetest builds what the server, web and cmd tests share: a
// SQLite store in a temp dir, the real engine, a scheduler over a small
// meme-coin pipeline whose tasks log what they do, and metrics.
package servetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/observe"
	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/scheduler"
	"memepipe/store"
	"memepipe/store/sqlite"
)

// Env is a working memepipe serve without its HTTP server.
type Env struct {
	Store     store.Store
	Engine    *engine.Engine
	Scheduler *scheduler.Scheduler
	Metrics   *metrics.Metrics
	Logger    *slog.Logger
}

// Options tweak the environment.
type Options struct {
	// FailTask names a task of "memes" that fails permanently.
	FailTask string
	// Store replaces the SQLite store.
	Store store.Store
	// Run starts the scheduler loop (stopped when the test ends).
	Run bool
}

// Memes is the test pipeline: two collectors fan out, a cleaner joins
// them, a scorer follows. Each task writes log lines naming its interval.
func Memes(fail string) *pipeline.DAG {
	task := func(name string, records int64, deps ...string) pipeline.Task {
		return pipeline.Task{Name: name, DependsOn: deps, Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			fmt.Fprintf(tc.Log, "%s: working on %s\n", name, tc.Interval)
			if name == fail {
				fmt.Fprintf(tc.Log, "%s: upstream said 401 Unauthorized\n", name)
				return pipeline.Result{}, pipeline.Permanent(errors.New("401 Unauthorized: invalid API key"))
			}
			fmt.Fprintf(tc.Log, "%s: wrote %d records\n", name, records)
			return pipeline.Result{RecordsOut: records}, nil
		})}
	}
	return &pipeline.DAG{Name: "memes", Tasks: []pipeline.Task{
		task("collect_social", 120), task("collect_onchain", 45),
		task("clean", 160, "collect_social", "collect_onchain"),
		task("score", 3, "clean"),
	}}
}

// New builds the environment: pipelines "memes" (hourly) and "daily"
// (on demand, one-day intervals).
func New(t testing.TB, o Options) *Env {
	t.Helper()
	st := o.Store
	if st == nil {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "memepipe.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st = s
	}
	log := slog.New(slog.NewTextHandler(logSink(), nil))
	m := metrics.New()
	eng := engine.New(st, engine.Options{Logger: log, Observe: observe.Metrics(m), Grace: time.Second, AbandonAfter: time.Second})
	hourly, err := schedule.Parse("@hourly", "")
	if err != nil {
		t.Fatal(err)
	}
	daily := &pipeline.DAG{Name: "daily", Tasks: []pipeline.Task{{Name: "rollup", Runner: pipeline.RunnerFunc(
		func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			fmt.Fprintln(tc.Log, "rollup done")
			return pipeline.Result{RecordsOut: 1}, nil
		})}}}
	sch, err := scheduler.New([]scheduler.Pipeline{
		{DAG: Memes(o.FailTask), Schedule: hourly, Policy: schedule.Policy{MaxActiveRuns: 2}},
		{DAG: daily, Interval: 24 * time.Hour},
	}, scheduler.Options{Store: st, Executor: scheduler.Engine(eng), Metrics: m, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Store: st, Engine: eng, Scheduler: sch, Metrics: m, Logger: log}
	if o.Run {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = sch.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		// Wait for the first tick, so Ready reflects the store.
		deadline := time.Now().Add(10 * time.Second)
		for sch.Ready() != nil && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	return env
}

// WaitRun polls the store until run id has ended, and returns it.
func (e *Env) WaitRun(t testing.TB, id string) pipeline.Run {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := e.Store.GetRun(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		// The scheduler's goroutine ends after the engine delivered the
		// run's last event (metrics, alerts).
		if r.State.Terminal() && r.Owner == "" && e.Scheduler.InFlight() == 0 {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s after 20s", id, r.State)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SeedRuns stores n finished runs of "memes" (hourly intervals ending at
// end, newest last) with a task run per task, as history for list and
// grid tests and benchmarks; every seventh run failed at clean.
func SeedRuns(t testing.TB, st store.Store, n int, end time.Time) {
	t.Helper()
	ctx := context.Background()
	dag := Memes("")
	for i := range n {
		start := end.Add(-time.Duration(n-i) * time.Hour)
		iv := pipeline.Interval{Start: start, End: start.Add(time.Hour)}
		began := iv.End.Add(time.Second)
		state := pipeline.Success
		if i%7 == 3 {
			state = pipeline.Failed
		}
		fin := began.Add(40 * time.Second)
		r, _, err := st.CreateRun(ctx, pipeline.Run{Pipeline: "memes", Interval: iv, State: state, Trigger: pipeline.TriggerSchedule,
			CreatedAt: iv.End, StartedAt: &began, EndedAt: &fin})
		if err != nil {
			t.Fatal(err)
		}
		for j, task := range dag.Tasks {
			ts := began.Add(time.Duration(j) * 10 * time.Second)
			te := ts.Add(9 * time.Second)
			tstate := pipeline.Success
			switch {
			case state == pipeline.Failed && task.Name == "clean":
				tstate = pipeline.Failed
			case state == pipeline.Failed && task.Name == "score":
				tstate = pipeline.UpstreamFailed
			}
			if err := st.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: task.Name, Attempt: 1, State: tstate,
				StartedAt: &ts, EndedAt: &te, RecordsOut: 10, Log: task.Name + " log\n"}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// logSink is where the environment's logs go: nowhere, unless
// MEMEPIPE_TEST_LOG is set (to debug a test).
func logSink() io.Writer {
	if os.Getenv("MEMEPIPE_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// SeedChecks stores what the clean task's data-quality checks found in
// each of runs: three datasets with four checks each (twelve rows per
// run). Every run's price_bars freshness check warns; in the run at index
// failAt (if any) tweets' keys_unique fails with severity error.
func SeedChecks(t testing.TB, st store.Store, runs []pipeline.Run, failAt int) {
	t.Helper()
	ctx := context.Background()
	for i, r := range runs {
		var rs []store.CheckResult
		for _, ds := range []string{"tweets", "price_bars", "transfers"} {
			for _, c := range []string{"keys_not_null", "keys_unique", "not_empty", "freshness"} {
				res := store.CheckResult{Pipeline: r.Pipeline, Interval: r.Interval, Dataset: ds, Check: c, Severity: "error", Passed: true,
					Message: "ok", At: r.Interval.End.Add(30 * time.Second)}
				switch {
				case c == "freshness":
					res.Severity = "warn"
					age := 5400.0
					res.Observed = &age
					if ds == "price_bars" {
						res.Passed, res.Message = false, "newest row is 1h30m old (window 1h)"
					}
				case c == "keys_unique" && ds == "tweets" && i == failAt:
					res.Passed, res.Message = false, "3 rows share a key (tweet id)"
					n := 3.0
					res.Observed = &n
				}
				rs = append(rs, res)
			}
		}
		if err := st.PutChecks(ctx, r.ID, "clean", rs); err != nil {
			t.Fatal(err)
		}
	}
}
