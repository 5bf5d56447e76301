package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/tasks/command"
)

const (
	S   = pipeline.Success
	F   = pipeline.Failed
	UFR = pipeline.UpForRetry
	UF  = pipeline.UpstreamFailed
	SK  = pipeline.Skipped
	TO  = pipeline.TimedOut
)

// TestContract is the contract config, with real commands: a
// succeeds, b fails after 3 attempts, c is upstream_failed, the run failed.
func TestContract(t *testing.T) {
	st := newStore()
	e := testEngine(st, Options{})
	dag := &pipeline.DAG{Name: "demo", Tasks: []pipeline.Task{
		{Name: "a", Runner: command.Runner{Argv: []string{"true"}}},
		{Name: "b", DependsOn: []string{"a"}, Runner: command.Runner{Argv: []string{"sh", "-c", "exit 1"}},
			Retry: pipeline.RetryPolicy{Attempts: 3, InitialDelay: 10 * time.Millisecond, Multiplier: 2, Jitter: 0.2}},
		{Name: "c", DependsOn: []string{"b"}, Runner: command.Runner{Argv: []string{"true"}}},
	}}
	run, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.State != F || run.EndedAt == nil || run.Owner != "" {
		t.Errorf("run = %s ended=%v owner=%q, want failed, ended, no owner", run.State, run.EndedAt, run.Owner)
	}
	h := history(t, st, run.ID)
	want := map[string][]pipeline.State{"a": {S}, "b": {UFR, UFR, F}, "c": {UF}}
	for task, w := range want {
		if got := statesOf(h[task]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s attempts = %v, want %v", task, got, w)
		}
	}
	if got := h["b"][2].Error; got != `command "sh" exited with status 1` {
		t.Errorf("b's error = %q", got)
	}
	if got := h["c"][0].Error; got != "upstream b failed" {
		t.Errorf("c's error = %q", got)
	}
	if h["c"][0].StartedAt != nil {
		t.Error("c never ran but has a start time")
	}
	log, err := st.TaskRunLog(context.Background(), run.ID, "b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "engine: attempt 3 started") || !strings.Contains(log, "engine: attempt 3 ended failed after") {
		t.Errorf("b's latest log lacks the engine's lines:\n%s", log)
	}
	stored, _ := st.GetRun(context.Background(), run.ID)
	if stored.State != F || stored.Pipeline != "demo" || stored.Interval != testInterval {
		t.Errorf("stored run = %+v", stored)
	}
}

func TestRetryCounts(t *testing.T) {
	transient := pipeline.Transient(errBoom)
	tests := []struct {
		name     string
		attempts int
		errs     []error
		want     []pipeline.State
	}{
		{"success at once", 3, nil, []pipeline.State{S}},
		{"no retries", 1, []error{errBoom}, []pipeline.State{F}},
		{"zero attempts is one", 0, []error{errBoom}, []pipeline.State{F}},
		{"succeeds on the last try", 3, []error{errBoom, transient}, []pipeline.State{UFR, UFR, S}},
		{"exhausts its budget", 3, []error{errBoom, errBoom, errBoom, errBoom}, []pipeline.State{UFR, UFR, F}},
		{"permanent fails at once", 5, []error{pipeline.Permanent(errBoom)}, []pipeline.State{F}},
		{"permanent after a transient", 5, []error{transient, fmt.Errorf("auth: %w", pipeline.Permanent(errBoom))}, []pipeline.State{UFR, F}},
		{"skip", 5, []error{pipeline.SkipTask("no new blocks")}, []pipeline.State{SK}},
		{"skip after a retry", 5, []error{errBoom, pipeline.SkipTask("no new blocks")}, []pipeline.State{UFR, SK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore()
			c := &calls{}
			dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "t", Runner: script(c, tt.errs...),
				Retry: pipeline.RetryPolicy{Attempts: tt.attempts, InitialDelay: time.Millisecond}}}}
			run, err := testEngine(st, Options{}).Run(context.Background(), dag, testInterval, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := history(t, st, run.ID)["t"]
			if got := statesOf(h); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("attempts = %v, want %v", got, tt.want)
			}
			if c.get("t") != len(tt.want) {
				t.Errorf("runner called %d times for %d attempts", c.get("t"), len(tt.want))
			}
			for i, tr := range h {
				if tr.Attempt != i+1 {
					t.Errorf("attempt numbers = %d at %d", tr.Attempt, i)
				}
				if tr.StartedAt == nil || tr.EndedAt == nil || tr.EndedAt.Before(*tr.StartedAt) {
					t.Errorf("attempt %d times: %v %v", tr.Attempt, tr.StartedAt, tr.EndedAt)
				}
			}
			last := tt.want[len(tt.want)-1]
			wantRun := F
			if last == S || last == SK {
				wantRun = S
			}
			if run.State != wantRun {
				t.Errorf("run state = %s, want %s", run.State, wantRun)
			}
		})
	}
}

// TestBackoffWaits checks the waits between attempts: the policy's
// exponential delay, capped, with the jitter drawn from Rand.
func TestBackoffWaits(t *testing.T) {
	st := newStore()
	var mu sync.Mutex
	var requested []time.Duration
	after := func(d time.Duration) <-chan time.Time {
		if d < time.Second { // not heartbeats or grace
			mu.Lock()
			requested = append(requested, d)
			mu.Unlock()
		}
		return time.After(d)
	}
	ev := &events{}
	var starts []time.Time
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "t",
		Retry: pipeline.RetryPolicy{Attempts: 5, InitialDelay: 4 * time.Millisecond, MaxDelay: 10 * time.Millisecond, Multiplier: 2, Jitter: 0.5},
		Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			starts = append(starts, time.Now())
			return pipeline.Result{}, errBoom
		})}}}
	e := testEngine(st, Options{Rand: func() float64 { return 0.5 }, After: after, Observe: ev.observe})
	if _, err := e.Run(context.Background(), dag, testInterval, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	// d*(1 - 0.5*0.5): 4ms, 8ms, then capped 10ms, 10ms.
	want := []time.Duration{3 * time.Millisecond, 6 * time.Millisecond, 7500 * time.Microsecond, 7500 * time.Microsecond}
	var got []time.Duration
	for _, e := range ev.of(TaskRetrying) {
		got = append(got, e.Wait)
		if e.TaskRun.State != UFR || !errors.Is(e.Err, errBoom) {
			t.Errorf("retrying event: %+v", e)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TaskRetrying waits = %v, want %v", got, want)
	}
	mu.Lock()
	if !reflect.DeepEqual(requested, want) {
		t.Errorf("waited for %v, want %v", requested, want)
	}
	mu.Unlock()
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < want[i-1] {
			t.Errorf("attempt %d started %v after attempt %d, before its wait of %v", i+1, gap, i, want[i-1])
		}
	}
}

// TestBackoffJitterInEngine uses the default random jitter: every wait lies
// in [d*(1-Jitter), d].
func TestBackoffJitterInEngine(t *testing.T) {
	ev := &events{}
	policy := pipeline.RetryPolicy{Attempts: 6, InitialDelay: 2 * time.Millisecond, MaxDelay: 8 * time.Millisecond, Multiplier: 2, Jitter: 0.4}
	var tasks []pipeline.Task
	for i := range 5 {
		tasks = append(tasks, pipeline.Task{Name: fmt.Sprint("t", i), Retry: policy, Runner: script(&calls{}, errBoom, errBoom, errBoom, errBoom, errBoom, errBoom)})
	}
	if _, err := testEngine(newStore(), Options{Observe: ev.observe}).Run(context.Background(), &pipeline.DAG{Name: "p", Tasks: tasks}, testInterval, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	retries := ev.of(TaskRetrying)
	if len(retries) != 5*5 {
		t.Fatalf("%d retries, want 25", len(retries))
	}
	for _, r := range retries {
		next := r.TaskRun.Attempt + 1
		full := time.Duration(float64(policy.InitialDelay) * math.Pow(2, float64(next-2)))
		full = min(full, policy.MaxDelay)
		lo := time.Duration(float64(full) * 0.6)
		if r.Wait < lo || r.Wait > full {
			t.Errorf("%s attempt %d: wait %v outside [%v, %v]", r.Task, r.TaskRun.Attempt, r.Wait, lo, full)
		}
	}
}

type rateLimited struct{ after time.Duration }

func (r rateLimited) Error() string             { return "429 Too Many Requests" }
func (r rateLimited) RetryAfter() time.Duration { return r.after }

func TestRetryAfterHonoured(t *testing.T) {
	ev := &events{}
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "t",
		Retry:  pipeline.RetryPolicy{Attempts: 2, InitialDelay: time.Millisecond},
		Runner: script(&calls{}, fmt.Errorf("get mentions: %w", rateLimited{after: 40 * time.Millisecond}))}}}
	run, err := testEngine(newStore(), Options{Observe: ev.observe}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil || run.State != S {
		t.Fatalf("run %s, %v", run.State, err)
	}
	if r := ev.of(TaskRetrying); len(r) != 1 || r[0].Wait != 40*time.Millisecond {
		t.Errorf("retry waits: %+v, want one of 40ms (the server's Retry-After)", r)
	}
}

func TestTimeouts(t *testing.T) {
	st := newStore()
	release := make(chan struct{})
	defer close(release)
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "slow", Timeout: 30 * time.Millisecond, Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: time.Millisecond},
			Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
				<-ctx.Done()
				return pipeline.Result{}, ctx.Err()
			})},
		// Ignores its context: abandoned AbandonAfter after the timeout.
		{Name: "deaf", Timeout: 20 * time.Millisecond,
			Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
				<-release
				return pipeline.Result{}, nil
			})},
		// A command is killed at its timeout.
		{Name: "sleeper", Timeout: 50 * time.Millisecond, Runner: command.Runner{Argv: []string{"sleep", "30"}}},
		{Name: "after", DependsOn: []string{"slow"}, Runner: ok(&calls{})},
		// Its own deadline error (an HTTP client's) is no task timeout.
		{Name: "own-deadline", Timeout: time.Minute, Runner: script(&calls{}, fmt.Errorf("get: %w", context.DeadlineExceeded))},
	}}
	start := time.Now()
	run, err := testEngine(st, Options{AbandonAfter: 50 * time.Millisecond}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("run took %v: timeouts did not stop the tasks", el)
	}
	h := history(t, st, run.ID)
	for task, w := range map[string][]pipeline.State{"slow": {UFR, TO}, "deaf": {TO}, "sleeper": {TO}, "after": {UF}, "own-deadline": {F}} {
		if got := statesOf(h[task]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", task, got, w)
		}
	}
	if got := h["slow"][0].Error; got != "timed out after 30ms: context deadline exceeded" {
		t.Errorf("slow's error = %q", got)
	}
	if got := h["deaf"][0].Error; !strings.HasPrefix(got, "timed out after 20ms: abandoned: the task did not return within 50ms") {
		t.Errorf("deaf's error = %q", got)
	}
	if got := h["after"][0].Error; got != "upstream slow timed_out" {
		t.Errorf("after's error = %q", got)
	}
	if run.State != F {
		t.Errorf("run = %s", run.State)
	}
}

func TestTriggerRules(t *testing.T) {
	perm := pipeline.Permanent(errBoom)
	skip := pipeline.SkipTask("nothing new")
	type task struct {
		name, deps string
		rule       pipeline.TriggerRule
		err        error
	}
	tests := []struct {
		name  string
		tasks []task
		want  map[string]pipeline.State
		run   pipeline.State
	}{
		{"all_success runs after success and skip", []task{{"a", "", "", nil}, {"b", "", "", skip}, {"c", "a,b", pipeline.AllSuccess, nil}},
			map[string]pipeline.State{"a": S, "b": SK, "c": S}, S},
		{"all_success: upstream failed cascades", []task{{"a", "", "", perm}, {"b", "a", "", nil}, {"c", "b", "", nil}},
			map[string]pipeline.State{"a": F, "b": UF, "c": UF}, F},
		{"all_done runs after a failure", []task{{"a", "", "", perm}, {"b", "a", "", nil}, {"c", "b", pipeline.AllDone, nil}},
			map[string]pipeline.State{"a": F, "b": UF, "c": S}, F},
		{"one_success with one good upstream", []task{{"a", "", "", perm}, {"b", "", "", nil}, {"c", "a,b", pipeline.OneSuccess, nil}},
			map[string]pipeline.State{"a": F, "b": S, "c": S}, F},
		{"one_success with none good", []task{{"a", "", "", perm}, {"b", "", "", skip}, {"c", "a,b", pipeline.OneSuccess, nil}},
			map[string]pipeline.State{"a": F, "b": SK, "c": UF}, F},
		{"one_success with all skipped skips", []task{{"a", "", "", skip}, {"b", "", "", skip}, {"c", "a,b", pipeline.OneSuccess, nil}, {"d", "c", "", nil}},
			map[string]pipeline.State{"a": SK, "b": SK, "c": SK, "d": S}, S},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore()
			c := &calls{}
			dag := &pipeline.DAG{Name: "p"}
			for _, x := range tt.tasks {
				pt := pipeline.Task{Name: x.name, Trigger: x.rule, Runner: script(c, x.err)}
				if x.deps != "" {
					pt.DependsOn = strings.Split(x.deps, ",")
				}
				dag.Tasks = append(dag.Tasks, pt)
			}
			run, err := testEngine(st, Options{}).Run(context.Background(), dag, testInterval, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := history(t, st, run.ID)
			for name, want := range tt.want {
				if len(h[name]) != 1 || h[name][0].State != want {
					t.Errorf("%s = %v, want [%s]", name, statesOf(h[name]), want)
				}
				ran := want == S || want == F || (want == SK && c.get(name) == 1)
				if !ran && c.get(name) != 0 {
					t.Errorf("%s ran although %s", name, want)
				}
			}
			if run.State != tt.run {
				t.Errorf("run = %s, want %s", run.State, tt.run)
			}
		})
	}
}

// gauge measures the highest concurrency seen.
type gauge struct {
	mu       sync.Mutex
	cur, max int
}

func (g *gauge) enter() {
	g.mu.Lock()
	g.cur++
	g.max = max(g.max, g.cur)
	g.mu.Unlock()
}

func (g *gauge) leave() {
	g.mu.Lock()
	g.cur--
	g.mu.Unlock()
}

func TestPoolsNeverExceeded(t *testing.T) {
	limits := map[string]int{"api": 2, "db": 1}
	const global = 4
	gauges := map[string]*gauge{"": {}, "api": {}, "db": {}}
	all := &gauge{}
	mk := func(pool string, n int, prefix string) []pipeline.Task {
		var ts []pipeline.Task
		for i := range n {
			ts = append(ts, pipeline.Task{Name: fmt.Sprintf("%s%s-%d", prefix, pool, i), Pool: pool,
				Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
					all.enter()
					gauges[pool].enter()
					time.Sleep(15 * time.Millisecond)
					gauges[pool].leave()
					all.leave()
					return pipeline.Result{}, nil
				})})
		}
		return ts
	}
	e := testEngine(newStore(), Options{MaxParallel: global, Pools: limits})
	// Two runs at once on one engine share its limits.
	var wg sync.WaitGroup
	for r, name := range []string{"p1", "p2"} {
		dag := &pipeline.DAG{Name: name}
		for _, pool := range []string{"", "api", "db"} {
			dag.Tasks = append(dag.Tasks, mk(pool, 6, fmt.Sprint(r))...)
		}
		wg.Go(func() {
			run, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
			if err != nil || run.State != S {
				t.Errorf("run %s: %s %v", name, run.State, err)
			}
		})
	}
	wg.Wait()
	if all.max > global {
		t.Errorf("global concurrency reached %d, limit %d", all.max, global)
	}
	for pool, lim := range limits {
		if gauges[pool].max > lim {
			t.Errorf("pool %q reached %d, limit %d", pool, gauges[pool].max, lim)
		}
	}
	// 36 tasks of 15ms each: the limits are reached, not merely respected
	// because nothing ran in parallel.
	if all.max != global || gauges["api"].max != 2 {
		t.Errorf("max concurrency global %d, api %d: want the limits 4 and 2 reached", all.max, gauges["api"].max)
	}
}

// TestCancellationGrace: on cancellation no task starts; a running attempt
// that finishes within the grace period counts; the rest waits for resume.
func TestCancellationGrace(t *testing.T) {
	st := newStore()
	c := &calls{}
	started := make(chan struct{})
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "slow", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			c.inc(tc.Task)
			close(started)
			time.Sleep(100 * time.Millisecond) // ignores ctx, finishes within grace
			return pipeline.Result{}, nil
		})},
		{Name: "next", DependsOn: []string{"slow"}, Runner: ok(c)},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	run, err := testEngine(st, Options{Grace: 5 * time.Second}).Run(ctx, dag, testInterval, RunOptions{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 unfinished task(s) (next)") {
		t.Fatalf("err = %v, want an interruption naming next", err)
	}
	if run.State != pipeline.Queued || run.Owner != "" || run.EndedAt != nil {
		t.Errorf("interrupted run = %s owner %q ended %v; want queued, no owner, not ended", run.State, run.Owner, run.EndedAt)
	}
	h := history(t, st, run.ID)
	if got := statesOf(h["slow"]); !reflect.DeepEqual(got, []pipeline.State{S}) {
		t.Errorf("slow = %v, want [success] (finished within grace)", got)
	}
	if len(h["next"]) != 0 || c.get("next") != 0 {
		t.Errorf("next started after cancellation: %v", h["next"])
	}
	// Resume: only next runs.
	run2, err := testEngine(st, Options{}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil || run2.State != S || run2.ID != run.ID {
		t.Fatalf("resume: %s %s %v", run2.ID, run2.State, err)
	}
	if c.get("slow") != 1 || c.get("next") != 1 {
		t.Errorf("calls slow=%d next=%d, want 1 and 1", c.get("slow"), c.get("next"))
	}
}

// TestCancellationInterruptsAfterGrace: an attempt still running when the
// grace period ends loses its context; it is recorded up_for_retry and does
// not use up the retry budget: after resume the task still has both tries.
func TestCancellationInterruptsAfterGrace(t *testing.T) {
	st := newStore()
	const grace = 80 * time.Millisecond
	started := make(chan struct{}, 1)
	var cancelledAt, ctxDoneAt atomic.Value
	var stuckCalls atomic.Int32
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "stuck", Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: time.Millisecond},
			Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
				switch stuckCalls.Add(1) {
				case 2:
					return pipeline.Result{}, errBoom // the resumed attempt fails once...
				case 3:
					return pipeline.Result{}, nil // ...and has a retry left to succeed
				}
				started <- struct{}{}
				<-ctx.Done()
				ctxDoneAt.Store(time.Now())
				return pipeline.Result{}, ctx.Err()
			})},
		// Waiting out a backoff when cancelled: stops at once, not counted.
		{Name: "flaky", Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: time.Hour}, Runner: script(&calls{}, errBoom)},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	ev := &events{}
	go func() {
		<-started
		for len(ev.of(TaskRetrying)) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancelledAt.Store(time.Now())
		cancel()
	}()
	run, err := testEngine(st, Options{Grace: grace, Observe: ev.observe}).Run(ctx, dag, testInterval, RunOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if gap := ctxDoneAt.Load().(time.Time).Sub(cancelledAt.Load().(time.Time)); gap < grace {
		t.Errorf("the task's context ended %v after cancellation, before the %v grace", gap, grace)
	}
	h := history(t, st, run.ID)
	if len(h["stuck"]) != 1 || h["stuck"][0].State != UFR || !strings.HasPrefix(h["stuck"][0].Error, "interrupted: ") {
		t.Fatalf("stuck = %+v, want one up_for_retry interrupted attempt", h["stuck"])
	}
	if got := statesOf(h["flaky"]); !reflect.DeepEqual(got, []pipeline.State{UFR}) {
		t.Errorf("flaky = %v", got)
	}
	run2, err := testEngine(st, Options{}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil || run2.State != S {
		t.Fatalf("resume: %s %v", run2.State, err)
	}
	h = history(t, st, run.ID)
	if got := statesOf(h["stuck"]); !reflect.DeepEqual(got, []pipeline.State{UFR, UFR, S}) {
		t.Errorf("stuck after resume = %v, want [up_for_retry up_for_retry success]: the interrupted attempt must not use one of its 2 tries", got)
	}
	// flaky had used 1 of 2 attempts; attempt 2 is its last.
	if got := statesOf(h["flaky"]); !reflect.DeepEqual(got, []pipeline.State{UFR, S}) {
		t.Errorf("flaky after resume = %v", got)
	}
}

func TestResumeSkipsSucceeded(t *testing.T) {
	st := newStore()
	c := &calls{}
	var bFails atomic.Bool
	bFails.Store(true)
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "a", Runner: ok(c)},
		{Name: "b", DependsOn: []string{"a"}, Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: time.Millisecond},
			Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
				c.inc(tc.Task)
				if bFails.Load() {
					return pipeline.Result{}, errBoom
				}
				return pipeline.Result{}, nil
			})},
		{Name: "c", DependsOn: []string{"b"}, Runner: ok(c)},
	}}
	e := testEngine(st, Options{})
	run, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil || run.State != F {
		t.Fatalf("first run: %s %v", run.State, err)
	}
	bFails.Store(false)
	run2, err := e.Run(context.Background(), dag, testInterval, RunOptions{Trigger: pipeline.TriggerSchedule})
	if err != nil || run2.State != S || run2.ID != run.ID {
		t.Fatalf("resume: %s %s %v", run2.ID, run2.State, err)
	}
	if run2.Trigger != pipeline.TriggerManual {
		t.Errorf("trigger = %s: a resumed run keeps the trigger it was created with", run2.Trigger)
	}
	h := history(t, st, run.ID)
	want := map[string][]pipeline.State{"a": {S}, "b": {UFR, F, S}, "c": {UF, S}}
	for task, w := range want {
		if got := statesOf(h[task]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", task, got, w)
		}
	}
	if c.get("a") != 1 || c.get("b") != 3 || c.get("c") != 1 {
		t.Errorf("calls a=%d b=%d c=%d, want 1 3 1", c.get("a"), c.get("b"), c.get("c"))
	}
	if h["c"][1].Attempt != 2 {
		t.Errorf("c's second row is attempt %d", h["c"][1].Attempt)
	}
	// A third Run of a finished, successful run does nothing.
	run3, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil || run3.State != S || c.get("a")+c.get("b")+c.get("c") != 5 {
		t.Errorf("third run: %s %v, calls %v", run3.State, err, c.n)
	}
}

func TestRerun(t *testing.T) {
	st := newStore()
	c := &calls{}
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "a", Runner: ok(c)},
		{Name: "b", DependsOn: []string{"a"}, Runner: script(c, nil, pipeline.SkipTask("nothing"))},
	}}
	e := testEngine(st, Options{})
	run, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil || run.State != S {
		t.Fatal(run.State, err)
	}
	firstStart := *run.StartedAt
	run2, err := e.Run(context.Background(), dag, testInterval, RunOptions{Rerun: true})
	if err != nil || run2.State != S || run2.ID != run.ID {
		t.Fatal(run2.State, err)
	}
	if !run2.StartedAt.Equal(firstStart) {
		t.Errorf("StartedAt moved from %v to %v; it records the first start", firstStart, run2.StartedAt)
	}
	h := history(t, st, run.ID)
	if got := statesOf(h["a"]); !reflect.DeepEqual(got, []pipeline.State{S, S}) {
		t.Errorf("a = %v", got)
	}
	if got := statesOf(h["b"]); !reflect.DeepEqual(got, []pipeline.State{S, SK}) {
		t.Errorf("b = %v", got)
	}
	if c.get("a") != 2 || c.get("b") != 2 {
		t.Errorf("calls %v", c.n)
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestZombieRecovery(t *testing.T) {
	host, _ := os.Hostname()
	t0 := time.Date(2025, 3, 6, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		owner    string
		now      time.Time // the engine's clock
		attempts int
		earlier  []pipeline.State // b's attempts before the running one
		wantErr  error
		wantB    []pipeline.State
		wantMsg  string
	}{
		{"owner's pid is gone: dead at once", fmt.Sprintf("%s:%d", host, deadPID(t)), t0.Add(time.Second), 2, nil,
			nil, []pipeline.State{UFR, S}, fmt.Sprintf("zombie: owner %s:%d died (process is gone)", host, 0)},
		{"other host, stale heartbeat", "elsewhere:4242", t0.Add(31 * time.Second), 2, nil,
			nil, []pipeline.State{UFR, S}, "zombie: owner elsewhere:4242 died (stopped heartbeating for over 30s)"},
		{"zombie counts as one attempt", "elsewhere:4242", t0.Add(time.Minute), 3, []pipeline.State{UFR},
			nil, []pipeline.State{UFR, UFR, S}, "zombie: owner elsewhere:4242 died"},
		{"zombie on the last attempt fails it; the resumed run tries again", "elsewhere:4242", t0.Add(time.Minute), 1, nil,
			nil, []pipeline.State{F, S}, "zombie: owner elsewhere:4242 died"},
		{"live owner keeps its run", "elsewhere:4242", t0.Add(5 * time.Second), 2, nil,
			ErrClaimed, []pipeline.State{pipeline.Running}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore()
			st.Now = func() time.Time { return t0 }
			ctx := context.Background()
			r, _, err := st.CreateRun(ctx, pipeline.Run{Pipeline: "p", Interval: testInterval, State: pipeline.Running, Trigger: pipeline.TriggerManual})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := st.ClaimRun(ctx, r.ID, tt.owner, t0); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if err := st.HeartbeatRun(ctx, r.ID, tt.owner, t0); err != nil {
				t.Fatal(err)
			}
			start := t0.Add(-time.Minute)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(st.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "a", Attempt: 1, State: S, StartedAt: &start, EndedAt: &start}))
			n := 1
			for _, s := range tt.earlier {
				must(st.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "b", Attempt: n, State: s, StartedAt: &start, EndedAt: &start, Error: "boom"}))
				n++
			}
			must(st.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "b", Attempt: n, State: pipeline.Running, StartedAt: &start, Heartbeat: &t0, Log: "fetched page 1\n"}))

			c := &calls{}
			dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
				{Name: "a", Runner: ok(c)},
				{Name: "b", DependsOn: []string{"a"}, Retry: pipeline.RetryPolicy{Attempts: tt.attempts}, Runner: ok(c)},
			}}
			run, err := testEngine(st, Options{Now: func() time.Time { return tt.now }}).Run(ctx, dag, testInterval, RunOptions{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "owned by elsewhere:4242") {
					t.Fatalf("err = %v, want %v naming the owner", err, tt.wantErr)
				}
			} else if err != nil || run.State != S {
				t.Fatalf("run %s, %v", run.State, err)
			}
			h := history(t, st, r.ID)
			if got := statesOf(h["b"]); !reflect.DeepEqual(got, tt.wantB) {
				t.Errorf("b = %v, want %v", got, tt.wantB)
			}
			if c.get("a") != 0 {
				t.Error("a ran again although it had succeeded")
			}
			if tt.wantMsg == "" {
				if c.get("b") != 0 {
					t.Error("b ran while its owner is alive")
				}
				return
			}
			z := h["b"][len(tt.earlier)]
			wantMsg := tt.wantMsg
			if strings.Contains(wantMsg, ":0 died") {
				wantMsg = "zombie: owner " + tt.owner + " died (process is gone)"
			}
			if !strings.HasPrefix(z.Error, wantMsg) {
				t.Errorf("zombie attempt error = %q, want %q", z.Error, wantMsg)
			}
			if z.EndedAt == nil {
				t.Error("zombie attempt has no end time")
			}
			log, _ := st.TaskRunLog(ctx, r.ID, "b", z.Attempt)
			if !strings.HasPrefix(log, "fetched page 1\n") || !strings.Contains(log, "engine: attempt") {
				t.Errorf("zombie's log = %q: keeps what was saved and adds the engine's note", log)
			}
			if c.get("b") != 1 {
				t.Errorf("b ran %d times, want 1", c.get("b"))
			}
		})
	}
}

func TestSameRunTwiceInOneEngine(t *testing.T) {
	e := testEngine(newStore(), Options{})
	hold := make(chan struct{})
	running := make(chan struct{})
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "a", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		close(running)
		<-hold
		return pipeline.Result{}, nil
	})}}}
	done := make(chan error)
	go func() {
		_, err := e.Run(context.Background(), dag, testInterval, RunOptions{})
		done <- err
	}()
	<-running
	if _, err := e.Run(context.Background(), dag, testInterval, RunOptions{}); !errors.Is(err, ErrActive) {
		t.Errorf("second Run: %v, want ErrActive", err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSLAMissed(t *testing.T) {
	ev := &events{}
	dag := &pipeline.DAG{Name: "p", SLA: 40 * time.Millisecond, Tasks: []pipeline.Task{
		{Name: "quick", SLA: time.Hour, Runner: ok(&calls{})},
		{Name: "slow", SLA: 20 * time.Millisecond, Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			time.Sleep(120 * time.Millisecond)
			return pipeline.Result{}, nil
		})},
	}}
	if _, err := testEngine(newStore(), Options{Observe: ev.observe}).Run(context.Background(), dag, testInterval, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ev.of(SLAMissed) {
		got = append(got, e.Task+"|"+e.Err.Error())
		if e.Run.State != pipeline.Running {
			t.Errorf("SLA event while run is %s", e.Run.State)
		}
	}
	want := []string{"slow|task slow not done 20ms after the run started", "|run of p not done 40ms after it started"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SLA misses = %q, want %q", got, want)
	}
}

// TestHeartbeatsAndLiveLog: while a task runs, the run and the attempt
// heartbeat and the log so far is saved.
func TestHeartbeatsAndLiveLog(t *testing.T) {
	st := newStore()
	ctx := context.Background()
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "long", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		fmt.Fprintln(tc.Log, "page 1 of 3")
		tc.Logger.Info("fetched", "rows", 20)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			trs, _ := st.ListTaskRuns(ctx, tc.RunID)
			log, _ := st.TaskRunLog(ctx, tc.RunID, tc.Task, tc.Attempt)
			if len(trs) == 1 && trs[0].Heartbeat != nil && trs[0].State == pipeline.Running && strings.Contains(log, "page 1 of 3") &&
				!st.RunHeartbeat(tc.RunID).IsZero() {
				return pipeline.Result{RecordsIn: 3, RecordsOut: 2}, nil
			}
			time.Sleep(5 * time.Millisecond)
		}
		return pipeline.Result{}, pipeline.Permanent(errors.New("no heartbeat or live log within 5s"))
	})}}}
	run, err := testEngine(st, Options{HeartbeatEvery: 10 * time.Millisecond}).Run(ctx, dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := history(t, st, run.ID)["long"]
	if len(h) != 1 || h[0].State != S || h[0].RecordsIn != 3 || h[0].RecordsOut != 2 {
		t.Fatalf("long = %+v", h)
	}
	log, _ := st.TaskRunLog(ctx, run.ID, "long", 1)
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "engine: attempt 1 started") || lines[1] != "page 1 of 3" ||
		!strings.Contains(lines[2], `level=INFO msg=fetched rows=20`) || !strings.Contains(lines[3], "engine: attempt 1 ended success") {
		t.Errorf("log =\n%s", log)
	}
}

func TestLogBounded(t *testing.T) {
	st := newStore()
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "chatty", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		for range 100 {
			fmt.Fprintln(tc.Log, strings.Repeat("é", 49)) // 99 bytes a line, multi-byte runes
		}
		fmt.Fprintln(tc.Log, "LAST\x00LINE")
		return pipeline.Result{}, nil
	})}}}
	run, err := testEngine(st, Options{LogLimit: 1000}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log, _ := st.TaskRunLog(context.Background(), run.ID, "chatty", 1)
	header, rest, _ := strings.Cut(log, "\n")
	if !strings.HasPrefix(header, "[memepipe: ") || !strings.HasSuffix(header, "earlier bytes dropped; each attempt keeps the last 1000 bytes of its log]") {
		t.Errorf("header = %q", header)
	}
	// 1000 bytes kept, a rune boundary found, NUL replaced by U+FFFD (3 bytes).
	if len(rest) > 1002 || len(rest) < 990 {
		t.Errorf("kept %d bytes, want about 1000", len(rest))
	}
	if !strings.Contains(rest, "LAST\uFFFDLINE") || !strings.Contains(rest, "engine: attempt 1 ended success") || strings.Contains(rest, "started") {
		t.Errorf("kept the wrong end:\n%s", rest)
	}
	if !strings.HasPrefix(rest, "é") && !strings.HasPrefix(rest, "\n") {
		t.Errorf("log starts mid-rune: %q", rest[:4])
	}
}

// TestLogLinesCarryIDs: every engine log line names run_id, task and attempt.
func TestLogLinesCarryIDs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	dag := &pipeline.DAG{Name: "demo", Tasks: []pipeline.Task{
		{Name: "a", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			tc.Logger.Info("collected", "tweets", 12)
			return pipeline.Result{}, nil
		})},
		{Name: "b", DependsOn: []string{"a"}, Retry: pipeline.RetryPolicy{Attempts: 2}, Runner: script(&calls{}, errBoom, pipeline.Permanent(errBoom))},
		{Name: "c", DependsOn: []string{"b"}, Runner: ok(&calls{})},
	}}
	run, err := testEngine(newStore(), Options{Logger: logger}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	sc := bufio.NewScanner(&buf)
	n := 0
	seen := map[string]bool{}
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		n++
		if m["run_id"] != run.ID {
			t.Errorf("line without run_id: %s", sc.Text())
		}
		task, okT := m["task"].(string)
		_, okA := m["attempt"].(float64)
		if !okT || !okA {
			t.Errorf("line without task or attempt: %s", sc.Text())
		}
		seen[fmt.Sprint(task, "/", m["attempt"], "/", m["msg"])] = true
	}
	if n < 8 {
		t.Errorf("only %d log lines", n)
	}
	for _, want := range []string{"/0/run started", "a/1/collected", "b/1/attempt failed; retrying", "b/2/attempt finished", "c/1/task not run", "/0/run finished"} {
		if !seen[want] {
			t.Errorf("no line %q among %v", want, seen)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestEventsInOrder(t *testing.T) {
	ev := &events{}
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "a", Retry: pipeline.RetryPolicy{Attempts: 2}, Runner: script(&calls{}, errBoom)},
		{Name: "b", DependsOn: []string{"a"}, Runner: ok(&calls{})},
	}}
	// A slow observer must not slow the engine nor lose events.
	slow := func(e Event) { time.Sleep(2 * time.Millisecond); ev.observe(e) }
	run, err := testEngine(newStore(), Options{Observe: slow}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ev.all() {
		s := e.Kind.String()
		if e.TaskRun != nil {
			s += fmt.Sprintf(" %s#%d %s", e.Task, e.TaskRun.Attempt, e.TaskRun.State)
		}
		got = append(got, s)
	}
	want := []string{"run_started", "task_started a#1 running", "task_retrying a#1 up_for_retry", "task_started a#2 running",
		"task_finished a#2 success", "task_started b#1 running", "task_finished b#1 success", "run_finished"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%q\nwant\n%q", got, want)
	}
	all := ev.all()
	if last := all[len(all)-1]; last.Run.State != S || last.Run.ID != run.ID {
		t.Errorf("run_finished carries %+v", last.Run)
	}
	// Hand-off: b was ready when a's last attempt ended; a#2 when its wait ended.
	aEnd, bStart := all[4], all[5]
	if !bStart.ReadyAt.Equal(*aEnd.TaskRun.EndedAt) || bStart.At.Before(bStart.ReadyAt) {
		t.Errorf("b ready at %v, started %v; a ended %v", bStart.ReadyAt, bStart.At, aEnd.TaskRun.EndedAt)
	}
	if a2 := all[3]; a2.ReadyAt.Before(*all[2].TaskRun.EndedAt) || a2.At.Before(a2.ReadyAt) {
		t.Errorf("a#2 ready at %v, started %v; a#1 ended %v", a2.ReadyAt, a2.At, all[2].TaskRun.EndedAt)
	}
	if a1 := all[1]; !a1.ReadyAt.Equal(*a1.Run.StartedAt) {
		t.Errorf("root a ready at %v, run started %v", a1.ReadyAt, a1.Run.StartedAt)
	}
}

func TestPanicIsPermanent(t *testing.T) {
	st := newStore()
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "buggy", Retry: pipeline.RetryPolicy{Attempts: 3},
		Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			var m map[string]int
			m["x"] = 1
			return pipeline.Result{}, nil
		})}}}
	run, err := testEngine(st, Options{}).Run(context.Background(), dag, testInterval, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := history(t, st, run.ID)["buggy"]
	if len(h) != 1 || h[0].State != F || h[0].Error != "task panicked: assignment to entry in nil map" {
		t.Errorf("buggy = %+v", h)
	}
	log, _ := st.TaskRunLog(context.Background(), run.ID, "buggy", 1)
	if !strings.Contains(log, "panic: assignment to entry in nil map") || !strings.Contains(log, "engine_test.go") {
		t.Errorf("log lacks the panic and its stack:\n%s", log)
	}
}

func TestInvalidInput(t *testing.T) {
	e := testEngine(newStore(), Options{})
	_, err := e.Run(context.Background(), &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "a", DependsOn: []string{"b"}, Runner: ok(&calls{})}, {Name: "b", DependsOn: []string{"a"}, Runner: ok(&calls{})}}}, testInterval, RunOptions{})
	if err == nil || err.Error() != `pipeline "p" is invalid: dependency cycle: a -> b -> a` {
		t.Errorf("cycle: %v", err)
	}
	_, err = e.Run(context.Background(), &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "a"}}}, testInterval, RunOptions{})
	if err == nil || err.Error() != `pipeline "p": tasks[0] (a) has nothing to run` {
		t.Errorf("no runner: %v", err)
	}
	_, err = e.Run(context.Background(), &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "a", Runner: ok(&calls{})}}}, pipeline.Interval{}, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty interval: %v", err)
	}
}

// TestLostOwnership: when another process has claimed the run (this one
// stalled past ZombieAfter), the next heartbeat notices, the running attempt
// is cancelled without grace, and nothing more is written.
func TestLostOwnership(t *testing.T) {
	st := newStore()
	ctx := context.Background()
	dag := &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{
		{Name: "long", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			if ok, err := st.ClaimRun(context.Background(), tc.RunID, "thief:1", time.Now().Add(time.Hour)); !ok || err != nil {
				return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("test could not steal the run: %v %v", ok, err))
			}
			<-ctx.Done()
			return pipeline.Result{}, ctx.Err()
		})},
		{Name: "next", DependsOn: []string{"long"}, Runner: ok(&calls{})},
	}}
	start := time.Now()
	run, err := testEngine(st, Options{HeartbeatEvery: 10 * time.Millisecond, Grace: time.Hour}).Run(ctx, dag, testInterval, RunOptions{})
	if !errors.Is(err, store.ErrNotOwner) {
		t.Fatalf("err = %v, want ErrNotOwner", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("waited for the grace period after losing the run")
	}
	stored, _ := st.GetRun(ctx, run.ID)
	if stored.Owner != "thief:1" || stored.State != pipeline.Running {
		t.Errorf("stored run = %s owned by %q; the loser must leave it to the thief", stored.State, stored.Owner)
	}
	h := history(t, st, run.ID)
	if got := statesOf(h["long"]); !reflect.DeepEqual(got, []pipeline.State{pipeline.Running}) || len(h["next"]) != 0 {
		t.Errorf("attempts = %v / %v; the loser must not write after losing", got, h["next"])
	}
}
