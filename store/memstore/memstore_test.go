package memstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

var iv = pipeline.Interval{Start: time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 6, 1, 0, 0, 0, time.UTC)}

func TestOneRunPerInterval(t *testing.T) {
	s := New()
	ctx := context.Background()
	var created atomic.Int32
	ids := make(chan string, 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			r, c, err := s.CreateRun(ctx, pipeline.Run{Pipeline: "demo", Interval: iv, State: pipeline.Queued})
			if err != nil {
				t.Error(err)
			}
			if c {
				created.Add(1)
			}
			ids <- r.ID
		})
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first || id == "" {
			t.Fatalf("ids differ: %q %q", first, id)
		}
	}
	if created.Load() != 1 {
		t.Errorf("created %d runs for one interval", created.Load())
	}
	// Another pipeline or interval is another run.
	other := pipeline.Interval{Start: iv.End, End: iv.End.Add(time.Hour)}
	if _, c, _ := s.CreateRun(ctx, pipeline.Run{Pipeline: "demo", Interval: other}); !c {
		t.Error("next interval not created")
	}
	if _, c, _ := s.CreateRun(ctx, pipeline.Run{Pipeline: "other", Interval: iv}); !c {
		t.Error("other pipeline not created")
	}
	if n, _ := s.CountRuns(ctx, store.RunFilter{Pipeline: "demo"}); n != 2 {
		t.Errorf("CountRuns(demo) = %d", n)
	}
	runs, _ := s.ListRuns(ctx, store.RunFilter{Pipeline: "demo"})
	if len(runs) != 2 || !runs[0].Interval.Start.Equal(iv.End) {
		t.Errorf("ListRuns not newest first: %+v", runs)
	}
	if runs, _ := s.ListRuns(ctx, store.RunFilter{Limit: 1, Offset: 1, IntervalFrom: iv.Start, IntervalTo: iv.End}); len(runs) != 1 {
		t.Errorf("filtered page: %+v", runs)
	}
	if _, err := s.FindRun(ctx, "demo", pipeline.Interval{Start: iv.Start, End: iv.End.Add(time.Minute)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FindRun of an unknown interval: %v", err)
	}
	if _, err := s.GetRun(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun(nope): %v", err)
	}
}

func TestClaimRun(t *testing.T) {
	t0 := time.Date(2025, 3, 6, 2, 0, 0, 0, time.UTC)
	s := New()
	s.Now = func() time.Time { return t0 }
	ctx := context.Background()
	r, _, _ := s.CreateRun(ctx, pipeline.Run{Pipeline: "p", Interval: iv})
	claim := func(owner string, staleBefore time.Time) bool {
		ok, err := s.ClaimRun(ctx, r.ID, owner, staleBefore)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("h:1", t0) {
		t.Fatal("unowned run not claimed")
	}
	if !claim("h:1", t0) {
		t.Error("owner cannot re-claim its own run")
	}
	if claim("h:2", t0.Add(-time.Second)) {
		t.Error("claimed from an owner with a fresh heartbeat")
	}
	if err := s.HeartbeatRun(ctx, r.ID, "h:2", t0); !errors.Is(err, store.ErrNotOwner) {
		t.Error("a non-owner heartbeat was accepted")
	}
	if err := s.HeartbeatRun(ctx, r.ID, "h:1", t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if claim("h:2", t0.Add(10*time.Second)) {
		t.Error("heartbeat at the staleness bound counts as fresh")
	}
	if !claim("h:2", t0.Add(10*time.Second+1)) {
		t.Error("stale owner not replaced")
	}
	// Exactly one of many racing claimants wins a stale run.
	s.Now = func() time.Time { return t0.Add(time.Hour) }
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ok, _ := s.ClaimRun(ctx, r.ID, "racer:"+string(rune('a'+i)), t0.Add(time.Minute))
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d racers claimed the run", wins.Load())
	}
}

func TestTaskRuns(t *testing.T) {
	s := New()
	ctx := context.Background()
	r, _, _ := s.CreateRun(ctx, pipeline.Run{Pipeline: "p", Interval: iv})
	t1 := iv.Start
	t2 := iv.Start.Add(time.Minute)
	for _, tr := range []pipeline.TaskRun{
		{RunID: r.ID, Task: "b", Attempt: 1, State: pipeline.UpForRetry, StartedAt: &t2, Log: "b1"},
		{RunID: r.ID, Task: "a", Attempt: 1, State: pipeline.Success, StartedAt: &t1, Log: "a1"},
		{RunID: r.ID, Task: "c", Attempt: 1, State: pipeline.UpstreamFailed},
		{RunID: r.ID, Task: "b", Attempt: 2, State: pipeline.Running, StartedAt: &t2, Log: "b2"},
	} {
		if err := s.InsertTaskRun(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "b", Attempt: 2}); err == nil {
		t.Error("duplicate attempt accepted")
	}
	if err := s.InsertTaskRun(ctx, pipeline.TaskRun{RunID: "nope", Task: "b", Attempt: 1, State: pipeline.Queued}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("attempt of an unknown run: %v", err)
	}
	trs, _ := s.ListTaskRuns(ctx, r.ID)
	var order []string
	for _, tr := range trs {
		order = append(order, tr.Task+string(rune('0'+tr.Attempt)))
		if tr.Log != "" {
			t.Error("ListTaskRuns loaded a log")
		}
	}
	if got := order; len(got) != 4 || got[0] != "a1" || got[1] != "b1" || got[2] != "b2" || got[3] != "c1" {
		t.Errorf("order = %v", got)
	}
	if log, _ := s.TaskRunLog(ctx, r.ID, "b", 0); log != "b2" {
		t.Errorf("latest log = %q", log)
	}
	if log, _ := s.TaskRunLog(ctx, r.ID, "b", 1); log != "b1" {
		t.Errorf("attempt 1 log = %q", log)
	}
	if err := s.HeartbeatTaskRun(ctx, r.ID, "b", 2, t2.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "b", Attempt: 3, State: pipeline.Failed}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing attempt: %v", err)
	}
	// Returned values do not alias the store's.
	trs, _ = s.ListTaskRuns(ctx, r.ID)
	*trs[0].StartedAt = time.Time{}
	trs, _ = s.ListTaskRuns(ctx, r.ID)
	if trs[0].StartedAt.IsZero() {
		t.Error("caller's write changed the stored start")
	}
}
