package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
	"memepipe/store/postgres"
	"memepipe/store/storetest"
)

// After six hours down, an hourly pipeline catches up on the slots its
// window and bound allow, one run at a time, oldest first, the live slot
// last; the slots it drops are counted in the store and in the metrics.
func TestCatchUpAfterDowntime(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var x executions
	exec := &testExec{st: st, owner: "a:1"}
	m := metrics.New()
	clock := newFakeClock(utc("2026-11-28T10:05:00Z"))
	s, err := New([]Pipeline{{DAG: dag("hourly", x.task("work")), Schedule: mustSchedule(t, "@hourly"),
		Policy: schedule.Policy{CatchupWindow: 6 * time.Hour, MaxCatchup: 3}}},
		Options{Store: st, Executor: exec, Clock: clock, Logger: quietLogger(), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	// The scheduler last ran at midnight.
	b, _ := json.Marshal(record{State: schedule.State{Cursor: utc("2026-11-28T00:00:00Z")}})
	if _, err := st.SaveSchedule(ctx, store.ScheduleRecord{Pipeline: "hourly", State: string(b)}); err != nil {
		t.Fatal(err)
	}

	// Each step starts the next catch-up run once the previous one ended.
	now := clock.Now()
	for i := range 6 {
		if err := stepAndWait(t, s, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
		if n := len(runsOf(t, st, "hourly")); n != min(i+1, 4) {
			t.Fatalf("after step %d: %d runs, want %d", i, n, min(i+1, 4))
		}
	}
	// 01:00-04:00 are outside the 6h window, 05:00-06:00 beyond the bound of
	// 3; slots 07:00, 08:00, 09:00 and the live 10:00 run, in that order.
	want := []string{"06:00 schedule success", "07:00 schedule success", "08:00 schedule success", "09:00 schedule success"}
	if got := describe(runsOf(t, st, "hourly")); !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if !slices.Equal(exec.started, []string{"hourly 11-28T06:00", "hourly 11-28T07:00", "hourly 11-28T08:00", "hourly 11-28T09:00"}) {
		t.Errorf("start order %v", exec.started)
	}
	if exec.maxRunning != 1 {
		t.Errorf("%d catch-up runs at once, want 1", exec.maxRunning)
	}
	rec, err := st.GetSchedule(ctx, "hourly")
	if err != nil {
		t.Fatal(err)
	}
	if rec.SkippedSlots != 6 || !strings.Contains(rec.LastSkipReason, "2026-11-28T06:00:00Z: beyond the catch-up bound of 3") {
		t.Errorf("skipped %d, last reason %q", rec.SkippedSlots, rec.LastSkipReason)
	}
	if got := counterValue(m.SlotsSkipped.WithLabelValues("hourly", "catchup_window")); got != 4 {
		t.Errorf("skipped for the window: %v, want 4", got)
	}
	if got := counterValue(m.SlotsSkipped.WithLabelValues("hourly", "catchup_bound")); got != 2 {
		t.Errorf("skipped for the bound: %v, want 2", got)
	}
	// Lag from slot to start: 07:00's run started at 10:05, 3h05m late.
	lag := histogram(m.ScheduleLag.WithLabelValues("hourly"))
	if lag.GetSampleCount() != 4 || lag.GetSampleSum() < 3*3600+5*60 {
		t.Errorf("schedule lag: %d samples summing %.0fs", lag.GetSampleCount(), lag.GetSampleSum())
	}
	// Caught up: the next slot runs on time, alone.
	if err := stepAndWait(t, s, utc("2026-11-28T11:00:00Z")); err != nil {
		t.Fatal(err)
	}
	runs := runsOf(t, st, "hourly")
	if len(runs) != 5 || !runs[4].Interval.Start.Equal(utc("2026-11-28T10:00:00Z")) {
		t.Errorf("after 11:00: %v", describe(runs))
	}
	if x.get("hourly "+runs[4].Interval.String()) != 1 {
		t.Errorf("11:00 slot ran %d times", x.get("hourly "+runs[4].Interval.String()))
	}
}

// A new pipeline runs its latest slot only; later slots run on time.
func TestNewPipelineAndOverlapSkip(t *testing.T) {
	st := openSQLite(t)
	var x executions
	exec := &testExec{st: st, owner: "a:1", gate: make(chan struct{})}
	clock := newFakeClock(utc("2026-11-28T10:20:00Z"))
	s := newTestScheduler(t, st, clock, exec, Pipeline{DAG: dag("q", x.task("work")), Schedule: mustSchedule(t, "*/15 * * * *")})
	ctx := context.Background()
	if _, err := s.step(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	// 10:15 is running (held by the gate); 10:30 comes due: overlap skip.
	waitFor(t, func() bool { return exec.runningNow() == 1 })
	if _, err := s.step(ctx, utc("2026-11-28T10:30:01Z")); err != nil {
		t.Fatal(err)
	}
	exec.gate <- struct{}{}
	s.runs.Wait()
	if _, err := s.step(ctx, utc("2026-11-28T10:45:00Z")); err != nil {
		t.Fatal(err)
	}
	exec.gate <- struct{}{}
	s.runs.Wait()
	got := describe(runsOf(t, st, "q"))
	if want := []string{"10:00 schedule success", "10:30 schedule success"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	rec, _ := st.GetSchedule(ctx, "q")
	if rec.SkippedSlots != 1 || !strings.Contains(rec.LastSkipReason, "2026-11-28T10:30:00Z: 1 run(s) active") {
		t.Errorf("skipped %d %q", rec.SkippedSlots, rec.LastSkipReason)
	}
}

func (e *testExec) runningNow() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// Two schedulers on one PostgreSQL, each with its own engine, tick the
// same pipelines at the same instants for many slots: every interval gets
// exactly one run, executed exactly once, and no slot is skipped.
func TestTwoSchedulersNoDuplicates(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() store.Store {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	var x executions
	names := []string{"social", "onchain", "market"}
	mk := func(st store.Store, owner string) *Scheduler {
		var ps []Pipeline
		for _, n := range names {
			ps = append(ps, Pipeline{DAG: dag(n, x.task("work")), Schedule: mustSchedule(t, "@every 1m")})
		}
		eng := engine.New(st, engine.Options{Owner: owner, Logger: quietLogger()})
		return newTestScheduler(t, st, newFakeClock(time.Time{}), Engine(eng), ps...)
	}
	a, b := mk(stA, "host-a:1"), mk(stB, "host-b:2")
	base := utc("2026-11-28T12:00:00Z")
	const slots = 40
	for i := range slots {
		now := base.Add(time.Duration(i)*time.Minute + time.Duration(i%7)*100*time.Millisecond)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, s := range []*Scheduler{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[j] = s.step(ctx, now)
			}()
		}
		wg.Wait()
		a.runs.Wait()
		b.runs.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("slot %d: %v", i, err)
			}
		}
	}
	for _, n := range names {
		runs := runsOf(t, stA, n)
		if len(runs) != slots {
			t.Errorf("%s: %d runs for %d slots", n, len(runs), slots)
		}
		seen := map[string]bool{}
		for i, r := range runs {
			key := n + " " + r.Interval.String()
			if seen[key] {
				t.Errorf("%s: two runs for %s", n, r.Interval)
			}
			seen[key] = true
			if want := base.Add(time.Duration(i-1) * time.Minute); !r.Interval.Start.Equal(want) {
				t.Errorf("%s run %d covers %s, want start %s", n, i, r.Interval, want)
			}
			if r.State != pipeline.Success {
				t.Errorf("%s run %s is %s", n, r.Interval, r.State)
			}
			if c := x.get(key); c != 1 {
				t.Errorf("%s %s executed %d times", n, r.Interval, c)
			}
		}
		rec, _ := stA.GetSchedule(ctx, n)
		if rec.SkippedSlots != 0 {
			t.Errorf("%s: %d slots skipped (%s)", n, rec.SkippedSlots, rec.LastSkipReason)
		}
	}
}

// A paused pipeline fires nothing; on unpause the slots it missed are
// caught up within the window and bound.
func TestPauseUnpause(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var x executions
	exec := &testExec{st: st, owner: "a:1"}
	clock := newFakeClock(utc("2026-11-28T10:00:30Z"))
	s := newTestScheduler(t, st, clock, exec, Pipeline{DAG: dag("p", x.task("work")), Schedule: mustSchedule(t, "@hourly"),
		Policy: schedule.Policy{MaxCatchup: 2}})
	if err := stepAndWait(t, s, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pause(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2026-11-28T11:00:01Z", "2026-11-28T12:00:01Z", "2026-11-28T13:00:01Z", "2026-11-28T14:00:01Z"} {
		if err := stepAndWait(t, s, utc(at)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(runsOf(t, st, "p")); n != 1 {
		t.Fatalf("%d runs while paused, want the 1 from before", n)
	}
	if rec, _ := st.GetSchedule(ctx, "p"); !rec.Paused {
		t.Fatalf("record not paused: %+v", rec)
	}
	if _, err := s.Unpause(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := stepAndWait(t, s, utc("2026-11-28T14:10:00Z").Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// Missed 11:00, 12:00, 13:00 (bound 2 keeps 12:00 and 13:00), live 14:00.
	want := []string{"09:00 schedule success", "11:00 schedule success", "12:00 schedule success", "13:00 schedule success"}
	if got := describe(runsOf(t, st, "p")); !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if _, err := s.Pause(ctx, "nope"); !errors.Is(err, ErrUnknownPipeline) {
		t.Errorf("Pause(nope) = %v, want ErrUnknownPipeline", err)
	}
}

// A backfill queues every interval in range, then runs them oldest first,
// at most max_active_runs at a time; intervals with a run are left alone.
func TestBackfill(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var x executions
	exec := &testExec{st: st, owner: "a:1", gate: make(chan struct{})}
	clock := newFakeClock(utc("2026-11-28T10:00:00Z"))
	s := newTestScheduler(t, st, clock, exec, Pipeline{DAG: dag("ondemand", x.task("work")), Interval: time.Hour,
		Policy: schedule.Policy{MaxActiveRuns: 2}})
	// One interval already has a run.
	if _, _, err := st.CreateRun(ctx, pipeline.Run{Pipeline: "ondemand", Interval: pipeline.Interval{Start: utc("2026-11-28T02:00:00Z"), End: utc("2026-11-28T03:00:00Z")}, State: pipeline.Success}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Backfill(ctx, "ondemand", utc("2026-11-28T00:30:00Z"), utc("2026-11-28T07:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	// [00:30, 07:00] holds the whole intervals 01:00..06:00.
	if b.Slots != 6 || b.Created != 5 || !b.First.Start.Equal(utc("2026-11-28T01:00:00Z")) || !b.Last.End.Equal(utc("2026-11-28T07:00:00Z")) {
		t.Errorf("backfill = %+v", b)
	}
	queued, _ := st.CountRuns(ctx, store.RunFilter{Pipeline: "ondemand", States: []pipeline.State{pipeline.Queued}, Triggers: []pipeline.RunTrigger{pipeline.TriggerBackfill}})
	if queued != 5 {
		t.Errorf("%d backfill runs queued, want 5", queued)
	}
	if _, err := s.step(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	for done := 0; done < 5; done++ {
		waitFor(t, func() bool { return exec.runningNow() == min(2, 5-done) })
		exec.gate <- struct{}{}
		waitFor(t, func() bool { return len(runsOf(t, st, "ondemand")) == 6 && s.InFlight() == min(2, 5-done)-1 })
		if _, err := s.step(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	s.runs.Wait()
	if exec.maxRunning != 2 {
		t.Errorf("at most %d backfill runs at once, want 2", exec.maxRunning)
	}
	// The first two start together (in either order), then one per run ended.
	slices.Sort(exec.started[:2])
	if want := []string{"ondemand 11-28T01:00", "ondemand 11-28T03:00", "ondemand 11-28T04:00", "ondemand 11-28T05:00", "ondemand 11-28T06:00"}; !slices.Equal(exec.started, want) {
		t.Errorf("started %v, want %v", exec.started, want)
	}
	want := []string{"01:00 backfill success", "02:00 manual success", "03:00 backfill success", "04:00 backfill success", "05:00 backfill success", "06:00 backfill success"}
	if got := describe(runsOf(t, st, "ondemand")); !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}

	for _, tc := range []struct {
		name     string
		from, to string
		want     error
		msg      string
	}{
		{"ondemand", "2026-11-28T05:00:00Z", "2026-11-28T05:00:00Z", ErrInvalid, "is not after"},
		{"ondemand", "2026-11-28T05:00:00Z", "2026-11-29T05:00:00Z", ErrInvalid, "in the future"},
		{"ondemand", "2026-11-28T05:10:00Z", "2026-11-28T05:50:00Z", ErrInvalid, "no complete interval"},
		{"ondemand", "2020-01-01T00:00:00Z", "2026-11-28T05:00:00Z", ErrInvalid, "more than 10000"},
		{"nope", "2026-11-28T05:00:00Z", "2026-11-28T06:00:00Z", ErrUnknownPipeline, `"nope"`},
	} {
		_, err := s.Backfill(ctx, tc.name, utc(tc.from), utc(tc.to))
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Backfill(%s, %s, %s) = %v, want %v containing %q", tc.name, tc.from, tc.to, err, tc.want, tc.msg)
		}
	}
}

// A trigger runs the latest complete interval at once; a second trigger
// while it runs is refused; one after it ended resumes the same run.
func TestTrigger(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var x executions
	exec := &testExec{st: st, owner: "a:1", gate: make(chan struct{})}
	clock := newFakeClock(utc("2026-11-28T10:20:00Z"))
	s := newTestScheduler(t, st, clock, exec, Pipeline{DAG: dag("hourly", x.task("work")), Schedule: mustSchedule(t, "@hourly")})
	tr, err := s.Trigger(ctx, "hourly", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Created || tr.Run.Trigger != pipeline.TriggerManual || !tr.Run.Interval.Start.Equal(utc("2026-11-28T09:00:00Z")) || !tr.Run.Interval.End.Equal(utc("2026-11-28T10:00:00Z")) {
		t.Errorf("trigger = %+v", tr)
	}
	waitFor(t, func() bool { return exec.runningNow() == 1 })
	if _, err := s.Trigger(ctx, "hourly", nil, false); !errors.Is(err, ErrRunActive) {
		t.Errorf("second trigger: %v, want ErrRunActive", err)
	}
	exec.gate <- struct{}{}
	s.runs.Wait()
	again, err := s.Trigger(ctx, "hourly", nil, false)
	if err != nil || again.Created || again.Run.ID != tr.Run.ID {
		t.Errorf("trigger after the end = %+v, %v; want the same run resumed", again, err)
	}
	exec.gate <- struct{}{}
	s.runs.Wait()
	if n := x.get("hourly " + tr.Run.Interval.String()); n != 2 {
		t.Errorf("executed %d times, want 2", n)
	}
	iv := pipeline.Interval{Start: utc("2026-11-01T00:00:00Z"), End: utc("2026-11-02T00:00:00Z")}
	explicit, err := s.Trigger(ctx, "hourly", &iv, false)
	if err != nil || explicit.Run.Interval != iv {
		t.Errorf("explicit trigger = %+v, %v", explicit, err)
	}
	exec.gate <- struct{}{}
	s.runs.Wait()
	bad := pipeline.Interval{Start: iv.End, End: iv.Start}
	if _, err := s.Trigger(ctx, "hourly", &bad, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("reversed interval: %v, want ErrInvalid", err)
	}
	if _, err := s.Trigger(ctx, "nope", nil, false); !errors.Is(err, ErrUnknownPipeline) {
		t.Errorf("unknown pipeline: %v", err)
	}
}

// The database goes away: ticks fail and Ready says so, no slot is lost,
// and when it returns the due slot runs. A slot whose run could not be
// created after it was decided stays pending and is created later.
func TestStoreOutage(t *testing.T) {
	ctx := context.Background()
	st := &flakyStore{Store: openSQLite(t)}
	var x executions
	exec := &testExec{st: st.Store, owner: "a:1"}
	clock := newFakeClock(utc("2026-11-28T10:00:30Z"))
	s := newTestScheduler(t, st, clock, exec, Pipeline{DAG: dag("p", x.task("work")), Schedule: mustSchedule(t, "@hourly")})
	s.running = true // as if Run were looping
	if err := stepAndWait(t, s, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready = %v", err)
	}
	st.down.Store(true)
	if err := stepAndWait(t, s, utc("2026-11-28T11:00:01Z")); !errors.Is(err, errDown) {
		t.Fatalf("step while down = %v", err)
	}
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Ready while down = %v", err)
	}
	st.down.Store(false)
	// Back up a little later: the 11:00 slot still runs, on time or late.
	if err := stepAndWait(t, s, utc("2026-11-28T11:00:05Z")); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after = %v", err)
	}
	// The 12:00 slot is decided, but creating its run fails.
	st.createDown.Store(true)
	if err := stepAndWait(t, s, utc("2026-11-28T12:00:01Z")); !errors.Is(err, errDown) {
		t.Fatalf("step with CreateRun down = %v", err)
	}
	rec, _ := st.GetSchedule(ctx, "p")
	if !strings.Contains(rec.State, `"pending":["2026-11-28T12:00:00Z"]`) {
		t.Errorf("state after a failed create: %s", rec.State)
	}
	st.createDown.Store(false)
	if err := stepAndWait(t, s, utc("2026-11-28T12:00:03Z")); err != nil {
		t.Fatal(err)
	}
	want := []string{"09:00 schedule success", "10:00 schedule success", "11:00 schedule success"}
	if got := describe(runsOf(t, st, "p")); !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if rec, _ := st.GetSchedule(ctx, "p"); strings.Contains(rec.State, "pending") || rec.SkippedSlots != 0 {
		t.Errorf("state after recovery: %s, skipped %d", rec.State, rec.SkippedSlots)
	}
}

// The loop sleeps until the next slot (no polling), fires it when the
// clock gets there, and on shutdown cancels runs in flight, leaving them
// queued for the next start.
func TestLoopSleepsUntilNextSlotAndShutsDown(t *testing.T) {
	st := openSQLite(t)
	var x executions
	exec := &testExec{st: st, owner: "a:1", gate: make(chan struct{})}
	clock := newFakeClock(utc("2026-11-28T10:20:00Z"))
	s, err := New([]Pipeline{{DAG: dag("p", x.task("work")), Schedule: mustSchedule(t, "0 * * * *")}},
		Options{Store: st, Executor: exec, Clock: clock, Logger: quietLogger(), SweepEvery: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	// First wake: 10:00 starts at once; then it sleeps 40 minutes, to 11:00.
	if d := clock.waitAsked(t, 0); d != 40*time.Minute {
		t.Errorf("slept %s, want 40m until 11:00", d)
	}
	exec.gate <- struct{}{} // 10:00's run ends, the loop wakes, sleeps again
	n := clock.waitAsked(t, 1)
	if n != 40*time.Minute {
		t.Errorf("after the run ended: slept %s, want 40m", n)
	}
	asked := clock.askedCount()
	clock.Set(utc("2026-11-28T11:00:00Z"))
	// The 11:00 slot's run (interval 10:00) starts and is held by the gate.
	waitFor(t, func() bool {
		return slices.Equal(describe(runsOf(t, st, "p")), []string{"09:00 schedule success", "10:00 schedule running"})
	})
	clock.waitAsked(t, asked)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := describe(runsOf(t, st, "p")); !slices.Equal(got, []string{"09:00 schedule success", "10:00 schedule queued"}) {
		t.Errorf("after shutdown: %v", got)
	}
	if err := s.Ready(); !errors.Is(err, ErrStopped) {
		t.Errorf("Ready after shutdown = %v", err)
	}
	if _, err := s.Trigger(context.Background(), "p", nil, false); !errors.Is(err, ErrStopped) {
		t.Errorf("Trigger after shutdown = %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	st := openSQLite(t)
	exec := &testExec{st: st, owner: "a:1"}
	var x executions
	_, err := New([]Pipeline{
		{DAG: dag("a", x.task("w")), Schedule: mustSchedule(t, "@hourly")},
		{DAG: dag("a", x.task("w")), Schedule: mustSchedule(t, "@hourly")},
		{DAG: dag("b", x.task("w"))},
		{DAG: dag("c", x.task("w")), Interval: 90 * time.Second},
		{DAG: dag("", x.task("w")), Interval: time.Hour},
	}, Options{Store: st, Executor: exec})
	for _, want := range []string{`pipeline "a" is defined twice`, `pipeline "b" has neither a schedule nor an interval`, `pipeline "c": interval 1m30s is not a whole number of minutes`, "pipeline has no name"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error %v, want it to mention %q", err, want)
		}
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func histogram(o prometheus.Observer) *dto.Histogram {
	var m dto.Metric
	if err := o.(prometheus.Metric).Write(&m); err != nil {
		panic(err)
	}
	return m.GetHistogram()
}
