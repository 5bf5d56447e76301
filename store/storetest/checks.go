package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"memepipe/store"
)

func f64(v float64) *float64 { return &v }

func testChecks(t *testing.T, s store.Store) {
	ctx := context.Background()
	iv := hour(0)
	at := t0.Add(90 * time.Minute).Add(123456 * time.Nanosecond)
	first := []store.CheckResult{
		{Pipeline: "social", Interval: iv, Dataset: "tweets", Check: "keys_unique", Severity: "error", Passed: true, Message: "120 rows ok", Observed: f64(0), At: at},
		{Pipeline: "social", Interval: iv, Dataset: "tweets", Check: "ts_in_interval", Severity: "warn", Passed: false, Message: "1 of 120 rows fail: caf\xe9", Observed: f64(1)},
		{Pipeline: "social", Interval: iv, Dataset: "tweets", Check: "row_count_drop", Severity: "warn", Passed: true, Message: "no baseline"},
	}
	if err := s.PutChecks(ctx, "run-1", "clean", first); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListChecks(ctx, store.CheckFilter{RunID: "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d results, want 3: %+v", len(got), got)
	}
	// Ordered by dataset, then check name, within one time; every row gets
	// the batch's time and ids, and its text made valid UTF-8.
	r := got[0]
	if r.Check != "keys_unique" || r.RunID != "run-1" || r.Task != "clean" || r.Pipeline != "social" || !r.Passed ||
		r.Severity != "error" || r.Observed == nil || *r.Observed != 0 || !r.Interval.Start.Equal(iv.Start) || !r.Interval.End.Equal(iv.End) ||
		!r.At.Equal(at.Truncate(time.Microsecond)) || r.At.Location() != time.UTC {
		t.Errorf("first result %+v", r)
	}
	if got[1].Check != "row_count_drop" || got[1].Observed != nil || !got[1].At.Equal(r.At) {
		t.Errorf("second result %+v", got[1])
	}
	if got[2].Check != "ts_in_interval" || got[2].Passed || got[2].Message != "1 of 120 rows fail: caf\uFFFD" || *got[2].Observed != 1 {
		t.Errorf("third result %+v", got[2])
	}

	// A second attempt replaces the first's results.
	retry := []store.CheckResult{{Pipeline: "social", Interval: iv, Dataset: "tweets", Check: "keys_unique", Severity: "error", Passed: false, Message: "dup", Observed: f64(2), At: at.Add(time.Minute)}}
	if err := s.PutChecks(ctx, "run-1", "clean", retry); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListChecks(ctx, store.CheckFilter{RunID: "run-1", Task: "clean"})
	if len(got) != 1 || got[0].Passed || *got[0].Observed != 2 {
		t.Fatalf("after retry: %+v", got)
	}

	// Latest: per (pipeline, task), the newest batch only.
	later := []store.CheckResult{{Pipeline: "social", Interval: hour(1), Dataset: "tweets", Check: "keys_unique", Severity: "error", Passed: true, Message: "ok", At: at.Add(time.Hour)}}
	other := []store.CheckResult{{Pipeline: "onchain", Interval: iv, Dataset: "transfers", Check: "freshness", Severity: "warn", Passed: true, Message: "ok", Observed: f64(60), At: at}}
	if err := s.PutChecks(ctx, "run-2", "clean", later); err != nil {
		t.Fatal(err)
	}
	if err := s.PutChecks(ctx, "run-3", "clean", other); err != nil {
		t.Fatal(err)
	}
	got, err = s.ListChecks(ctx, store.CheckFilter{Latest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].RunID != "run-2" || got[1].RunID != "run-3" {
		t.Fatalf("latest: %+v", got)
	}
	got, _ = s.ListChecks(ctx, store.CheckFilter{Pipeline: "social", Dataset: "tweets", Check: "keys_unique", Limit: 1})
	if len(got) != 1 || got[0].RunID != "run-2" {
		t.Fatalf("filtered: %+v", got)
	}
	if all, _ := s.ListChecks(ctx, store.CheckFilter{}); len(all) != 3 {
		t.Fatalf("all: %d rows", len(all))
	}

	// Latest walks the distinct (pipeline, task) pairs: a second task of
	// one pipeline, older batches of it, and a pipeline sorting between
	// the others are each found.
	for i, b := range []struct {
		run, pipeline, task string
		at                  time.Time
	}{
		{"run-4", "social", "reclean", at.Add(-time.Hour)},
		{"run-5", "social", "reclean", at.Add(2 * time.Hour)},
		{"run-6", "market", "clean", at.Add(-2 * time.Hour)},
	} {
		rs := []store.CheckResult{{Pipeline: b.pipeline, Interval: hour(i), Dataset: "price_bars", Check: "not_empty", Severity: "error", Passed: true, At: b.at}}
		if err := s.PutChecks(ctx, b.run, b.task, rs); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.ListChecks(ctx, store.CheckFilter{Latest: true})
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, r := range got {
		runs = append(runs, r.RunID)
	}
	if strings.Join(runs, ",") != "run-5,run-2,run-3,run-6" {
		t.Fatalf("latest over four pairs: runs %v, want run-5,run-2,run-3,run-6", runs)
	}
	if got, _ := s.ListChecks(ctx, store.CheckFilter{Latest: true, Pipeline: "social"}); len(got) != 2 {
		t.Fatalf("latest of social: %+v", got)
	}
}

func testChecksRejects(t *testing.T, s store.Store) {
	ctx := context.Background()
	ok := store.CheckResult{Pipeline: "p", Interval: hour(0), Dataset: "tweets", Check: "keys_unique", Severity: "error", Passed: true}
	bad := func(mut func(*store.CheckResult)) []store.CheckResult {
		r := ok
		mut(&r)
		return []store.CheckResult{r}
	}
	for name, rs := range map[string][]store.CheckResult{
		"severity":  bad(func(r *store.CheckResult) { r.Severity = "fatal" }),
		"dataset":   bad(func(r *store.CheckResult) { r.Dataset = "" }),
		"duplicate": {ok, ok},
	} {
		if err := s.PutChecks(ctx, "run-1", "clean", rs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := s.PutChecks(ctx, "", "clean", []store.CheckResult{ok}); err == nil {
		t.Error("empty run id accepted")
	}
	if got, _ := s.ListChecks(ctx, store.CheckFilter{}); len(got) != 0 {
		t.Errorf("rejected batches stored %d rows", len(got))
	}
}
