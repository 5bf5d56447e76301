// Package scheduler is the daemon behind `memepipe serve`: it fires each
// pipeline's schedule slots, catches up after downtime, enforces
// max_active_runs and the overlap policy, runs on-demand triggers and
// ranged backfills, and hands every run to the engine.
//
// The loop is event-driven: it sleeps until the next slot of any pipeline,
// a finished run, a trigger, a pause or the periodic sweep, never polling
// every second. What it decides per pipeline (schedule.Tick) is kept in the
// store as a ScheduleRecord, written by compare-and-swap, and each slot's
// run is created under the store's unique (pipeline, interval) key: two
// `memepipe serve` processes on one PostgreSQL never run a slot twice.
//
// A slot is never lost to a database outage: slots to start are first
// recorded as pending in the schedule record, then created as runs, then
// cleared; a slot whose run could not be created stays pending (or, if
// even the record could not be written, stays due) and is retried with
// backoff until the database answers again.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"memepipe/metrics"
	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
)

// Errors the API maps to HTTP statuses.
var (
	// ErrUnknownPipeline: no pipeline of that name is configured (404).
	ErrUnknownPipeline = errors.New("unknown pipeline")
	// ErrInvalid: the request cannot be done as asked (400).
	ErrInvalid = errors.New("invalid request")
	// ErrRunActive: the interval's run is already queued or running (409).
	ErrRunActive = errors.New("run is already active")
	// ErrStopped: the scheduler is shutting down (503).
	ErrStopped = errors.New("scheduler is shutting down")
	// ErrClaimed is what an Executor's error wraps when another live
	// process owns the run: not a failure, someone else is running it.
	ErrClaimed = errors.New("run is owned by another live process")
)

// RunOptions are a run's per-run choices, as the engine takes them.
type RunOptions struct {
	Trigger pipeline.RunTrigger
	// Rerun gives every task a new attempt, even those that succeeded.
	Rerun bool
}

// Executor runs one run of dag for iv to completion (the engine). It
// creates or resumes the run under the (pipeline, interval) key, claims it
// for Owner(), and returns an error wrapping ErrClaimed when another live
// process owns it.
type Executor interface {
	Run(ctx context.Context, dag *pipeline.DAG, iv pipeline.Interval, o RunOptions) (pipeline.Run, error)
	// Owner is the name the executor records as the owner of its runs;
	// the scheduler creates runs under it, so the executor's claim of a run
	// the scheduler just created succeeds and nobody else's does.
	Owner() string
}

// Pipeline is what the scheduler knows about one pipeline.
type Pipeline struct {
	DAG *pipeline.DAG
	// Schedule fires the pipeline's slots; nil: on demand only.
	Schedule *schedule.Schedule
	// Interval is the data interval of an on-demand pipeline's runs
	// (intervals aligned to multiples of it); unused with a Schedule, whose
	// slots define the intervals.
	Interval time.Duration
	Policy   schedule.Policy
}

// Name is the DAG's name.
func (p *Pipeline) Name() string { return p.DAG.Name }

// Options configure a Scheduler.
type Options struct {
	Store    store.Store
	Executor Executor
	// Metrics, when set, receives skipped slots, schedule lag and run counts.
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	Clock   Clock
	// SweepEvery is how often runs left behind are looked for: queued
	// backfill runs, runs left queued by a graceful shutdown, runs whose
	// owner died (default 30s, the engine's zombie threshold).
	SweepEvery time.Duration
	// ZombieAfter: a run whose owner has not heartbeated for this long is
	// taken over by the sweep (default 30s, as the engine's).
	ZombieAfter time.Duration
	// MinBackoff and MaxBackoff bound the wait before retrying after the
	// store failed (defaults 1s and 30s, doubling).
	MinBackoff, MaxBackoff time.Duration
	// MaxBackfill caps the slots of one backfill request (default 10,000).
	MaxBackfill int
	// TickParallel is how many pipelines tick at once (default 8 on
	// PostgreSQL, 1 on SQLite).
	TickParallel int
	// OnRunFinished, when set, is called after each run the scheduler
	// started ends (the alerting hook).
	OnRunFinished func(pipeline.Run, error)
}

// Scheduler runs pipelines on their schedules.
type Scheduler struct {
	o      Options
	log    *slog.Logger
	clock  Clock
	st     store.Store
	exec   Executor
	owner  string
	order  []string
	byName map[string]*Pipeline

	wake chan struct{}

	// Runs started by this scheduler live on runCtx, cancelled at shutdown
	// (the engine then gives running tasks its grace period).
	runCtx     context.Context
	cancelRuns context.CancelFunc
	runs       sync.WaitGroup

	mu       sync.Mutex
	stopped  bool
	running  bool
	inflight map[string]string // run id -> pipeline
	dirty    map[string]bool   // pipelines to tick at the next wake
	nextDue  map[string]time.Time
	lastErr  error // of the last tick; nil when the store answered
	lastTick time.Time
	sweepAt  time.Time
}

// New returns a scheduler for pipelines (names unique, DAGs valid).
func New(pipelines []Pipeline, o Options) (*Scheduler, error) {
	if o.Store == nil || o.Executor == nil {
		return nil, errors.New("scheduler: a store and an executor are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = 30 * time.Second
	}
	if o.ZombieAfter <= 0 {
		o.ZombieAfter = 30 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.TickParallel <= 0 {
		o.TickParallel = 1
		if o.Store.Dialect() == "postgres" {
			o.TickParallel = 8
		}
	}
	if o.MaxBackfill <= 0 {
		o.MaxBackfill = 10_000
	}
	s := &Scheduler{
		o: o, log: o.Logger.With("component", "scheduler"), clock: o.Clock, st: o.Store, exec: o.Executor,
		owner: o.Executor.Owner(), byName: map[string]*Pipeline{},
		wake: make(chan struct{}, 1), inflight: map[string]string{}, dirty: map[string]bool{}, nextDue: map[string]time.Time{},
	}
	var errs []error
	for i := range pipelines {
		p := pipelines[i]
		if p.DAG == nil {
			errs = append(errs, fmt.Errorf("pipelines[%d]: no DAG", i))
			continue
		}
		if err := p.DAG.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("pipeline %q: %w", p.DAG.Name, err))
			continue
		}
		if _, dup := s.byName[p.Name()]; dup {
			errs = append(errs, fmt.Errorf("pipeline %q is defined twice", p.Name()))
			continue
		}
		if p.Schedule == nil && p.Interval <= 0 {
			errs = append(errs, fmt.Errorf("pipeline %q has neither a schedule nor an interval", p.Name()))
			continue
		}
		if p.Schedule == nil && p.Interval%time.Minute != 0 {
			errs = append(errs, fmt.Errorf("pipeline %q: interval %s is not a whole number of minutes", p.Name(), p.Interval))
			continue
		}
		p.Policy = p.Policy.WithDefaults()
		s.byName[p.Name()] = &p
		s.order = append(s.order, p.Name())
		s.dirty[p.Name()] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	s.runCtx, s.cancelRuns = context.WithCancel(context.Background())
	return s, nil
}

// Pipeline returns the named pipeline.
func (s *Scheduler) Pipeline(name string) (*Pipeline, error) {
	p, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownPipeline, name)
	}
	return p, nil
}

// Names lists the pipelines in configuration order.
func (s *Scheduler) Names() []string { return append([]string(nil), s.order...) }

// Wake makes the loop look at pipeline name (all when "") now.
func (s *Scheduler) Wake(name string) {
	s.mu.Lock()
	if name == "" {
		for _, n := range s.order {
			s.dirty[n] = true
		}
	} else {
		s.dirty[name] = true
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run runs the loop until ctx is done, then shuts down gracefully: no new
// slots are fired, runs in flight are cancelled (the executor gives their
// tasks its grace period and leaves them resumable) and awaited.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running || s.stopped {
		s.mu.Unlock()
		return errors.New("scheduler: Run called twice")
	}
	s.running = true
	s.mu.Unlock()
	defer s.shutdown()

	backoff := time.Duration(0)
	for {
		now := s.clock.Now()
		wait, err := s.step(ctx, now)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if backoff == 0 {
				backoff = s.o.MinBackoff
			} else {
				backoff = min(2*backoff, s.o.MaxBackoff)
			}
			s.log.Error("scheduler: store unavailable, retrying", "retry_in", backoff, "err", err)
			wait = min(wait, backoff)
		} else {
			if backoff > 0 {
				s.log.Info("scheduler: store is back, resuming")
			}
			backoff = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-s.clock.After(max(wait, 0)):
		}
	}
}

func (s *Scheduler) shutdown() {
	s.mu.Lock()
	s.stopped = true
	s.running = false
	n := len(s.inflight)
	s.mu.Unlock()
	if n > 0 {
		s.log.Info("scheduler: stopping, cancelling runs in flight", "runs", n)
	}
	s.cancelRuns()
	s.runs.Wait()
}

// step ticks the pipelines that are due or dirty, sweeps when it is time,
// and returns how long to sleep.
func (s *Scheduler) step(ctx context.Context, now time.Time) (time.Duration, error) {
	s.mu.Lock()
	var todo []string
	for _, name := range s.order {
		if s.dirty[name] || !now.Before(s.nextDue[name]) {
			todo = append(todo, name)
			delete(s.dirty, name)
		}
	}
	sweep := !now.Before(s.sweepAt)
	s.mu.Unlock()

	// Pipelines tick concurrently (their records are independent), a few
	// at a time on PostgreSQL: with a hundred pipelines sharing a slot, the
	// last one's run then starts after a few ticks' worth of queries, not
	// a hundred. SQLite has one writer: there concurrency only adds
	// contention (measured: p99 slot-to-start 66 ms one at a time, 160 ms
	// eight at a time, 100 pipelines), so they tick one at a time.
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.o.TickParallel)
	for _, name := range todo {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			next, err := s.tickPipeline(ctx, s.byName[name], now)
			s.mu.Lock()
			defer s.mu.Unlock()
			if err != nil {
				s.dirty[name] = true // retried after the backoff
				errs = append(errs, fmt.Errorf("pipeline %s: %w", name, err))
			}
			s.nextDue[name] = next
		}()
	}
	wg.Wait()
	if sweep {
		if err := s.sweep(ctx); err != nil {
			errs = append(errs, err)
		} else {
			s.mu.Lock()
			s.sweepAt = now.Add(s.o.SweepEvery)
			s.mu.Unlock()
		}
	}
	err := errors.Join(errs...)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = err
	s.lastTick = now
	wake := s.sweepAt
	for _, name := range s.order {
		if t := s.nextDue[name]; !t.IsZero() && t.Before(wake) {
			wake = t
		}
	}
	return wake.Sub(now), err
}

// Ready reports whether the scheduler is working: its loop runs and the
// store answered its last tick (for /readyz).
func (s *Scheduler) Ready() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopped:
		return ErrStopped
	case !s.running:
		return errors.New("scheduler is not running")
	case s.lastErr != nil:
		return fmt.Errorf("scheduler: last tick at %s failed: %w", s.lastTick.UTC().Format(time.RFC3339), s.lastErr)
	}
	return nil
}

// InFlight is the number of runs this scheduler is running now.
func (s *Scheduler) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inflight)
}
