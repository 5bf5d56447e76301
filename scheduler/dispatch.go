package scheduler

import (
	"context"
	"errors"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

// dispatch runs run on the executor in its own goroutine. slot is the
// schedule slot the run is for (zero for on-demand and backfill runs), so
// the lag from slot to start is measured.
func (s *Scheduler) dispatch(p *Pipeline, run pipeline.Run, o RunOptions, slot time.Time) bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	if _, busy := s.inflight[run.ID]; busy {
		s.mu.Unlock()
		return false
	}
	s.inflight[run.ID] = p.Name()
	s.runs.Add(1)
	s.mu.Unlock()

	go func() {
		defer s.runs.Done()
		// Runs and attempts are counted from the engine's events (package
		// observe); the lag from slot to start only the scheduler knows.
		if s.o.Metrics != nil && !slot.IsZero() {
			s.o.Metrics.ScheduleLag.WithLabelValues(p.Name()).Observe(s.clock.Now().Sub(slot).Seconds())
		}
		s.log.Info("scheduler: starting run", "pipeline", p.Name(), "run_id", run.ID, "interval", run.Interval.String(), "trigger", o.Trigger)
		got, err := s.exec.Run(s.runCtx, p.DAG, run.Interval, o)
		switch {
		case errors.Is(err, ErrClaimed):
			// A live peer runs it (the sweep asked in case it had died).
			s.log.Debug("scheduler: run is another process's", "pipeline", p.Name(), "run_id", run.ID, "err", err)
			s.mu.Lock()
			delete(s.inflight, run.ID)
			s.mu.Unlock()
			return
		case err != nil && s.runCtx.Err() != nil:
			s.log.Info("scheduler: run interrupted by shutdown; it resumes on the next start", "pipeline", p.Name(), "run_id", run.ID)
		case err != nil:
			s.log.Warn("scheduler: run did not complete", "pipeline", p.Name(), "run_id", run.ID, "err", err)
		default:
			s.log.Info("scheduler: run finished", "pipeline", p.Name(), "run_id", got.ID, "state", got.State)
		}
		if s.o.OnRunFinished != nil {
			s.o.OnRunFinished(got, err)
		}
		s.mu.Lock()
		delete(s.inflight, run.ID)
		s.mu.Unlock()
		// A run ending may free a run slot for a buffered or catch-up slot
		// or the next backfill run.
		s.Wake(p.Name())
	}()
	return true
}

// busy reports whether this scheduler is running run id.
func (s *Scheduler) busy(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.inflight[id]
	return ok
}

// dispatchBacklog starts p's queued backfill runs, oldest first, while
// fewer than max_active_runs backfill runs are going. Backfill runs are
// created queued and unowned; taking one is a ClaimRun, atomic in the
// store, so two schedulers never start the same one.
func (s *Scheduler) dispatchBacklog(ctx context.Context, p *Pipeline) error {
	backfill := []pipeline.RunTrigger{pipeline.TriggerBackfill}
	queued, err := s.st.ListRuns(ctx, store.RunFilter{Pipeline: p.Name(), States: activeStates, Triggers: backfill,
		OldestFirst: true, Limit: p.Policy.MaxActiveRuns * 4})
	if err != nil {
		return err
	}
	going := 0
	var backlog []pipeline.Run
	for _, r := range queued {
		if r.State == pipeline.Queued && r.Owner == "" {
			backlog = append(backlog, r)
		} else {
			going++
		}
	}
	if len(backlog) == 0 {
		return nil
	}
	// The page may not hold every running backfill run; count them all.
	if going, err = s.st.CountRuns(ctx, store.RunFilter{Pipeline: p.Name(), States: []pipeline.State{pipeline.Running}, Triggers: backfill}); err != nil {
		return err
	}
	for _, r := range queued {
		if r.State == pipeline.Queued && r.Owner != "" {
			going++ // claimed, about to start
		}
	}
	for _, r := range backlog {
		if going >= p.Policy.MaxActiveRuns {
			break
		}
		ok, err := s.st.ClaimActiveRun(ctx, r.ID, s.owner, time.Time{})
		if err != nil {
			return err
		}
		if !ok {
			continue // another scheduler took it
		}
		if s.dispatch(p, r, RunOptions{Trigger: pipeline.TriggerBackfill}, time.Time{}) {
			going++
		}
	}
	return nil
}

// sweep resumes runs nobody is running: runs left queued and unowned by a
// graceful shutdown, runs created by a scheduler that died before starting
// them, runs whose owner stopped heartbeating. Queued backfill runs are the
// backlog's, not the sweep's.
func (s *Scheduler) sweep(ctx context.Context) error {
	// Heartbeats are stamped with the store's (real) clock, so staleness
	// is judged on real time even under a fake scheduler clock.
	staleBefore := time.Now().Add(-s.o.ZombieAfter)
	var errs []error
	for _, name := range s.order {
		p := s.byName[name]
		if err := s.dispatchBacklog(ctx, p); err != nil {
			errs = append(errs, err)
			continue
		}
		runs, err := s.st.ListRuns(ctx, store.RunFilter{Pipeline: name, States: activeStates, OldestFirst: true, Limit: 100})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range runs {
			if s.busy(r.ID) || (r.Trigger == pipeline.TriggerBackfill && r.Owner == "") {
				continue
			}
			// Claim it here, only while it is still active: the listing is
			// a snapshot, and the run may have ended since.
			ok, err := s.st.ClaimActiveRun(ctx, r.ID, s.owner, staleBefore)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !ok {
				continue // a live owner has it, or it ended
			}
			s.log.Info("scheduler: resuming a run nobody was running", "pipeline", name, "run_id", r.ID, "previous_owner", r.Owner)
			s.dispatch(p, r, RunOptions{Trigger: r.Trigger}, time.Time{})
		}
	}
	return errors.Join(errs...)
}
