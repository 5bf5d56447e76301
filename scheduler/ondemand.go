package scheduler

import (
	"context"
	"fmt"
	"time"

	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
)

// slots returns p's schedule, or for an on-demand pipeline one firing at
// every multiple of its interval.
func (p *Pipeline) slots() *schedule.Schedule {
	if p.Schedule != nil {
		return p.Schedule
	}
	s, err := schedule.Parse("@every "+p.Interval.String(), "")
	if err != nil {
		panic(err) // New checked the interval is whole minutes
	}
	return s
}

// LatestInterval is the interval of p's latest complete slot at now: what
// an on-demand run covers when no interval is given.
func (p *Pipeline) LatestInterval(now time.Time) pipeline.Interval {
	sch := p.slots()
	slot := sch.Prev(now.Add(time.Nanosecond))
	return sch.Interval(slot)
}

// Triggered is the answer to a trigger.
type Triggered struct {
	Run pipeline.Run
	// Created is false when the interval's run existed (it is resumed:
	// tasks that succeeded are kept, the others run again).
	Created bool
}

// Trigger starts an on-demand run of name for iv (nil: the latest
// complete slot) and returns at once; the run goes on in the background.
// The interval's run is created, or resumed when it exists and has ended;
// when it is queued or running, the error wraps ErrRunActive. Manual runs
// do not wait for max_active_runs: an operator asked for this one.
func (s *Scheduler) Trigger(ctx context.Context, name string, iv *pipeline.Interval, rerun bool) (Triggered, error) {
	p, err := s.Pipeline(name)
	if err != nil {
		return Triggered{}, err
	}
	var interval pipeline.Interval
	if iv == nil {
		interval = p.LatestInterval(s.clock.Now())
	} else {
		interval, err = pipeline.NewInterval(iv.Start, iv.End)
		if err != nil {
			return Triggered{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	if s.isStopped() {
		return Triggered{}, ErrStopped
	}
	run, created, err := s.st.CreateRun(ctx, pipeline.Run{Pipeline: name, Interval: interval, State: pipeline.Queued,
		Trigger: pipeline.TriggerManual, Owner: s.owner})
	if err != nil {
		return Triggered{}, err
	}
	if !created {
		if run.State == pipeline.Queued || run.State == pipeline.Running {
			return Triggered{Run: run}, fmt.Errorf("%w: run %s of %s for %s is %s", ErrRunActive, run.ID, name, interval, run.State)
		}
		// Ended: take it over (one of two concurrent triggers wins).
		ok, err := s.st.ClaimRun(ctx, run.ID, s.owner, time.Time{})
		if err != nil {
			return Triggered{}, err
		}
		if !ok {
			return Triggered{Run: run}, fmt.Errorf("%w: run %s of %s for %s was just taken by another process", ErrRunActive, run.ID, name, interval)
		}
	}
	if !s.dispatch(p, run, RunOptions{Trigger: run.Trigger, Rerun: rerun}, time.Time{}) {
		if s.isStopped() {
			return Triggered{Run: run, Created: created}, ErrStopped
		}
		return Triggered{Run: run}, fmt.Errorf("%w: run %s is being run by this process", ErrRunActive, run.ID)
	}
	return Triggered{Run: run, Created: created}, nil
}

func (s *Scheduler) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// Backfilled is the answer to a backfill request.
type Backfilled struct {
	Pipeline string    `json:"pipeline"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Slots is how many intervals lie in the range; Created of them got a
	// new run, the others had one already (and are left as they are).
	Slots   int `json:"slots"`
	Created int `json:"created"`
	// First and Last are the first and last intervals of the range.
	First pipeline.Interval `json:"first"`
	Last  pipeline.Interval `json:"last"`
}

// Backfill queues a run for every slot of name whose interval lies within
// [from, to], and returns once they are created; the runs are dispatched
// in order, at most max_active_runs at a time, in the background, as runs
// with trigger backfill. Being in the store, the queue survives restarts
// and is shared by every scheduler on the database. Intervals that have a
// run already are not touched (trigger one to re-run it).
func (s *Scheduler) Backfill(ctx context.Context, name string, from, to time.Time) (Backfilled, error) {
	p, err := s.Pipeline(name)
	if err != nil {
		return Backfilled{}, err
	}
	from, to = from.UTC(), to.UTC()
	if !to.After(from) {
		return Backfilled{}, fmt.Errorf("%w: backfill range: to %s is not after from %s", ErrInvalid, to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	if now := s.clock.Now(); to.After(now) {
		return Backfilled{}, fmt.Errorf("%w: backfill range ends at %s, in the future: only complete intervals can be backfilled", ErrInvalid, to.Format(time.RFC3339))
	}
	sch := p.slots()
	slots, more := sch.Slots(from, to, s.o.MaxBackfill+1)
	var ivs []pipeline.Interval
	for _, slot := range slots {
		if iv := sch.Interval(slot); !iv.Start.Before(from) {
			ivs = append(ivs, iv)
		}
	}
	if more || len(ivs) > s.o.MaxBackfill {
		return Backfilled{}, fmt.Errorf("%w: backfill range holds more than %d intervals of %s; split it", ErrInvalid, s.o.MaxBackfill, name)
	}
	if len(ivs) == 0 {
		return Backfilled{}, fmt.Errorf("%w: no complete interval of %s lies within [%s, %s]", ErrInvalid, name, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if s.isStopped() {
		return Backfilled{}, ErrStopped
	}
	b := Backfilled{Pipeline: name, From: from, To: to, Slots: len(ivs), First: ivs[0], Last: ivs[len(ivs)-1]}
	for _, iv := range ivs {
		_, created, err := s.st.CreateRun(ctx, pipeline.Run{Pipeline: name, Interval: iv, State: pipeline.Queued, Trigger: pipeline.TriggerBackfill})
		if err != nil {
			return b, fmt.Errorf("backfill %s: after queueing %d of %d runs: %w", name, b.Created, len(ivs), err)
		}
		if created {
			b.Created++
		}
	}
	s.log.Info("scheduler: backfill queued", "pipeline", name, "from", from, "to", to, "slots", b.Slots, "created", b.Created)
	s.Wake(name)
	return b, nil
}

// Pause stops scheduling name's slots (runs in flight go on). Slots that
// come due while paused are caught up on unpause, within the catch-up
// window and bound.
func (s *Scheduler) Pause(ctx context.Context, name string) (store.ScheduleRecord, error) {
	return s.setPaused(ctx, name, true)
}

// Unpause resumes scheduling name.
func (s *Scheduler) Unpause(ctx context.Context, name string) (store.ScheduleRecord, error) {
	return s.setPaused(ctx, name, false)
}

func (s *Scheduler) setPaused(ctx context.Context, name string, paused bool) (store.ScheduleRecord, error) {
	if _, err := s.Pipeline(name); err != nil {
		return store.ScheduleRecord{}, err
	}
	rec, err := s.st.SetPaused(ctx, name, paused)
	if err != nil {
		return rec, err
	}
	s.log.Info("scheduler: pipeline paused", "pipeline", name, "paused", paused)
	s.Wake(name)
	return rec, nil
}
