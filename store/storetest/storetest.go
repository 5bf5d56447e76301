// Package storetest is the conformance suite every store.Store passes:
// store/sqlite and store/postgres call Run from their tests, so both
// databases are held to one behaviour. A later concern (canonical rows,
// analytics, alerts, schedules) adds its cases here, next to its interface.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

// Run runs the suite. open returns a new, empty store and arranges for it
// to be closed when t ends; each case calls it once.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Basics", testBasics},
		{"CreateRun", testCreateRun},
		{"CreateRunRejects", testCreateRunRejects},
		{"CreateRunConcurrent", testCreateRunConcurrent},
		{"GetFindRun", testGetFindRun},
		{"TimesRoundTrip", testTimesRoundTrip},
		{"ListRunsOrder", testListRunsOrder},
		{"ListRunsFilter", testListRunsFilter},
		{"UpdateRun", testUpdateRun},
		{"ClaimRun", testClaimRun},
		{"ClaimRunConcurrent", testClaimRunConcurrent},
		{"TakeOverRun", testTakeOverRun},
		{"TaskRuns", testTaskRuns},
		{"TaskRunsOrder", testTaskRunsOrder},
		{"TaskRunsConcurrent", testTaskRunsConcurrent},
		{"Logs", testLogs},
		{"Text", testText},
		{"HeartbeatTaskRun", testHeartbeatTaskRun},
		{"Watermarks", testWatermarks},
		{"ListRunsKeyset", testListRunsKeyset},
		{"ListRunsTriggers", testListRunsTriggers},
		{"CountRunsByState", testCountRunsByState},
		{"TaskRunsOf", testTaskRunsOf},
		{"TaskFreshness", testTaskFreshness},
		{"Schedules", testSchedules},
		{"SchedulesConcurrent", testSchedulesConcurrent},
		{"ClaimActiveRun", testClaimActiveRun},
		{"AlertConditions", testAlertConditions},
		{"AlertDeliveries", testAlertDeliveries},
		{"SentimentAggregates", testSentimentAggregates},
		{"Anomalies", testAnomalies},
		{"AnomaliesAtomic", testAnomaliesAtomic},
		{"RiskAssessments", testRiskAssessments},
		{"IntegratedScores", testIntegratedScores},
		{"Checkpoints", testCheckpoints},
		{"DeleteCheckpoints", testDeleteCheckpoints},
		{"CheckpointsConcurrentPuts", testCheckpointsConcurrentPuts},
		{"RateBudget", testRateBudget},
		{"PoolSlots", testPoolSlots},
		{"CanonicalRoundTrip", testCanonicalRoundTrip},
		{"CanonicalIdempotent", testCanonicalIdempotent},
		{"CanonicalAtomic", testCanonicalAtomic},
		{"CanonicalQueries", testCanonicalQueries},
		{"CanonicalText", testCanonicalText},
		{"CanonicalBatchBadObject", testCanonicalBatchBadObject},
		{"CanonicalBatchAbandoned", testCanonicalBatchAbandoned},
		{"Checks", testChecks},
		{"ChecksRejects", testChecksRejects},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, open(t))
		})
	}
}

// t0 is a fixed instant the cases build intervals from.
var t0 = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func hour(n int) pipeline.Interval {
	return pipeline.Interval{Start: t0.Add(time.Duration(n) * time.Hour), End: t0.Add(time.Duration(n+1) * time.Hour)}
}

func ptr(t time.Time) *time.Time { return &t }

func mustCreate(t *testing.T, s store.Store, r pipeline.Run) pipeline.Run {
	t.Helper()
	got, created, err := s.CreateRun(context.Background(), r)
	if err != nil {
		t.Fatalf("CreateRun(%s %s): %v", r.Pipeline, r.Interval, err)
	}
	if !created {
		t.Fatalf("CreateRun(%s %s): created = false, want true", r.Pipeline, r.Interval)
	}
	return got
}

// sameTime compares optional times as instants.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtTime(p *time.Time) string {
	if p == nil {
		return "nil"
	}
	return p.Format(time.RFC3339Nano)
}

// checkRun fails t unless got is want, field by field, and every time in
// got is in UTC.
func checkRun(t *testing.T, got, want pipeline.Run) {
	t.Helper()
	if got.ID != want.ID || got.Pipeline != want.Pipeline || got.State != want.State ||
		got.Trigger != want.Trigger || got.Owner != want.Owner {
		t.Errorf("run = {%s %s %s %s owner %q}, want {%s %s %s %s owner %q}",
			got.ID, got.Pipeline, got.State, got.Trigger, got.Owner,
			want.ID, want.Pipeline, want.State, want.Trigger, want.Owner)
	}
	if !got.Interval.Start.Equal(want.Interval.Start) || !got.Interval.End.Equal(want.Interval.End) {
		t.Errorf("run %s interval = %s, want %s", want.ID, got.Interval, want.Interval)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("run %s created_at = %s, want %s", want.ID, got.CreatedAt.Format(time.RFC3339Nano), want.CreatedAt.Format(time.RFC3339Nano))
	}
	if !sameTime(got.StartedAt, want.StartedAt) || !sameTime(got.EndedAt, want.EndedAt) {
		t.Errorf("run %s started/ended = %s/%s, want %s/%s", want.ID,
			fmtTime(got.StartedAt), fmtTime(got.EndedAt), fmtTime(want.StartedAt), fmtTime(want.EndedAt))
	}
	for _, tm := range []*time.Time{&got.Interval.Start, &got.Interval.End, &got.CreatedAt, got.StartedAt, got.EndedAt} {
		if tm != nil && tm.Location() != time.UTC {
			t.Errorf("run %s: time %s is in %s, want UTC", want.ID, tm, tm.Location())
		}
	}
}

func ids(runs []pipeline.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func testBasics(t *testing.T, s store.Store) {
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q, want sqlite or postgres", d)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if n, err := s.CountRuns(context.Background(), store.RunFilter{}); err != nil || n != 0 {
		t.Errorf("CountRuns on a new store = %d, %v; want 0, nil", n, err)
	}
	runs, err := s.ListRuns(context.Background(), store.RunFilter{})
	if err != nil || runs == nil || len(runs) != 0 {
		t.Errorf("ListRuns on a new store = %#v, %v; want an empty non-nil slice (JSON [])", runs, err)
	}
}

func testCreateRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	if !strings.HasPrefix(r.ID, "r_") || len(r.ID) != 18 {
		t.Errorf("new run id = %q, want r_ and 16 base32 digits", r.ID)
	}
	if r.State != pipeline.Queued || r.Trigger != pipeline.TriggerManual {
		t.Errorf("defaults: state %q trigger %q, want queued manual", r.State, r.Trigger)
	}
	if r.CreatedAt.Before(before) || r.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("created_at = %s, want about now", r.CreatedAt)
	}

	// The same slot again, with different details: the stored run comes back.
	again, created, err := s.CreateRun(ctx, pipeline.Run{ID: "r_other", Pipeline: "memes", Interval: hour(0), State: pipeline.Running, Trigger: pipeline.TriggerSchedule})
	if err != nil || created {
		t.Fatalf("CreateRun(same slot) = created %v, %v; want false, nil", created, err)
	}
	checkRun(t, again, r)

	// The same slot given in another time zone is the same slot.
	tokyo := time.FixedZone("JST", 9*3600)
	iv := pipeline.Interval{Start: hour(0).Start.In(tokyo), End: hour(0).End.In(tokyo)}
	if again, created, err := s.CreateRun(ctx, pipeline.Run{Pipeline: "memes", Interval: iv}); err != nil || created || again.ID != r.ID {
		t.Errorf("CreateRun(same slot in JST) = %s created %v, %v; want %s false nil", again.ID, created, err, r.ID)
	}

	// Another end, another pipeline, another start: other slots.
	longer := pipeline.Interval{Start: hour(0).Start, End: hour(1).End}
	a := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: longer})
	b := mustCreate(t, s, pipeline.Run{Pipeline: "other", Interval: hour(0)})
	c := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(1), ID: "r_given", Trigger: pipeline.TriggerBackfill})
	if c.ID != "r_given" || c.Trigger != pipeline.TriggerBackfill {
		t.Errorf("given id and trigger = %s %s, want r_given backfill", c.ID, c.Trigger)
	}
	if got := []string{r.ID, a.ID, b.ID, c.ID}; len(slices.Compact(slices.Sorted(slices.Values(got)))) != 4 {
		t.Errorf("run ids not distinct: %v", got)
	}
	if n, err := s.CountRuns(ctx, store.RunFilter{}); err != nil || n != 4 {
		t.Errorf("CountRuns = %d, %v; want 4", n, err)
	}

	// A run created with an owner, fully specified, reads back as written.
	full := pipeline.Run{ID: "r_full", Pipeline: "memes", Interval: hour(5), State: pipeline.Running,
		Trigger: pipeline.TriggerSchedule, CreatedAt: t0.Add(-time.Minute), StartedAt: ptr(t0), Owner: "host-a:1"}
	mustCreate(t, s, full)
	got, err := s.GetRun(ctx, "r_full")
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, got, full)
	// Its owner counts as alive from creation: a peer cannot take it over.
	if ok, err := s.ClaimRun(ctx, "r_full", "host-b:2", time.Now().Add(-time.Minute)); err != nil || ok {
		t.Errorf("ClaimRun of a just-created owned run by a peer = %v, %v; want false, nil", ok, err)
	}

	// A taken id on another slot is an error, not a silent second run.
	if _, _, err := s.CreateRun(ctx, pipeline.Run{ID: "r_full", Pipeline: "memes", Interval: hour(6)}); err == nil {
		t.Errorf("CreateRun with a taken id: no error")
	}
}

func testCreateRunRejects(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, r := range []pipeline.Run{
		{Pipeline: "", Interval: hour(0)},
		{Pipeline: "memes"},
		{Pipeline: "memes", Interval: pipeline.Interval{Start: t0, End: t0}},
		{Pipeline: "memes", Interval: pipeline.Interval{Start: t0, End: t0.Add(-time.Hour)}},
		{Pipeline: "memes", Interval: hour(0), State: "bogus"},
	} {
		if _, _, err := s.CreateRun(ctx, r); err == nil {
			t.Errorf("CreateRun(pipeline %q, interval %s, state %q): no error", r.Pipeline, r.Interval, r.State)
		}
	}
	if n, _ := s.CountRuns(ctx, store.RunFilter{}); n != 0 {
		t.Errorf("rejected runs were stored: %d runs", n)
	}
}

func testCreateRunConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const creators = 16
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		got     = map[string]int{}
		errs    []error
	)
	start := make(chan struct{})
	for i := range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Odd creators also race on a second slot.
			iv := hour(0)
			if i%2 == 1 {
				iv = hour(1)
			}
			r, c, err := s.CreateRun(ctx, pipeline.Run{Pipeline: "race", Interval: iv, Owner: fmt.Sprintf("creator-%d", i)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if c {
				created++
			}
			got[r.ID]++
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent CreateRun errors: %v", errs)
	}
	if created != 2 || len(got) != 2 {
		t.Errorf("%d creators on 2 slots: created %d runs, saw ids %v; want 2 created and 2 ids", creators, created, got)
	}
	for _, iv := range []pipeline.Interval{hour(0), hour(1)} {
		r, err := s.FindRun(ctx, "race", iv)
		if err != nil {
			t.Fatal(err)
		}
		if got[r.ID] != creators/2 {
			t.Errorf("slot %s: %d creators got its run %s, want %d", iv, got[r.ID], r.ID, creators/2)
		}
	}
	if n, err := s.CountRuns(ctx, store.RunFilter{Pipeline: "race"}); err != nil || n != 2 {
		t.Errorf("CountRuns = %d, %v; want 2", n, err)
	}
}

func testGetFindRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(3), Owner: "host:42"})
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, got, r)
	got, err = s.FindRun(ctx, "memes", hour(3))
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, got, r)

	for name, err := range map[string]error{
		"GetRun(unknown)":         func() error { _, err := s.GetRun(ctx, "r_nope"); return err }(),
		"FindRun(other pipeline)": func() error { _, err := s.FindRun(ctx, "other", hour(3)); return err }(),
		"FindRun(other interval)": func() error { _, err := s.FindRun(ctx, "memes", hour(4)); return err }(),
		"FindRun(same start, other end)": func() error {
			_, err := s.FindRun(ctx, "memes", pipeline.Interval{Start: hour(3).Start, End: hour(4).End})
			return err
		}(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s = %v, want ErrNotFound", name, err)
		}
	}
}

func testTimesRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	ny := time.FixedZone("EST", -5*3600)
	// Nanoseconds are kept to the microsecond (PostgreSQL's precision).
	start := time.Date(2026, 1, 2, 3, 4, 5, 123456789, ny)
	r := mustCreate(t, s, pipeline.Run{
		Pipeline:  "times",
		Interval:  pipeline.Interval{Start: start, End: start.Add(90 * time.Minute)},
		CreatedAt: start.Add(-time.Second),
		StartedAt: ptr(start.Add(time.Millisecond)),
	})
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantStart := time.Date(2026, 1, 2, 8, 4, 5, 123456000, time.UTC)
	if got.Interval.Start != wantStart {
		t.Errorf("interval start = %s (%s), want exactly %s", got.Interval.Start.Format(time.RFC3339Nano), got.Interval.Start.Location(), wantStart.Format(time.RFC3339Nano))
	}
	if got.StartedAt == nil || *got.StartedAt != wantStart.Add(time.Millisecond) {
		t.Errorf("started_at = %s, want exactly %s", fmtTime(got.StartedAt), wantStart.Add(time.Millisecond).Format(time.RFC3339Nano))
	}
	checkRun(t, got, r)
	// The returned run is what is stored: the same value from CreateRun and GetRun.
	if r.Interval.Start != got.Interval.Start || r.CreatedAt != got.CreatedAt {
		t.Errorf("CreateRun returned %s/%s, GetRun %s/%s", r.Interval.Start, r.CreatedAt, got.Interval.Start, got.CreatedAt)
	}
	// Found by the instant, whatever the zone and sub-microsecond noise.
	if f, err := s.FindRun(ctx, "times", pipeline.Interval{Start: start.UTC(), End: start.Add(90 * time.Minute).In(time.UTC)}); err != nil || f.ID != r.ID {
		t.Errorf("FindRun by UTC interval = %s, %v; want %s", f.ID, err, r.ID)
	}

	// Task run times too, at millisecond spacing.
	tr := pipeline.TaskRun{RunID: r.ID, Task: "t", Attempt: 1, State: pipeline.Success,
		StartedAt: ptr(start.Add(time.Millisecond)), EndedAt: ptr(start.Add(2 * time.Millisecond)), Heartbeat: ptr(start.Add(3 * time.Millisecond))}
	if err := s.InsertTaskRun(ctx, tr); err != nil {
		t.Fatal(err)
	}
	trs, err := s.ListTaskRuns(ctx, r.ID)
	if err != nil || len(trs) != 1 {
		t.Fatalf("ListTaskRuns = %v, %v", trs, err)
	}
	for i, pair := range [][2]*time.Time{{trs[0].StartedAt, tr.StartedAt}, {trs[0].EndedAt, tr.EndedAt}, {trs[0].Heartbeat, tr.Heartbeat}} {
		want := pair[1].UTC().Truncate(time.Microsecond)
		if pair[0] == nil || *pair[0] != want {
			t.Errorf("task run time %d = %s, want exactly %s", i, fmtTime(pair[0]), want.Format(time.RFC3339Nano))
		}
	}
}

func testListRunsOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	// Created out of interval order; two runs share an interval start (a
	// daily and an hourly run) and are ordered by creation time, then id.
	var want []string
	mk := func(p string, iv pipeline.Interval, created time.Time, id string) pipeline.Run {
		return mustCreate(t, s, pipeline.Run{ID: id, Pipeline: p, Interval: iv, CreatedAt: created})
	}
	r2 := mk("memes", hour(2), t0, "r_b")
	r0 := mk("memes", hour(0), t0, "r_c")
	daily := mk("daily", pipeline.Interval{Start: hour(1).Start, End: hour(24).Start}, t0.Add(time.Minute), "r_a")
	r1 := mk("memes", hour(1), t0, "r_d")
	tieA := mk("tie", hour(1), t0, "r_e")                   // same start and created_at as r1: id decides
	want = []string{r2.ID, daily.ID, tieA.ID, r1.ID, r0.ID} // newest interval first; at hour 1: later created first, then id desc
	runs, err := s.ListRuns(ctx, store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(runs); !slices.Equal(got, want) {
		t.Errorf("ListRuns order = %v, want %v", got, want)
	}
	checkRun(t, runs[0], r2)

	// Paging walks the same order.
	var paged []string
	for off := 0; off < 6; off += 2 {
		page, err := s.ListRuns(ctx, store.RunFilter{Limit: 2, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ids(page)...)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 2 = %v, want %v", paged, want)
	}
	if page, err := s.ListRuns(ctx, store.RunFilter{Offset: 3}); err != nil || !slices.Equal(ids(page), want[3:]) {
		t.Errorf("offset 3 without limit = %v, %v; want %v", ids(page), err, want[3:])
	}
	if page, err := s.ListRuns(ctx, store.RunFilter{Offset: 10}); err != nil || len(page) != 0 {
		t.Errorf("offset past the end = %v, %v; want none", ids(page), err)
	}
	if _, err := s.ListRuns(ctx, store.RunFilter{Limit: -1}); err == nil {
		t.Errorf("ListRuns(limit -1): no error")
	}
}

func testListRunsFilter(t *testing.T, s store.Store) {
	ctx := context.Background()
	// memes: hours 0..5, states cycling; other: hours 0..2.
	states := []pipeline.State{pipeline.Success, pipeline.Failed, pipeline.Running}
	byID := map[string]pipeline.Run{}
	for i := range 6 {
		r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(i), State: states[i%3]})
		byID[r.ID] = r
	}
	for i := range 3 {
		r := mustCreate(t, s, pipeline.Run{Pipeline: "other", Interval: hour(i), State: pipeline.Success})
		byID[r.ID] = r
	}
	cases := []struct {
		name string
		f    store.RunFilter
		want int
		keep func(pipeline.Run) bool
	}{
		{"pipeline", store.RunFilter{Pipeline: "memes"}, 6, func(r pipeline.Run) bool { return r.Pipeline == "memes" }},
		{"unknown pipeline", store.RunFilter{Pipeline: "nope"}, 0, nil},
		{"one state", store.RunFilter{States: []pipeline.State{pipeline.Failed}}, 2, func(r pipeline.Run) bool { return r.State == pipeline.Failed }},
		{"two states", store.RunFilter{States: []pipeline.State{pipeline.Failed, pipeline.Running}}, 4, func(r pipeline.Run) bool { return r.State != pipeline.Success }},
		{"pipeline and state", store.RunFilter{Pipeline: "other", States: []pipeline.State{pipeline.Success}}, 3, func(r pipeline.Run) bool { return r.Pipeline == "other" }},
		{"interval from", store.RunFilter{IntervalFrom: hour(4).Start}, 2, func(r pipeline.Run) bool { return !r.Interval.Start.Before(hour(4).Start) }},
		{"interval to", store.RunFilter{IntervalTo: hour(1).Start}, 2, func(r pipeline.Run) bool { return r.Interval.Start.Before(hour(1).Start) }},
		{"interval range and pipeline", store.RunFilter{Pipeline: "memes", IntervalFrom: hour(1).Start, IntervalTo: hour(3).Start}, 2, func(r pipeline.Run) bool {
			return r.Pipeline == "memes" && !r.Interval.Start.Before(hour(1).Start) && r.Interval.Start.Before(hour(3).Start)
		}},
	}
	for _, c := range cases {
		runs, err := s.ListRuns(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(runs) != c.want {
			t.Errorf("%s: %d runs, want %d", c.name, len(runs), c.want)
		}
		for i, r := range runs {
			if !c.keep(r) {
				t.Errorf("%s: run %s (%s %s %s) should not be listed", c.name, r.ID, r.Pipeline, r.State, r.Interval)
			}
			if i > 0 && r.Interval.Start.After(runs[i-1].Interval.Start) {
				t.Errorf("%s: run %d starts after run %d: not newest first", c.name, i, i-1)
			}
			checkRun(t, r, byID[r.ID])
		}
		n, err := s.CountRuns(ctx, c.f)
		if err != nil || n != c.want {
			t.Errorf("%s: CountRuns = %d, %v; want %d", c.name, n, err, c.want)
		}
		// Limit caps the list but not the count.
		c.f.Limit = 1
		if page, err := s.ListRuns(ctx, c.f); err != nil || len(page) != min(1, c.want) {
			t.Errorf("%s with limit 1: %d runs, %v", c.name, len(page), err)
		} else if len(page) == 1 && page[0].ID != runs[0].ID {
			t.Errorf("%s with limit 1: got %s, want the newest %s", c.name, page[0].ID, runs[0].ID)
		}
		if n, err := s.CountRuns(ctx, c.f); err != nil || n != c.want {
			t.Errorf("%s: CountRuns with limit 1 = %d, %v; want %d", c.name, n, err, c.want)
		}
	}
	if _, err := s.ListRuns(ctx, store.RunFilter{States: []pipeline.State{"bogus"}}); err == nil {
		t.Errorf("ListRuns(state bogus): no error")
	}
}

func testUpdateRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	r.State = pipeline.Running
	r.StartedAt = ptr(t0.Add(time.Second))
	r.Owner = "host:1"
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, got, r)

	r.State = pipeline.Failed
	r.EndedAt = ptr(t0.Add(time.Minute))
	r.Owner = ""
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetRun(ctx, r.ID)
	checkRun(t, got, r)
	// Only state, times and owner change.
	changed := r
	changed.Pipeline, changed.Interval, changed.Trigger, changed.CreatedAt = "else", hour(9), pipeline.TriggerBackfill, t0
	if err := s.UpdateRun(ctx, changed); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetRun(ctx, r.ID)
	checkRun(t, got, r)

	if err := s.UpdateRun(ctx, pipeline.Run{ID: "r_nope", State: pipeline.Success}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateRun(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.UpdateRun(ctx, pipeline.Run{ID: r.ID, State: "bogus"}); err == nil {
		t.Errorf("UpdateRun(state bogus): no error")
	}
}

func testClaimRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	now := time.Now()
	fresh := now.Add(-time.Minute) // heartbeats after this are alive
	owner := func() string {
		t.Helper()
		got, err := s.GetRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Owner
	}
	claim := func(who string, staleBefore time.Time, want bool) {
		t.Helper()
		ok, err := s.ClaimRun(ctx, r.ID, who, staleBefore)
		if err != nil || ok != want {
			t.Fatalf("ClaimRun(%s) = %v, %v; want %v, nil", who, ok, err, want)
		}
	}

	claim("a:1", fresh, true) // no owner
	if o := owner(); o != "a:1" {
		t.Errorf("owner = %q, want a:1", o)
	}
	claim("a:1", fresh, true)  // already the owner
	claim("b:2", fresh, false) // a is alive (the claim was its heartbeat)
	if o := owner(); o != "a:1" {
		t.Errorf("owner after refused claim = %q, want a:1", o)
	}
	if err := s.HeartbeatRun(ctx, r.ID, "a:1", now); err != nil {
		t.Fatal(err)
	}
	claim("b:2", fresh, false)
	// a's last heartbeat was long ago: b takes the run over.
	if err := s.HeartbeatRun(ctx, r.ID, "a:1", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	claim("b:2", fresh, true)
	if o := owner(); o != "b:2" {
		t.Errorf("owner after takeover = %q, want b:2", o)
	}
	// a learns it lost the run.
	if err := s.HeartbeatRun(ctx, r.ID, "a:1", now); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("HeartbeatRun by the old owner = %v, want ErrNotOwner", err)
	}
	claim("a:1", fresh, false) // b's claim was its heartbeat

	// Releasing the run (UpdateRun with no owner) lets anyone claim it.
	got, _ := s.GetRun(ctx, r.ID)
	got.Owner = ""
	if err := s.UpdateRun(ctx, got); err != nil {
		t.Fatal(err)
	}
	claim("c:3", fresh, true)

	// Handing the run over with UpdateRun counts as the new owner's heartbeat.
	got.Owner = "d:4"
	if err := s.UpdateRun(ctx, got); err != nil {
		t.Fatal(err)
	}
	claim("c:3", fresh, false)

	if ok, err := s.ClaimRun(ctx, "r_nope", "a:1", fresh); ok || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimRun(unknown) = %v, %v; want false, ErrNotFound", ok, err)
	}
	if err := s.HeartbeatRun(ctx, "r_nope", "a:1", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("HeartbeatRun(unknown) = %v, want ErrNotFound", err)
	}
	if ok, err := s.ClaimRun(ctx, r.ID, "", fresh); ok || err == nil {
		t.Errorf("ClaimRun(empty owner) = %v, %v; want false and an error", ok, err)
	}
}

func testClaimRunConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0), Owner: "dead:1"})
	if err := s.HeartbeatRun(ctx, r.ID, "dead:1", time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	const claimers = 12
	var wg sync.WaitGroup
	results := make([]bool, claimers)
	errs := make([]error, claimers)
	start := make(chan struct{})
	for i := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = s.ClaimRun(ctx, r.ID, fmt.Sprintf("live:%d", i), time.Now().Add(-time.Minute))
		}()
	}
	close(start)
	wg.Wait()
	winners := 0
	winner := ""
	for i := range claimers {
		if errs[i] != nil {
			t.Errorf("claimer %d: %v", i, errs[i])
		}
		if results[i] {
			winners++
			winner = fmt.Sprintf("live:%d", i)
		}
	}
	if winners != 1 {
		t.Fatalf("%d claimers took over a dead owner's run: %d won, want exactly 1", claimers, winners)
	}
	if got, _ := s.GetRun(ctx, r.ID); got.Owner != winner {
		t.Errorf("owner = %q, want the winner %q", got.Owner, winner)
	}
}

// testTakeOverRun: claimers that all found the same dead owner (its
// process gone, its heartbeat maybe fresh) race with a compare-and-swap on
// that owner: one wins, the rest see the winner, and a late claimer that
// still believes the dead owner holds the run cannot steal it back.
func testTakeOverRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0), Owner: "dead:1"})
	// The dead owner's last heartbeat is fresh: only the pid says it died.
	if err := s.HeartbeatRun(ctx, r.ID, "dead:1", time.Now()); err != nil {
		t.Fatal(err)
	}
	const claimers = 12
	var wg sync.WaitGroup
	results := make([]bool, claimers)
	errs := make([]error, claimers)
	start := make(chan struct{})
	for i := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = s.TakeOverRun(ctx, r.ID, fmt.Sprintf("live:%d", i), "dead:1")
		}()
	}
	close(start)
	wg.Wait()
	winner := ""
	for i := range claimers {
		if errs[i] != nil {
			t.Errorf("claimer %d: %v", i, errs[i])
		}
		if results[i] {
			if winner != "" {
				t.Fatalf("both %s and live:%d took over the dead owner's run", winner, i)
			}
			winner = fmt.Sprintf("live:%d", i)
		}
	}
	if winner == "" {
		t.Fatal("no claimer took over the dead owner's run")
	}
	if got, _ := s.GetRun(ctx, r.ID); got.Owner != winner {
		t.Errorf("owner = %q, want the winner %q", got.Owner, winner)
	}
	// The take-over is the winner's first heartbeat: it can heartbeat on.
	if err := s.HeartbeatRun(ctx, r.ID, winner, time.Now()); err != nil {
		t.Errorf("HeartbeatRun by the winner: %v", err)
	}
	if ok, err := s.TakeOverRun(ctx, r.ID, "late:9", "dead:1"); ok || err != nil {
		t.Errorf("late TakeOverRun from the dead owner = %v, %v; want false, nil", ok, err)
	}
	if ok, err := s.TakeOverRun(ctx, "no-such-run", "late:9", "dead:1"); ok || err == nil {
		t.Errorf("TakeOverRun of a missing run = %v, %v; want false and an error", ok, err)
	}
}

func testTaskRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	tr := pipeline.TaskRun{RunID: r.ID, Task: "collect.twitter", Attempt: 1, State: pipeline.Running, StartedAt: ptr(t0)}
	if err := s.InsertTaskRun(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertTaskRun(ctx, tr); err == nil {
		t.Errorf("InsertTaskRun of an existing attempt: no error")
	}
	for _, bad := range []pipeline.TaskRun{
		{RunID: r.ID, Task: "x", Attempt: 0, State: pipeline.Queued},
		{RunID: r.ID, Task: "", Attempt: 1, State: pipeline.Queued},
		{RunID: r.ID, Task: "x", Attempt: 1, State: "bogus"},
	} {
		if err := s.InsertTaskRun(ctx, bad); err == nil {
			t.Errorf("InsertTaskRun(task %q attempt %d state %q): no error", bad.Task, bad.Attempt, bad.State)
		}
	}
	if err := s.InsertTaskRun(ctx, pipeline.TaskRun{RunID: "r_nope", Task: "x", Attempt: 1, State: pipeline.Queued}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("InsertTaskRun for an unknown run = %v, want ErrNotFound", err)
	}

	tr.State = pipeline.UpForRetry
	tr.EndedAt = ptr(t0.Add(2 * time.Second))
	tr.RecordsIn, tr.RecordsOut = 1<<40, 17
	tr.Error = "HTTP 429 Too Many Requests"
	tr.Log = "page 1\npage 2\n"
	if err := s.UpdateTaskRun(ctx, tr); err != nil {
		t.Fatal(err)
	}
	tr2 := pipeline.TaskRun{RunID: r.ID, Task: "collect.twitter", Attempt: 2, State: pipeline.Queued}
	if err := s.InsertTaskRun(ctx, tr2); err != nil {
		t.Fatal(err)
	}
	trs, err := s.ListTaskRuns(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 2 {
		t.Fatalf("ListTaskRuns = %d attempts, want 2", len(trs))
	}
	got := trs[0]
	if got.RunID != r.ID || got.Task != tr.Task || got.Attempt != 1 || got.State != pipeline.UpForRetry ||
		got.RecordsIn != 1<<40 || got.RecordsOut != 17 || got.Error != tr.Error ||
		!sameTime(got.StartedAt, tr.StartedAt) || !sameTime(got.EndedAt, tr.EndedAt) || got.Heartbeat != nil {
		t.Errorf("attempt 1 = %+v, want %+v without log", got, tr)
	}
	if got.Log != "" {
		t.Errorf("ListTaskRuns loaded the log %q; it should not", got.Log)
	}
	if trs[1].Attempt != 2 || trs[1].State != pipeline.Queued || trs[1].StartedAt != nil {
		t.Errorf("attempt 2 = %+v, want queued, not started", trs[1])
	}

	if err := s.UpdateTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "collect.twitter", Attempt: 3, State: pipeline.Success}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTaskRun(unknown attempt) = %v, want ErrNotFound", err)
	}
	if trs, err := s.ListTaskRuns(ctx, "r_nope"); err != nil || trs == nil || len(trs) != 0 {
		t.Errorf("ListTaskRuns(unknown run) = %v, %v; want an empty non-nil slice", trs, err)
	}
}

func testTaskRunsOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	other := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(1)})
	at := func(sec int) *time.Time { return ptr(t0.Add(time.Duration(sec) * time.Second)) }
	// Inserted in a scrambled order.
	for _, tr := range []pipeline.TaskRun{
		{Task: "score", Attempt: 1, State: pipeline.Queued}, // not started: last
		{Task: "clean", Attempt: 2, State: pipeline.Success, StartedAt: at(30)},
		{Task: "collect.b", Attempt: 1, State: pipeline.Success, StartedAt: at(0)},
		{Task: "clean", Attempt: 1, State: pipeline.UpForRetry, StartedAt: at(10)},
		{Task: "collect.a", Attempt: 1, State: pipeline.Success, StartedAt: at(0)}, // same start: by name
		{Task: "analyze", Attempt: 1, State: pipeline.Queued},                      // not started: by name
	} {
		tr.RunID = r.ID
		if err := s.InsertTaskRun(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InsertTaskRun(ctx, pipeline.TaskRun{RunID: other.ID, Task: "clean", Attempt: 1, State: pipeline.Success, StartedAt: at(0)}); err != nil {
		t.Fatal(err)
	}
	trs, err := s.ListTaskRuns(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range trs {
		got = append(got, fmt.Sprintf("%s#%d", tr.Task, tr.Attempt))
	}
	want := []string{"collect.a#1", "collect.b#1", "clean#1", "clean#2", "analyze#1", "score#1"}
	if !slices.Equal(got, want) {
		t.Errorf("ListTaskRuns order = %v, want %v", got, want)
	}
}

// testTaskRunsConcurrent is the engine's write pattern: many tasks of one
// run inserting and updating attempts at once. No write may fail (SQLite's
// SQLITE_BUSY must not reach the engine).
func testTaskRunsConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	const tasks, updates = 12, 15
	var wg sync.WaitGroup
	errs := make(chan error, tasks*(updates+2))
	for i := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := pipeline.TaskRun{RunID: r.ID, Task: fmt.Sprintf("task%02d", i), Attempt: 1, State: pipeline.Running, StartedAt: ptr(t0)}
			if err := s.InsertTaskRun(ctx, tr); err != nil {
				errs <- err
				return
			}
			for u := range updates {
				tr.RecordsOut = int64(u + 1)
				tr.Log += fmt.Sprintf("line %d\n", u)
				if err := s.UpdateTaskRun(ctx, tr); err != nil {
					errs <- err
				}
				if err := s.HeartbeatTaskRun(ctx, r.ID, tr.Task, 1, time.Now()); err != nil {
					errs <- err
				}
			}
			tr.State = pipeline.Success
			if err := s.UpdateTaskRun(ctx, tr); err != nil {
				errs <- err
			}
		}()
	}
	// A reader (the UI) polls meanwhile.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			if _, err := s.ListTaskRuns(ctx, r.ID); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		t.Errorf("concurrent task run write: %v", err)
	}
	trs, err := s.ListTaskRuns(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != tasks {
		t.Fatalf("%d task runs, want %d", len(trs), tasks)
	}
	for _, tr := range trs {
		if tr.State != pipeline.Success || tr.RecordsOut != updates || tr.Heartbeat == nil {
			t.Errorf("%s: state %s records_out %d heartbeat %v; want success %d set", tr.Task, tr.State, tr.RecordsOut, tr.Heartbeat, updates)
		}
	}
	log, err := s.TaskRunLog(ctx, r.ID, "task07", 1)
	if err != nil || strings.Count(log, "\n") != updates || !strings.HasSuffix(log, fmt.Sprintf("line %d\n", updates-1)) {
		t.Errorf("task07 log = %d lines, %v; want %d lines", strings.Count(log, "\n"), err, updates)
	}
}

func testLogs(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	// A large log (4 MiB, multi-byte text) on attempt 1, a short one on 2.
	var b strings.Builder
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, "%06d курс $PEPE ↑ 🚀 鯨の送金 %s\n", i, strings.Repeat("x", i%50))
	}
	big := b.String()
	for attempt, log := range map[int]string{1: big, 2: "second try\n"} {
		if err := s.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "collect", Attempt: attempt, State: pipeline.Running}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "collect", Attempt: attempt, State: pipeline.Failed, Log: log}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InsertTaskRun(ctx, pipeline.TaskRun{RunID: r.ID, Task: "quiet", Attempt: 1, State: pipeline.Success}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		task    string
		attempt int
		want    string
	}{
		{"collect", 1, big},
		{"collect", 2, "second try\n"},
		{"collect", 0, "second try\n"}, // 0: the latest attempt
		{"quiet", 0, ""},
	}
	for _, c := range cases {
		got, err := s.TaskRunLog(ctx, r.ID, c.task, c.attempt)
		if err != nil {
			t.Errorf("TaskRunLog(%s, %d): %v", c.task, c.attempt, err)
			continue
		}
		if got != c.want {
			t.Errorf("TaskRunLog(%s, %d) = %d bytes starting %.40q, want %d bytes starting %.40q", c.task, c.attempt, len(got), got, len(c.want), c.want)
		}
	}
	for _, c := range []struct {
		run, task string
		attempt   int
	}{{r.ID, "collect", 3}, {r.ID, "nope", 0}, {"r_nope", "collect", 1}} {
		if _, err := s.TaskRunLog(ctx, c.run, c.task, c.attempt); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TaskRunLog(%s, %s, %d) = %v, want ErrNotFound", c.run, c.task, c.attempt, err)
		}
	}
}

// testText checks that errors and logs keep any Unicode, and that what
// PostgreSQL's text cannot hold (NUL, invalid UTF-8) is replaced, the same
// way in every dialect, instead of failing the write.
func testText(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "mèmes ✓", Interval: hour(0)})
	cases := []struct{ in, want string }{
		{"ошибка: 429 — слишком много запросов 🚫; 日本語; emoji 🐸🚀", "ошибка: 429 — слишком много запросов 🚫; 日本語; emoji 🐸🚀"},
		{"quotes ' \" ; -- DROP TABLE runs; \\ \t tab", "quotes ' \" ; -- DROP TABLE runs; \\ \t tab"},
		{"nul\x00byte", "nul\uFFFDbyte"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{strings.Repeat("é", 100_000), strings.Repeat("é", 100_000)},
	}
	for i, c := range cases {
		tr := pipeline.TaskRun{RunID: r.ID, Task: fmt.Sprintf("t%d", i), Attempt: 1, State: pipeline.Failed, Error: c.in, Log: c.in}
		if err := s.InsertTaskRun(ctx, tr); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		log, err := s.TaskRunLog(ctx, r.ID, tr.Task, 1)
		if err != nil || log != c.want {
			t.Errorf("case %d: log = %.60q, %v; want %.60q", i, log, err, c.want)
		}
	}
	trs, err := s.ListTaskRuns(ctx, r.ID)
	if err != nil || len(trs) != len(cases) {
		t.Fatalf("ListTaskRuns = %d, %v", len(trs), err)
	}
	for _, tr := range trs {
		var i int
		fmt.Sscanf(tr.Task, "t%d", &i)
		if tr.Error != cases[i].want {
			t.Errorf("case %d: error = %.60q, want %.60q", i, tr.Error, cases[i].want)
		}
	}
	if got, err := s.GetRun(ctx, r.ID); err != nil || got.Pipeline != "mèmes ✓" {
		t.Errorf("pipeline name = %q, %v; want mèmes ✓", got.Pipeline, err)
	}
}

func testHeartbeatTaskRun(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreate(t, s, pipeline.Run{Pipeline: "memes", Interval: hour(0)})
	tr := pipeline.TaskRun{RunID: r.ID, Task: "a", Attempt: 1, State: pipeline.Running, StartedAt: ptr(t0)}
	if err := s.InsertTaskRun(ctx, tr); err != nil {
		t.Fatal(err)
	}
	beat := t0.Add(30 * time.Second)
	if err := s.HeartbeatTaskRun(ctx, r.ID, "a", 1, beat); err != nil {
		t.Fatal(err)
	}
	heartbeat := func() *time.Time {
		t.Helper()
		trs, err := s.ListTaskRuns(ctx, r.ID)
		if err != nil || len(trs) != 1 {
			t.Fatalf("ListTaskRuns = %v, %v", trs, err)
		}
		return trs[0].Heartbeat
	}
	if got := heartbeat(); !sameTime(got, &beat) {
		t.Errorf("heartbeat = %s, want %s", fmtTime(got), beat)
	}
	// An update without a heartbeat keeps the stored one.
	tr.State = pipeline.Success
	if err := s.UpdateTaskRun(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if got := heartbeat(); !sameTime(got, &beat) {
		t.Errorf("heartbeat after UpdateTaskRun without one = %s, want %s kept", fmtTime(got), beat)
	}
	later := beat.Add(time.Minute)
	tr.Heartbeat = &later
	if err := s.UpdateTaskRun(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if got := heartbeat(); !sameTime(got, &later) {
		t.Errorf("heartbeat after UpdateTaskRun with one = %s, want %s", fmtTime(got), later)
	}
	for _, c := range []struct {
		run, task string
		attempt   int
	}{{r.ID, "a", 2}, {r.ID, "b", 1}, {"r_nope", "a", 1}} {
		if err := s.HeartbeatTaskRun(ctx, c.run, c.task, c.attempt, beat); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("HeartbeatTaskRun(%s, %s, %d) = %v, want ErrNotFound", c.run, c.task, c.attempt, err)
		}
	}
}

func testWatermarks(t *testing.T, s store.Store) {
	ctx := context.Background()
	get := func(source, key string) (string, bool) {
		t.Helper()
		v, ok, err := s.GetWatermark(ctx, source, key)
		if err != nil {
			t.Fatalf("GetWatermark(%s, %s): %v", source, key, err)
		}
		return v, ok
	}
	if v, ok := get("twitter", "PEPE"); ok || v != "" {
		t.Errorf("unset watermark = %q, %v; want \"\", false", v, ok)
	}
	steps := []struct{ source, key, value string }{
		{"twitter", "PEPE", "1862033390119149568"},
		{"etherscan", "PEPE", "21300000"},
		{"twitter", "DOGE", "1862033390119149000"},
		{"twitter", "PEPE", "1862033390119150001"}, // overwrite
		{"yahoo", "PEPE24478-USD", "2026-11-28T18:00:00Z"},
		{"scrape", "页面", "ключ ✓"},
	}
	for _, st := range steps {
		if err := s.SetWatermark(ctx, st.source, st.key, st.value); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []struct{ source, key, value string }{
		{"twitter", "PEPE", "1862033390119150001"},
		{"etherscan", "PEPE", "21300000"},
		{"twitter", "DOGE", "1862033390119149000"},
		{"yahoo", "PEPE24478-USD", "2026-11-28T18:00:00Z"},
		{"scrape", "页面", "ключ ✓"},
	} {
		if v, ok := get(want.source, want.key); !ok || v != want.value {
			t.Errorf("watermark %s/%s = %q, %v; want %q", want.source, want.key, v, ok, want.value)
		}
	}
	if _, ok := get("etherscan", "DOGE"); ok {
		t.Errorf("watermark etherscan/DOGE set, but only twitter/DOGE was")
	}
	if err := s.SetWatermark(ctx, "twitter", "PEPE", ""); err != nil {
		t.Fatal(err)
	}
	if v, ok := get("twitter", "PEPE"); !ok || v != "" {
		t.Errorf("watermark set to empty = %q, %v; want \"\", true", v, ok)
	}
}
