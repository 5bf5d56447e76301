package alert

import (
	"context"
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)} }
func collect(out *[]Alert) func(Alert)   { return func(a Alert) { *out = append(*out, a) } }
func statuses(as []Alert) (s []string) {
	for _, a := range as {
		s = append(s, string(a.Rule)+":"+string(a.Status))
	}
	return
}

func TestTaskFailedDedupRenotifyResolve(t *testing.T) {
	clk := newClock()
	var got []Alert
	e := NewEvaluator(Config{RenotifyAfter: time.Hour, BaseURL: "http://ui:8080/"}, nil, collect(&got), clk.now)
	ctx := context.Background()
	fail := TaskEvent{Pipeline: "collect", Task: "twitter", RunID: "r1", Attempt: 3, State: "failed", Error: "HTTP 503\nstack line 2"}

	e.TaskFinished(ctx, fail)
	clk.add(15 * time.Minute)
	fail.RunID = "r2"
	e.TaskFinished(ctx, fail) // flapping: within the re-notify interval, quiet
	if len(got) != 1 {
		t.Fatalf("after two failures in 15m: %v, want one alert", statuses(got))
	}
	a := got[0]
	if a.Rule != RuleTaskFailed || a.Status != Firing || a.Key != "collect/twitter/task_failed" || a.RunID != "r1" || a.Attempt != 3 {
		t.Errorf("first alert %+v", a)
	}
	if a.URL != "http://ui:8080/runs/r1" {
		t.Errorf("url %q", a.URL)
	}
	clk.add(50 * time.Minute) // 65m after the first: re-notify
	fail.RunID = "r3"
	e.TaskFinished(ctx, fail)
	if len(got) != 2 || got[1].Status != Firing || got[1].RunID != "r3" {
		t.Fatalf("re-notify: %v", statuses(got))
	}
	clk.add(time.Minute)
	e.TaskFinished(ctx, TaskEvent{Pipeline: "collect", Task: "twitter", RunID: "r4", Attempt: 1, State: "success"})
	if len(got) != 3 || got[2].Status != Resolved || got[2].Key != "collect/twitter/task_failed" || got[2].RunID != "r4" {
		t.Fatalf("resolve: %v %+v", statuses(got), got[len(got)-1])
	}
	// A second success resolves nothing more.
	e.TaskFinished(ctx, TaskEvent{Pipeline: "collect", Task: "twitter", RunID: "r5", State: "success"})
	if len(got) != 3 {
		t.Fatalf("double resolve: %v", statuses(got))
	}
}

func TestPermanentErrorIsCritical(t *testing.T) {
	var got []Alert
	e := NewEvaluator(Config{}, nil, collect(&got), newClock().now)
	e.TaskFinished(context.Background(), TaskEvent{Pipeline: "collect", Task: "etherscan", Attempt: 1, State: "failed", Permanent: true, Error: "Invalid API Key"})
	if len(got) != 1 || got[0].Rule != RulePermanentError || got[0].Severity != SeverityCritical || got[0].Attempt != 1 {
		t.Fatalf("%+v", got)
	}
}

func TestSLAMissResolvedWhenTaskEnds(t *testing.T) {
	clk := newClock()
	var got []Alert
	e := NewEvaluator(Config{}, nil, collect(&got), clk.now)
	ctx := context.Background()
	started := clk.t
	clk.add(40 * time.Minute)
	e.SLAMissed(ctx, SLAEvent{Pipeline: "analyze", Task: "score", RunID: "r1", SLA: 30 * time.Minute, Started: started})
	e.SLAMissed(ctx, SLAEvent{Pipeline: "analyze", Task: "score", RunID: "r1", SLA: 30 * time.Minute, Started: started})
	if len(got) != 1 || got[0].Rule != RuleSLAMiss || !strings.Contains(got[0].Summary, "40m0s") || !strings.Contains(got[0].Summary, "30m0s") {
		t.Fatalf("%+v", got)
	}
	e.TaskFinished(ctx, TaskEvent{Pipeline: "analyze", Task: "score", RunID: "r1", State: "success"})
	if len(got) != 2 || got[1].Rule != RuleSLAMiss || got[1].Status != Resolved {
		t.Fatalf("%v", statuses(got))
	}
}

func TestStaleness(t *testing.T) {
	clk := newClock()
	var got []Alert
	e := NewEvaluator(Config{}, nil, collect(&got), clk.now)
	ctx := context.Background()
	fresh := Freshness{Pipeline: "market", Dataset: "price_bars", LastSuccess: clk.t.Add(-30 * time.Minute), Window: time.Hour}
	never := Freshness{Pipeline: "social", Dataset: "tweets", Window: time.Hour}
	e.CheckFreshness(ctx, []Freshness{fresh, never})
	if len(got) != 1 || got[0].Dataset != "tweets" || !strings.Contains(got[0].Summary, "never refreshed") {
		t.Fatalf("%+v", got)
	}
	clk.add(45 * time.Minute) // price_bars now 75m old
	e.CheckFreshness(ctx, []Freshness{fresh, never})
	if len(got) != 2 || got[1].Dataset != "price_bars" || got[1].Status != Firing || !strings.Contains(got[1].Summary, "1h15m") {
		t.Fatalf("%v %+v", statuses(got), got[len(got)-1])
	}
	fresh.LastSuccess = clk.t
	e.CheckFreshness(ctx, []Freshness{fresh})
	if len(got) != 3 || got[2].Status != Resolved || got[2].Dataset != "price_bars" {
		t.Fatalf("%v", statuses(got))
	}
}

func TestConsecutiveFailures(t *testing.T) {
	var got []Alert
	e := NewEvaluator(Config{ConsecutiveFailures: 3}, nil, collect(&got), newClock().now)
	ctx := context.Background()
	run := func(state string) { e.RunFinished(ctx, RunEvent{Pipeline: "onchain", RunID: "r", State: state}) }
	run("failed")
	run("failed")
	run("success") // resets the count below N, quietly
	run("failed")
	run("failed")
	if len(got) != 0 {
		t.Fatalf("fired below N: %v", statuses(got))
	}
	run("failed")
	if len(got) != 1 || got[0].Rule != RuleConsecutiveFailures || !strings.Contains(got[0].Summary, "3 runs in a row") {
		t.Fatalf("%+v", got)
	}
	run("failed") // 4th: still firing, within renotify: quiet
	run("success")
	if len(got) != 2 || got[1].Status != Resolved || !strings.Contains(got[1].Summary, "after 4 failed runs") {
		t.Fatalf("%v %+v", statuses(got), got)
	}
}

func TestQualityCheck(t *testing.T) {
	var got []Alert
	e := NewEvaluator(Config{}, nil, collect(&got), newClock().now)
	ctx := context.Background()
	e.QualityChecked(ctx, QualityEvent{Pipeline: "clean", Dataset: "price_bars", Check: "high_ge_low", Severity: "warn", Message: "2 rows"})
	if len(got) != 0 {
		t.Fatal("warn-level check alerted")
	}
	e.QualityChecked(ctx, QualityEvent{Pipeline: "clean", Dataset: "price_bars", Check: "high_ge_low", Severity: "error", Message: "2 rows with high < low"})
	e.QualityChecked(ctx, QualityEvent{Pipeline: "clean", Dataset: "price_bars", Check: "high_ge_low", Passed: true})
	if got := statuses(got); len(got) != 2 || got[0] != "quality_check:firing" || got[1] != "quality_check:resolved" {
		t.Fatalf("%v", got)
	}
}

// Conditions persist across evaluators, as they must across `memepipe run`
// processes started by cron.
func TestConditionsSurviveNewEvaluator(t *testing.T) {
	clk := newClock()
	conds := &MemoryConditions{}
	var got []Alert
	fail := TaskEvent{Pipeline: "p", Task: "t", State: "failed", Attempt: 1}
	NewEvaluator(Config{}, conds, collect(&got), clk.now).TaskFinished(context.Background(), fail)
	NewEvaluator(Config{}, conds, collect(&got), clk.now).TaskFinished(context.Background(), fail)
	if len(got) != 1 {
		t.Fatalf("a second process re-alerted: %v", statuses(got))
	}
}
