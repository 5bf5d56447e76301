package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

// Keyset pages walk exactly the order of one unpaged listing, both ways,
// with filters, across runs that share an interval start.
func testListRunsKeyset(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 7 {
		mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(i), CreatedAt: t0})
		mustCreate(t, s, pipeline.Run{Pipeline: "whales", Interval: hour(i), CreatedAt: t0.Add(time.Second)})
	}
	daily := mustCreate(t, s, pipeline.Run{Pipeline: "daily", Interval: pipeline.Interval{Start: hour(3).Start, End: hour(27).Start}, CreatedAt: t0.Add(-time.Minute)})
	for _, f := range []store.RunFilter{{}, {Pipeline: "memes"}, {OldestFirst: true}, {Pipeline: "whales", OldestFirst: true}} {
		all, err := s.ListRuns(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		page := f
		page.Limit = 3
		for len(paged) < len(all)+3 {
			runs, err := s.ListRuns(ctx, page)
			if err != nil {
				t.Fatalf("%+v: %v", page, err)
			}
			if len(runs) == 0 {
				break
			}
			paged = append(paged, ids(runs)...)
			page.Before = runs[len(runs)-1].ID
		}
		if !slices.Equal(paged, ids(all)) {
			t.Errorf("filter %+v: keyset pages %v, want %v", f, paged, ids(all))
		}
	}
	runs, err := s.ListRuns(ctx, store.RunFilter{OldestFirst: true, Limit: 1})
	if err != nil || len(runs) != 1 || !runs[0].Interval.Start.Equal(hour(0).Start) {
		t.Errorf("oldest first, limit 1 = %v, %v", runs, err)
	}
	// The daily run shares interval start 3 with memes and whales; it was
	// created earliest, so newest first it comes after both.
	newest, _ := s.ListRuns(ctx, store.RunFilter{IntervalFrom: hour(3).Start, IntervalTo: hour(4).Start})
	if len(newest) != 3 || newest[2].ID != daily.ID {
		t.Errorf("runs starting at hour 3 = %v, want daily last", ids(newest))
	}
	if _, err := s.ListRuns(ctx, store.RunFilter{Before: "r_nosuchrun"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Before an unknown run: %v, want ErrNotFound", err)
	}
}

func testListRunsTriggers(t *testing.T, s store.Store) {
	ctx := context.Background()
	trig := []pipeline.RunTrigger{pipeline.TriggerSchedule, pipeline.TriggerBackfill, pipeline.TriggerManual, pipeline.TriggerBackfill}
	for i, tr := range trig {
		mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(i), Trigger: tr})
	}
	f := store.RunFilter{Pipeline: "memes", Triggers: []pipeline.RunTrigger{pipeline.TriggerBackfill}, OldestFirst: true}
	runs, err := s.ListRuns(ctx, f)
	if err != nil || len(runs) != 2 || !runs[0].Interval.Start.Equal(hour(1).Start) || !runs[1].Interval.Start.Equal(hour(3).Start) {
		t.Errorf("backfill runs oldest first = %v, %v", runs, err)
	}
	if n, err := s.CountRuns(ctx, store.RunFilter{Triggers: []pipeline.RunTrigger{pipeline.TriggerSchedule, pipeline.TriggerManual}}); err != nil || n != 2 {
		t.Errorf("CountRuns(schedule, manual) = %d, %v; want 2", n, err)
	}
	if _, err := s.ListRuns(ctx, store.RunFilter{Triggers: []pipeline.RunTrigger{"cron"}}); err == nil {
		t.Errorf("ListRuns(trigger cron): no error")
	}
}

func testCountRunsByState(t *testing.T, s store.Store) {
	ctx := context.Background()
	states := []pipeline.State{pipeline.Success, pipeline.Success, pipeline.Failed, pipeline.Running, pipeline.Queued, pipeline.Success}
	for i, st := range states {
		mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(i), State: st})
	}
	mustCreate(t, s, pipeline.Run{Pipeline: "other", Interval: hour(0), State: pipeline.Failed})
	got, err := s.CountRunsByState(ctx, store.RunFilter{Pipeline: "memes"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[pipeline.State]int{pipeline.Success: 3, pipeline.Failed: 1, pipeline.Running: 1, pipeline.Queued: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CountRunsByState(memes) = %v, want %v", got, want)
	}
	got, err = s.CountRunsByState(ctx, store.RunFilter{States: []pipeline.State{pipeline.Failed}})
	if err != nil || len(got) != 1 || got[pipeline.Failed] != 2 {
		t.Errorf("CountRunsByState(failed) = %v, %v; want failed:2", got, err)
	}
	if got, err := s.CountRunsByState(ctx, store.RunFilter{Pipeline: "none"}); err != nil || got == nil || len(got) != 0 {
		t.Errorf("CountRunsByState(none) = %#v, %v; want an empty map", got, err)
	}
}

func testTaskRunsOf(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	b := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(1)})
	c := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(2)})
	at := func(m int) *time.Time { return ptr(t0.Add(time.Duration(m) * time.Minute)) }
	for _, tr := range []pipeline.TaskRun{
		{RunID: a.ID, Task: "score", Attempt: 1, State: pipeline.Success, StartedAt: at(5), EndedAt: at(6), RecordsOut: 9, Log: "big log"},
		{RunID: a.ID, Task: "collect", Attempt: 1, State: pipeline.UpForRetry, StartedAt: at(1), EndedAt: at(2), Error: "429"},
		{RunID: a.ID, Task: "collect", Attempt: 2, State: pipeline.Success, StartedAt: at(3), EndedAt: at(4)},
		{RunID: b.ID, Task: "collect", Attempt: 1, State: pipeline.Running, StartedAt: at(7)},
		{RunID: c.ID, Task: "collect", Attempt: 1, State: pipeline.Queued},
	} {
		if err := s.InsertTaskRun(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.TaskRunsOf(ctx, []string{a.ID, b.ID, "r_unknown"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[a.ID]) != 3 || len(got[b.ID]) != 1 {
		t.Fatalf("TaskRunsOf = %v", got)
	}
	var order []string
	for _, tr := range got[a.ID] {
		order = append(order, fmt.Sprintf("%s/%d", tr.Task, tr.Attempt))
		if tr.Log != "" {
			t.Errorf("TaskRunsOf loaded the log of %s/%d", tr.Task, tr.Attempt)
		}
	}
	if fmt.Sprint(order) != "[collect/1 collect/2 score/1]" {
		t.Errorf("order %v", order)
	}
	if tr := got[a.ID][0]; tr.Error != "429" || tr.State != pipeline.UpForRetry || !sameTime(tr.EndedAt, at(2)) {
		t.Errorf("first attempt = %+v", tr)
	}
	if empty, err := s.TaskRunsOf(ctx, nil); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("TaskRunsOf(nil) = %#v, %v", empty, err)
	}
}

func testTaskFreshness(t *testing.T, s store.Store) {
	ctx := context.Background()
	if f, err := s.TaskFreshness(ctx); err != nil || f == nil || len(f) != 0 {
		t.Fatalf("TaskFreshness on a new store = %#v, %v", f, err)
	}
	at := func(m int) *time.Time { return ptr(t0.Add(time.Duration(m) * time.Minute)) }
	r0 := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	r1 := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(1)})
	o := mustCreate(t, s, pipeline.Run{Pipeline: "other", Interval: hour(1)})
	for _, tr := range []pipeline.TaskRun{
		{RunID: r0.ID, Task: "collect", Attempt: 1, State: pipeline.Success, StartedAt: at(0), EndedAt: at(1), RecordsOut: 10},
		{RunID: r1.ID, Task: "collect", Attempt: 1, State: pipeline.Success, StartedAt: at(60), EndedAt: at(61), RecordsOut: 20},
		{RunID: r1.ID, Task: "clean", Attempt: 1, State: pipeline.Failed, StartedAt: at(62), EndedAt: at(63)},
		{RunID: r0.ID, Task: "clean", Attempt: 1, State: pipeline.Success, StartedAt: at(2), EndedAt: at(3), RecordsOut: 5},
		{RunID: o.ID, Task: "collect", Attempt: 1, State: pipeline.Success, StartedAt: at(70), EndedAt: at(75), RecordsOut: 1},
		{RunID: o.ID, Task: "score", Attempt: 1, State: pipeline.Running, StartedAt: at(76)},
	} {
		if err := s.InsertTaskRun(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.TaskFreshness(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%s/%s %s %s %d", f.Pipeline, f.Task, f.LastSuccess.Format("15:04"), f.RunID, f.RecordsOut))
		if f.LastSuccess.Location() != time.UTC {
			t.Errorf("%s/%s: last success not in UTC", f.Pipeline, f.Task)
		}
	}
	want := []string{
		"memes/clean 18:03 " + r0.ID + " 5",
		"memes/collect 19:01 " + r1.ID + " 20",
		"other/collect 19:15 " + o.ID + " 1",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("TaskFreshness =\n%v\nwant\n%v", lines, want)
	}
}
