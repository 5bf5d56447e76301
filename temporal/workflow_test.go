package temporal

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"memepipe/alert"
	"memepipe/config"
	"memepipe/engine"
	"memepipe/observe"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/open"
)

var iv = pipeline.Interval{Start: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := open.Open(context.Background(), filepath.Join(t.TempDir(), "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newActivities(t *testing.T, st store.Store, dags ...*pipeline.DAG) *Activities {
	t.Helper()
	cfg := &config.Config{}
	m := map[string]*pipeline.DAG{}
	for _, d := range dags {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		m[d.Name] = d
		cfg.Pipelines = append(cfg.Pipelines, config.Pipeline{Name: d.Name, Schedule: "0 * * * *"})
	}
	return &Activities{Store: st, Config: cfg, DAGs: m, Identity: "test-worker", HeartbeatTimeout: time.Second}
}

// execute runs the workflow in the SDK's test environment with the real
// activities, and returns its outcome (also from a RunFailed error's details).
func execute(t *testing.T, acts *Activities, req RunRequest, setup ...func(*testsuite.TestWorkflowEnvironment)) (RunOutcome, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	Register(env, acts)
	for _, f := range setup {
		f(env)
	}
	env.ExecuteWorkflow(WorkflowName, req)
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	var out RunOutcome
	err := env.GetWorkflowError()
	if err == nil {
		if gerr := env.GetWorkflowResult(&out); gerr != nil {
			t.Fatal(gerr)
		}
		return out, nil
	}
	var app *sdktemporal.ApplicationError
	if errors.As(err, &app) && app.Type() == ErrRunFailed {
		if derr := app.Details(&out); derr != nil {
			t.Fatalf("RunFailed details: %v", derr)
		}
	}
	return out, err
}

func ok() pipeline.Runner {
	return pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		return pipeline.Result{RecordsOut: 1}, nil
	})
}

// counting returns a runner that calls f with the 1-based call number.
func counting(n *atomic.Int32, f func(call int32) error) pipeline.Runner {
	return pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		return pipeline.Result{RecordsIn: 2, RecordsOut: 3}, f(n.Add(1))
	})
}

// history is each task's attempts as "state,state,...", attempts in order.
func history(t *testing.T, st store.Store, runID string) map[string]string {
	t.Helper()
	trs, err := st.ListTaskRuns(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	byTask := map[string][]pipeline.TaskRun{}
	for _, tr := range trs {
		byTask[tr.Task] = append(byTask[tr.Task], tr)
	}
	out := map[string]string{}
	for task, list := range byTask {
		var states []string
		for i, tr := range list {
			if tr.Attempt != i+1 {
				t.Errorf("%s: attempt numbers %v are not 1..n", task, list)
			}
			states = append(states, string(tr.State))
		}
		out[task] = strings.Join(states, ",")
	}
	return out
}

func wantHistory(t *testing.T, got, want map[string]string) {
	t.Helper()
	for task, w := range want {
		if got[task] != w {
			t.Errorf("%s: attempts %q, want %q", task, got[task], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("history %v, want %v", got, want)
	}
}

func TestTriggerRulesPermanentErrorsAndUpstreamFailed(t *testing.T) {
	st := openStore(t)
	var badCalls atomic.Int32
	dag := &pipeline.DAG{Name: "rules", Tasks: []pipeline.Task{
		{Name: "ok", Runner: ok()},
		// A permanent error fails at once, whatever the retry budget.
		{Name: "bad", Retry: pipeline.RetryPolicy{Attempts: 4, InitialDelay: time.Millisecond}, Runner: counting(&badCalls, func(int32) error {
			return pipeline.Permanent(errors.New("401 invalid API key"))
		})},
		{Name: "after_bad", DependsOn: []string{"bad"}, Runner: ok()},
		{Name: "chain", DependsOn: []string{"after_bad"}, Runner: ok()},
		{Name: "cleanup", DependsOn: []string{"bad", "ok"}, Trigger: pipeline.AllDone, Runner: ok()},
		{Name: "either", DependsOn: []string{"ok", "bad"}, Trigger: pipeline.OneSuccess, Runner: ok()},
		{Name: "none", DependsOn: []string{"bad"}, Trigger: pipeline.OneSuccess, Runner: ok()},
	}}
	acts := newActivities(t, st, dag)
	out, err := execute(t, acts, RunRequest{Pipeline: "rules", Interval: iv})
	var app *sdktemporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ErrRunFailed || !strings.Contains(err.Error(), "bad failed") {
		t.Fatalf("workflow error %v, want RunFailed naming bad", err)
	}
	if out.State != pipeline.Failed || out.RunID == "" {
		t.Fatalf("outcome %+v", out)
	}
	want := map[string]pipeline.State{"ok": "success", "bad": "failed", "after_bad": "upstream_failed", "chain": "upstream_failed", "cleanup": "success", "either": "success", "none": "upstream_failed"}
	for task, w := range want {
		if out.Tasks[task] != w {
			t.Errorf("outcome %s = %s, want %s", task, out.Tasks[task], w)
		}
	}
	if badCalls.Load() != 1 {
		t.Errorf("bad ran %d times, want 1 (permanent errors are not retried)", badCalls.Load())
	}
	wantHistory(t, history(t, st, out.RunID), map[string]string{"ok": "success", "bad": "failed", "after_bad": "upstream_failed", "chain": "upstream_failed", "cleanup": "success", "either": "success", "none": "upstream_failed"})

	run, err := st.GetRun(context.Background(), out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != pipeline.Failed || run.Owner != "" || run.EndedAt == nil || run.Interval != iv || run.Trigger != pipeline.TriggerManual {
		t.Errorf("stored run %+v", run)
	}
	trs, _ := st.ListTaskRuns(context.Background(), out.RunID)
	for _, tr := range trs {
		switch tr.Task {
		case "after_bad":
			if tr.StartedAt != nil || tr.Error != "upstream bad failed" {
				t.Errorf("after_bad row %+v: want no start and error %q", tr, "upstream bad failed")
			}
		case "bad":
			if tr.Error != "401 invalid API key" || tr.RecordsIn != 2 {
				t.Errorf("bad row %+v", tr)
			}
			log, _ := st.TaskRunLog(context.Background(), out.RunID, "bad", 1)
			if !strings.Contains(log, "started on test-worker") || !strings.Contains(log, "permanent error: not retried") {
				t.Errorf("bad log:\n%s", log)
			}
		}
	}
}

func TestTransientErrorsAreRetriedPerPolicy(t *testing.T) {
	st := openStore(t)
	var flaky, broken atomic.Int32
	dag := &pipeline.DAG{Name: "retry", Tasks: []pipeline.Task{
		{Name: "flaky", Retry: pipeline.RetryPolicy{Attempts: 3, InitialDelay: 10 * time.Millisecond, Multiplier: 2}, Runner: counting(&flaky, func(n int32) error {
			if n < 3 {
				return pipeline.Transient(fmt.Errorf("HTTP 503 on call %d", n))
			}
			return nil
		})},
		{Name: "broken", Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: 10 * time.Millisecond}, Runner: counting(&broken, func(n int32) error {
			return errors.New("connection reset")
		})},
		{Name: "after_flaky", DependsOn: []string{"flaky"}, Runner: ok()},
		{Name: "after_broken", DependsOn: []string{"broken"}, Runner: ok()},
	}}
	out, err := execute(t, newActivities(t, st, dag), RunRequest{Pipeline: "retry", Interval: iv})
	if err == nil || out.State != pipeline.Failed {
		t.Fatalf("want a failed run, got %+v %v", out, err)
	}
	if flaky.Load() != 3 || broken.Load() != 2 {
		t.Errorf("flaky ran %d times (want 3), broken %d (want 2)", flaky.Load(), broken.Load())
	}
	wantHistory(t, history(t, st, out.RunID), map[string]string{
		"flaky":        "up_for_retry,up_for_retry,success",
		"broken":       "up_for_retry,failed",
		"after_flaky":  "success",
		"after_broken": "upstream_failed",
	})
}

func TestSkipsAndTimeouts(t *testing.T) {
	st := openStore(t)
	var slow atomic.Int32
	dag := &pipeline.DAG{Name: "skips", Tasks: []pipeline.Task{
		{Name: "nothing", Runner: pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			return pipeline.Result{}, pipeline.SkipTask("no new blocks")
		})},
		// all_success counts a skipped upstream as done well.
		{Name: "after_nothing", DependsOn: []string{"nothing"}, Runner: ok()},
		// one_success with only skipped upstreams is skipped.
		{Name: "one_of_nothing", DependsOn: []string{"nothing"}, Trigger: pipeline.OneSuccess, Runner: ok()},
		{Name: "slow", Timeout: 50 * time.Millisecond, Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: time.Millisecond}, Runner: counting(&slow, func(int32) error {
			time.Sleep(time.Second) // ignores nothing: the context expires first
			return nil
		})},
	}}
	// slow's runner sleeps past its timeout; a real task returns on ctx.Done.
	dag.Tasks[3].Runner = pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		slow.Add(1)
		<-ctx.Done()
		return pipeline.Result{}, ctx.Err()
	})
	out, err := execute(t, newActivities(t, st, dag), RunRequest{Pipeline: "skips", Interval: iv})
	if err == nil || out.State != pipeline.Failed {
		t.Fatalf("want failed (slow timed out), got %+v %v", out, err)
	}
	if out.Tasks["slow"] != pipeline.TimedOut || slow.Load() != 2 {
		t.Errorf("slow %s after %d attempts, want timed_out after 2", out.Tasks["slow"], slow.Load())
	}
	wantHistory(t, history(t, st, out.RunID), map[string]string{
		"nothing":        "skipped",
		"after_nothing":  "success",
		"one_of_nothing": "skipped",
		"slow":           "up_for_retry,timed_out",
	})
	trs, _ := st.ListTaskRuns(context.Background(), out.RunID)
	for _, tr := range trs {
		if tr.Task == "slow" && !strings.HasPrefix(tr.Error, "timed out after 50ms") {
			t.Errorf("slow attempt %d error %q", tr.Attempt, tr.Error)
		}
	}
}

// A second execution of the same interval resumes the one run: finished
// tasks are not run again; --rerun runs everything as new attempts.
func TestResumeAndRerunKeepOneRunPerInterval(t *testing.T) {
	st := openStore(t)
	var first, second atomic.Int32
	var fail atomic.Bool
	fail.Store(true)
	dag := &pipeline.DAG{Name: "resume", Tasks: []pipeline.Task{
		{Name: "first", Runner: counting(&first, func(int32) error { return nil })},
		{Name: "second", DependsOn: []string{"first"}, Runner: counting(&second, func(int32) error {
			if fail.Load() {
				return pipeline.Permanent(errors.New("bad config"))
			}
			return nil
		})},
	}}
	acts := newActivities(t, st, dag)
	out1, err := execute(t, acts, RunRequest{Pipeline: "resume", Interval: iv})
	if err == nil || out1.State != pipeline.Failed {
		t.Fatalf("first execution: %+v %v", out1, err)
	}
	fail.Store(false)
	out2, err := execute(t, acts, RunRequest{Pipeline: "resume", Interval: iv})
	if err != nil || out2.State != pipeline.Success {
		t.Fatalf("second execution: %+v %v", out2, err)
	}
	if out2.RunID != out1.RunID {
		t.Errorf("second execution made run %s, want the same run %s", out2.RunID, out1.RunID)
	}
	if first.Load() != 1 || second.Load() != 2 {
		t.Errorf("first ran %d times (want 1), second %d (want 2)", first.Load(), second.Load())
	}
	wantHistory(t, history(t, st, out1.RunID), map[string]string{"first": "success", "second": "failed,success"})

	out3, err := execute(t, acts, RunRequest{Pipeline: "resume", Interval: iv, Rerun: true})
	if err != nil || out3.RunID != out1.RunID {
		t.Fatalf("rerun: %+v %v", out3, err)
	}
	wantHistory(t, history(t, st, out1.RunID), map[string]string{"first": "success,success", "second": "failed,success,success"})
	n, _ := st.CountRuns(context.Background(), store.RunFilter{})
	if n != 1 {
		t.Errorf("%d runs stored, want 1", n)
	}
}

// A Schedule's workflow carries no interval: the run covers the interval
// that ends at the slot the Schedule fired for.
func TestScheduledRunCoversTheIntervalEndingAtTheSlot(t *testing.T) {
	st := openStore(t)
	dag := &pipeline.DAG{Name: "hourly", Tasks: []pipeline.Task{{Name: "a", Runner: ok()}}}
	acts := newActivities(t, st, dag)
	slot := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	out, err := execute(t, acts, RunRequest{Pipeline: "hourly"}, func(env *testsuite.TestWorkflowEnvironment) {
		env.SetTypedSearchAttributesOnStart(sdktemporal.NewSearchAttributes(ScheduledStartTime.ValueSet(slot.Add(3 * time.Second))))
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Interval != iv {
		t.Errorf("interval %s, want %s", out.Interval, iv)
	}
	run, _ := st.GetRun(context.Background(), out.RunID)
	if run.Trigger != pipeline.TriggerSchedule || run.State != pipeline.Success {
		t.Errorf("run %+v, want a successful schedule run", run)
	}
}

func TestUnknownPipelineFailsAtPlan(t *testing.T) {
	st := openStore(t)
	acts := newActivities(t, st, &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "a", Runner: ok()}}})
	_, err := execute(t, acts, RunRequest{Pipeline: "nope", Interval: iv})
	if err == nil || !strings.Contains(err.Error(), `no pipeline "nope" in this worker's config (configured: p)`) {
		t.Fatalf("err %v", err)
	}
}

// The task activity on its own: an attempt that an earlier try of this
// execution recorded as successful is not run again, and an attempt a lost
// worker left running is closed before a new one starts.
func TestTaskActivityIsEffectivelyOncePerRecordedSuccess(t *testing.T) {
	st := openStore(t)
	var calls atomic.Int32
	dag := &pipeline.DAG{Name: "once", Tasks: []pipeline.Task{{Name: "append", Runner: counting(&calls, func(int32) error { return nil })}}}
	acts := newActivities(t, st, dag)
	ctx := context.Background()
	run, _, err := st.CreateRun(ctx, pipeline.Run{Pipeline: "once", Interval: iv, State: pipeline.Running, CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now().UTC().Truncate(time.Microsecond)
	// Attempt 1 is from an earlier execution (failed), attempt 2 was left
	// running by a worker that died.
	for _, tr := range []pipeline.TaskRun{
		{RunID: run.ID, Task: "append", Attempt: 1, State: pipeline.Failed, StartedAt: &started, EndedAt: &started},
		{RunID: run.ID, Task: "append", Attempt: 2, State: pipeline.Running, StartedAt: &started},
	} {
		if err := st.InsertTaskRun(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	var s testsuite.WorkflowTestSuite
	in := TaskInput{RunID: run.ID, Pipeline: "once", Task: "append", Interval: iv, Owner: "temporal:test", AfterAttempt: 1, MaxAttempts: 1}
	call := func() TaskResult {
		env := s.NewTestActivityEnvironment()
		env.RegisterActivityWithOptions(acts.RunTask, activity.RegisterOptions{Name: TaskActivity})
		v, err := env.ExecuteActivity(TaskActivity, in)
		if err != nil {
			t.Fatal(err)
		}
		var res TaskResult
		if err := v.Get(&res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := call()
	if res.State != pipeline.Success || res.Attempt != 3 || calls.Load() != 1 {
		t.Fatalf("first call: %+v after %d runs, want success as attempt 3 after 1 run", res, calls.Load())
	}
	// Temporal retries the activity (the worker died before reporting):
	// the recorded success is returned, the task does not run again.
	res = call()
	if res.State != pipeline.Success || res.Attempt != 3 || res.RecordsOut != 3 || calls.Load() != 1 {
		t.Fatalf("second call: %+v after %d runs, want the recorded attempt 3 and no new run", res, calls.Load())
	}
	wantHistory(t, history(t, st, run.ID), map[string]string{"append": "failed,up_for_retry,success"})
	trs, _ := st.ListTaskRuns(ctx, run.ID)
	if !strings.HasPrefix(trs[1].Error, "zombie: worker lost") {
		t.Errorf("attempt 2 error %q, want it closed as a lost worker's", trs[1].Error)
	}
}

// Settle and Finish are retried by Temporal like any activity: twice must
// record once.
func TestSettleIsIdempotent(t *testing.T) {
	st := openStore(t)
	acts := newActivities(t, st, &pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: "a", Runner: ok()}}})
	ctx := context.Background()
	run, _, _ := st.CreateRun(ctx, pipeline.Run{Pipeline: "p", Interval: iv, State: pipeline.Running, CreatedAt: time.Now().UTC()})
	for range 2 {
		if err := acts.Settle(ctx, SettleInput{RunID: run.ID, Task: "a", State: pipeline.Skipped, Reason: "no upstream succeeded"}); err != nil {
			t.Fatal(err)
		}
	}
	wantHistory(t, history(t, st, run.ID), map[string]string{"a": "skipped"})
}

func TestTaskActivityOptionsMapThePolicy(t *testing.T) {
	tp := TaskPlan{Name: "collect", Timeout: time.Minute, Retry: pipeline.RetryPolicy{Attempts: 4, InitialDelay: 5 * time.Second, MaxDelay: time.Minute, Multiplier: 3, Jitter: 0.2}}
	o := TaskActivityOptions(tp, 10*time.Second, 4, 1)
	rp := o.RetryPolicy
	if o.StartToCloseTimeout != time.Minute+timeoutSlack || o.HeartbeatTimeout != 10*time.Second || o.ActivityID != "collect#1" {
		t.Errorf("options %+v", o)
	}
	if rp.MaximumAttempts != 4 || rp.InitialInterval != 5*time.Second || rp.MaximumInterval != time.Minute || rp.BackoffCoefficient != 3 {
		t.Errorf("retry policy %+v", rp)
	}
	if strings.Join(rp.NonRetryableErrorTypes, ",") != ErrPermanent+","+ErrInterrupted {
		t.Errorf("non-retryable %v", rp.NonRetryableErrorTypes)
	}
	// No timeout, no delay, multiplier below 1, a cap below the delay.
	o = TaskActivityOptions(TaskPlan{Name: "x", Retry: pipeline.RetryPolicy{MaxDelay: time.Millisecond}}, time.Second, 0, 2)
	if o.StartToCloseTimeout != noTimeout || o.RetryPolicy.InitialInterval != time.Second || o.RetryPolicy.BackoffCoefficient != 1 || o.RetryPolicy.MaximumAttempts != 1 || o.RetryPolicy.MaximumInterval != time.Second {
		t.Errorf("defaults %+v %+v", o, o.RetryPolicy)
	}
}

// TestEventsFeedMetricsAndAlerts checks that the activities emit the
// engine's events for what they record, in order, and that fed to the
// same alert rules as the engine's they page for the task that failed and
// for nothing else.
func TestEventsFeedMetricsAndAlerts(t *testing.T) {
	st := openStore(t)
	var flaky, broken atomic.Int32
	dag := &pipeline.DAG{Name: "events", Tasks: []pipeline.Task{
		{Name: "flaky", Retry: pipeline.RetryPolicy{Attempts: 2, InitialDelay: 10 * time.Millisecond}, Runner: counting(&flaky, func(n int32) error {
			if n < 2 {
				return pipeline.Transient(fmt.Errorf("HTTP 503 on call %d", n))
			}
			return nil
		})},
		{Name: "broken", Runner: counting(&broken, func(int32) error { return pipeline.Permanent(errors.New("401 invalid API key")) })},
		{Name: "after_broken", DependsOn: []string{"broken"}, Runner: ok()},
	}}
	acts := newActivities(t, st, dag)
	var (
		mu     sync.Mutex
		events []engine.Event
		alerts []alert.Alert
	)
	eval := alert.NewEvaluator(alert.Config{}, nil, func(a alert.Alert) { mu.Lock(); alerts = append(alerts, a); mu.Unlock() }, nil)
	rules := observe.Alerts(eval, map[string]*pipeline.DAG{"events": dag}, nil)
	emit, stop := engine.Async(func(ev engine.Event) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		rules(ev)
	})
	acts.Observe = emit
	out, err := execute(t, acts, RunRequest{Pipeline: "events", Interval: iv})
	if err == nil || out.State != pipeline.Failed {
		t.Fatalf("want a failed run, got %+v %v", out, err)
	}
	stop()

	if len(events) < 2 || events[0].Kind != engine.RunStarted || events[len(events)-1].Kind != engine.RunFinished {
		t.Fatalf("events do not open with run_started and close with run_finished: %v", kinds(events))
	}
	if last := events[len(events)-1]; last.Run.State != pipeline.Failed || last.Run.ID != out.RunID || last.Err != nil {
		t.Errorf("run_finished carries %+v, err %v", last.Run, last.Err)
	}
	perTask := map[string][]string{}
	for _, ev := range events {
		if ev.Run.ID != out.RunID || ev.Run.Pipeline != "events" || ev.Run.Interval != iv {
			t.Errorf("%s event names run %+v", ev.Kind, ev.Run)
		}
		if ev.TaskRun == nil {
			continue
		}
		if ev.TaskRun.Log != "" {
			t.Errorf("%s event of %s carries the attempt's log", ev.Kind, ev.Task)
		}
		if ev.Kind == engine.TaskStarted && (ev.ReadyAt.IsZero() || ev.ReadyAt.After(ev.At.Add(time.Second))) {
			t.Errorf("task_started of %s: ready at %s, started at %s", ev.Task, ev.ReadyAt, ev.At)
		}
		perTask[ev.Task] = append(perTask[ev.Task], fmt.Sprintf("%s:%s", ev.Kind, ev.TaskRun.State))
	}
	want := map[string]string{
		"flaky":        "task_started:running task_retrying:up_for_retry task_started:running task_finished:success",
		"broken":       "task_started:running task_finished:failed",
		"after_broken": "task_finished:upstream_failed",
	}
	for task, w := range want {
		if got := strings.Join(perTask[task], " "); got != w {
			t.Errorf("%s events: %s\nwant %s", task, got, w)
		}
	}
	if len(alerts) != 1 || alerts[0].Rule != alert.RulePermanentError || alerts[0].Task != "broken" || alerts[0].RunID != out.RunID {
		t.Errorf("alerts %+v, want one permanent_error for broken", alerts)
	}
}

func kinds(evs []engine.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind.String()+"/"+ev.Task)
	}
	return out
}

// The workflow's SLA timers raise SLAMissed for a task and a run still
// going at their SLA, through the SLA activity, and stay quiet for a task
// done in time; the sla_miss alert fires once per key.
func TestSLATimersRaiseMisses(t *testing.T) {
	st := openStore(t)
	slow := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		select {
		case <-time.After(400 * time.Millisecond):
		case <-ctx.Done():
		}
		return pipeline.Result{}, nil
	})
	dag := &pipeline.DAG{Name: "late", SLA: 100 * time.Millisecond, Tasks: []pipeline.Task{
		{Name: "quick", SLA: time.Hour, Runner: ok()},
		{Name: "slow", SLA: 50 * time.Millisecond, Runner: slow},
	}}
	acts := newActivities(t, st, dag)
	var (
		mu     sync.Mutex
		misses []string
		alerts []alert.Alert
	)
	eval := alert.NewEvaluator(alert.Config{}, nil, func(a alert.Alert) { mu.Lock(); alerts = append(alerts, a); mu.Unlock() }, nil)
	rules := observe.Alerts(eval, map[string]*pipeline.DAG{"late": dag}, nil)
	emit, stop := engine.Async(func(ev engine.Event) {
		if ev.Kind == engine.SLAMissed {
			mu.Lock()
			misses = append(misses, "["+ev.Task+"]")
			mu.Unlock()
		}
		rules(ev)
	})
	acts.Observe = emit
	out, err := execute(t, acts, RunRequest{Pipeline: "late", Interval: iv})
	if err != nil || out.State != pipeline.Success {
		t.Fatalf("run %+v %v", out, err)
	}
	stop()
	sort.Strings(misses)
	if strings.Join(misses, " ") != "[] [slow]" {
		t.Errorf("SLA misses %v, want the run's and slow's", misses)
	}
	fired := map[string]bool{}
	for _, a := range alerts {
		if a.Rule == alert.RuleSLAMiss && a.Status == alert.Firing {
			fired[a.Task] = true
		}
	}
	if len(fired) != 2 || !fired["slow"] || !fired[""] {
		t.Errorf("sla_miss alerts %+v, want the run's and slow's", alerts)
	}
}

// With SharedPools a pool's size bounds two workers together: the second
// worker's attempt waits for the first's slot; without, each worker has a
// pool of its own.
func TestSharedPoolsBoundTheFleet(t *testing.T) {
	st := openStore(t)
	dag := &pipeline.DAG{Name: "pooled", Tasks: []pipeline.Task{{Name: "a", Pool: "etherscan", Runner: ok()}}}
	worker := func(name string, shared bool) *Activities {
		a := newActivities(t, st, dag)
		a.Identity, a.Pools, a.SharedPools = name, map[string]int{"etherscan": 1}, shared
		a.init()
		return a
	}
	w1, w2 := worker("w1", true), worker("w2", true)
	release1, err := w1.acquire(context.Background(), "etherscan")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := w2.acquire(ctx, "etherscan"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the second worker got the pool's only slot (err %v)", err)
	}
	got := make(chan error, 1)
	go func() {
		release2, err := w2.acquire(context.Background(), "etherscan")
		if err == nil {
			release2()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	release1()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second worker did not get the slot after the first released it")
	}

	l1, l2 := worker("l1", false), worker("l2", false)
	r1, err1 := l1.acquire(context.Background(), "etherscan")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	r2, err2 := l2.acquire(ctx2, "etherscan")
	if err1 != nil || err2 != nil {
		t.Fatalf("pools of their own: %v, %v", err1, err2)
	}
	r1()
	r2()
}
