package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
)

// record is the scheduler's JSON document in a ScheduleRecord.
type record struct {
	schedule.State
	// Pending are slots decided to start whose runs may not be created
	// yet: written before the runs are created and cleared after, so a
	// crash or a database outage in between loses no slot.
	Pending []time.Time `json:"pending,omitempty"`
	// CatchupSlot is the latest catch-up slot started: catch-up runs go
	// one at a time, so the next waits until this one's run has ended.
	CatchupSlot time.Time `json:"catchup_slot,omitzero"`
}

func decode(rec store.ScheduleRecord) (record, error) {
	var r record
	if rec.State == "" {
		return r, nil
	}
	if err := json.Unmarshal([]byte(rec.State), &r); err != nil {
		return r, fmt.Errorf("schedule state of %s (version %d) is not valid JSON: %w", rec.Pipeline, rec.Version, err)
	}
	return r, nil
}

func encode(r record) string {
	b, _ := json.Marshal(r) // times and slices of times always marshal
	return string(b)
}

// casRetries bounds how often one tick re-reads a record another scheduler
// keeps changing; each conflict means the other made progress.
const casRetries = 8

var activeStates = []pipeline.State{pipeline.Queued, pipeline.Running}

// tickPipeline does one scheduling step for p at now and returns when it
// next needs a look (its next slot; zero: only on events).
func (s *Scheduler) tickPipeline(ctx context.Context, p *Pipeline, now time.Time) (time.Time, error) {
	if err := s.dispatchBacklog(ctx, p); err != nil {
		return now, err
	}
	if p.Schedule == nil {
		return time.Time{}, nil
	}
	next := p.Schedule.Next(now)
	for try := 0; ; try++ {
		if try > casRetries {
			return now, fmt.Errorf("schedule record keeps changing under this tick: %w", store.ErrConflict)
		}
		rec, err := s.st.GetSchedule(ctx, p.Name())
		if err != nil {
			return now, err
		}
		r, err := decode(rec)
		if err != nil {
			// A corrupt document must not stop the pipeline forever:
			// start over as a new pipeline (its latest slot is due).
			s.log.Error("scheduler: resetting unreadable schedule state", "pipeline", p.Name(), "err", err)
			r = record{}
		}
		if rec.Paused {
			return next, nil
		}
		if len(r.Pending) > 0 {
			// An earlier tick decided these but did not get to create them.
			if err := s.createPending(ctx, p, r.Pending); err != nil {
				return now, err
			}
			continue // re-read: createPending rewrote the record
		}
		active, err := s.st.CountRuns(ctx, store.RunFilter{Pipeline: p.Name(), States: activeStates,
			Triggers: []pipeline.RunTrigger{pipeline.TriggerSchedule, pipeline.TriggerManual}})
		if err != nil {
			return now, err
		}
		catchupActive, err := s.catchupActive(ctx, p, r.CatchupSlot)
		if err != nil {
			return now, err
		}
		d := schedule.Tick(p.Schedule, p.Policy, r.State, now, active, catchupActive)
		nr := record{State: d.State, Pending: d.Start, CatchupSlot: r.CatchupSlot}
		live := append(slices.Clone(r.Waiting), d.State.Cursor)
		for _, slot := range d.Start {
			if !slices.ContainsFunc(live, slot.Equal) {
				nr.CatchupSlot = slot
			}
		}
		if encode(nr) == encode(r) && len(d.Skipped) == 0 && rec.Version > 0 {
			return next, nil // nothing new: no write
		}
		rec.State = encode(nr)
		rec.SkippedSlots += int64(len(d.Skipped))
		if n := len(d.Skipped); n > 0 {
			rec.LastSkipReason = d.Skipped[n-1].Slot.UTC().Format(time.RFC3339) + ": " + d.Skipped[n-1].Reason
			at := now.UTC()
			rec.LastSkipAt = &at
		}
		if _, err := s.st.SaveSchedule(ctx, rec); errors.Is(err, store.ErrConflict) {
			continue // another scheduler decided first: decide again from its record
		} else if err != nil {
			return now, err
		}
		// Only the writer that won counts the skips, so each counts once.
		for _, sk := range d.Skipped {
			s.log.Warn("scheduler: slot skipped", "pipeline", p.Name(), "slot", sk.Slot.UTC(), "reason", sk.Reason)
			if s.o.Metrics != nil {
				s.o.Metrics.SlotSkipped(p.Name(), skipLabel(sk.Reason))
			}
		}
		if len(d.Start) == 0 {
			return next, nil
		}
		return next, s.createPending(ctx, p, d.Start)
	}
}

// skipLabel keeps the metric's reason label to a few values.
func skipLabel(reason string) string {
	switch {
	case len(reason) >= 5 && reason[:5] == "older":
		return "catchup_window"
	case len(reason) >= 6 && reason[:6] == "beyond":
		return "catchup_bound"
	}
	return "overlap"
}

// catchupActive reports whether the latest catch-up slot's run has not
// ended yet (or is still to be created).
func (s *Scheduler) catchupActive(ctx context.Context, p *Pipeline, slot time.Time) (bool, error) {
	if slot.IsZero() {
		return false, nil
	}
	run, err := s.st.FindRun(ctx, p.Name(), p.Schedule.Interval(slot))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return run.State == pipeline.Queued || run.State == pipeline.Running, nil
}

// createPending creates the runs of pending slots, oldest first, starts
// those it created, and then clears them from the record. A slot whose run
// exists already (another scheduler created it, or someone triggered that
// interval by hand) is not started here: whoever created it runs it.
func (s *Scheduler) createPending(ctx context.Context, p *Pipeline, pending []time.Time) error {
	var done []time.Time
	var createErr error
	for _, slot := range pending {
		iv := p.Schedule.Interval(slot)
		run, created, err := s.st.CreateRun(ctx, pipeline.Run{Pipeline: p.Name(), Interval: iv,
			State: pipeline.Queued, Trigger: pipeline.TriggerSchedule, Owner: s.owner})
		if err != nil {
			createErr = fmt.Errorf("create run for slot %s: %w", slot.UTC().Format(time.RFC3339), err)
			break
		}
		done = append(done, slot)
		if !created {
			s.log.Info("scheduler: slot already has a run, not starting another", "pipeline", p.Name(),
				"slot", slot.UTC(), "run_id", run.ID, "trigger", run.Trigger, "state", run.State)
			continue
		}
		s.dispatch(p, run, RunOptions{Trigger: pipeline.TriggerSchedule}, slot)
	}
	if len(done) == 0 {
		return createErr
	}
	// Clear what was handled; the record may have moved on meanwhile.
	for try := 0; ; try++ {
		rec, err := s.st.GetSchedule(ctx, p.Name())
		if err != nil {
			return errors.Join(createErr, err)
		}
		r, err := decode(rec)
		if err != nil {
			return errors.Join(createErr, err)
		}
		kept := slices.DeleteFunc(slices.Clone(r.Pending), func(t time.Time) bool { return slices.ContainsFunc(done, t.Equal) })
		if len(kept) == len(r.Pending) {
			return createErr // someone else cleared them
		}
		r.Pending = kept
		rec.State = encode(r)
		if _, err := s.st.SaveSchedule(ctx, rec); errors.Is(err, store.ErrConflict) && try < casRetries {
			continue
		} else if err != nil {
			return errors.Join(createErr, err)
		}
		return createErr
	}
}
