// Package engine runs one DAG run for one data interval: it picks ready
// tasks by trigger rule, runs them concurrently within a global limit and
// per-pool limits, retries transient failures with backoff and jitter,
// enforces per-attempt timeouts, heartbeats while tasks run, recovers
// attempts left running by a dead process, and stops gracefully on
// cancellation so that a later Run of the same interval resumes.
//
// The engine knows nothing about what tasks do: it calls pipeline.Runner.
// Everything it records goes through store.Runs, one row per attempt.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

// Options configure an Engine. The zero value of every field is a sane default.
type Options struct {
	// MaxParallel caps the attempts running at once across every run of
	// this engine. Default runtime.NumCPU()*4: memepipe's tasks mostly wait
	// on the network or on a child process, so a few per core keep the
	// machine busy, while a small multiple keeps a 200-task fan-out from
	// opening 200 connections to one rate-limited API or queueing 200
	// writers on SQLite's single write lock.
	MaxParallel int
	// Pools caps the attempts running at once per pool (Task.Pool). The
	// default pool "" and pools missing here are unlimited (beyond
	// MaxParallel); a limit <= 0 is also unlimited.
	Pools map[string]int
	// HeartbeatEvery is how often running runs and attempts heartbeat, and
	// how often a running attempt's log so far is saved (default 5s).
	HeartbeatEvery time.Duration
	// ZombieAfter: a run whose owner's heartbeat is older than this is
	// taken over by the next Run of its interval, and its running attempts
	// are marked dead (default 30s, six missed heartbeats).
	ZombieAfter time.Duration
	// Grace is how long running attempts may keep going after the run's
	// context is cancelled before their own context is cancelled (default 10s).
	Grace time.Duration
	// AbandonAfter is how long the engine waits for a task to return once
	// its context is done (timeout or cancellation) before recording the
	// attempt and moving on without it (default 5s). A Go task that ignores
	// its context would otherwise hold the run forever; commands are killed.
	AbandonAfter time.Duration
	// LogLimit caps each attempt's stored log to its last LogLimit bytes
	// (default 1 MiB).
	LogLimit int
	// Redact, when set, scrubs known secret values from every attempt's
	// stored error and log: a team's script that prints its API key must
	// not put it in the database or the UI.
	Redact func(string) string
	// Owner names this process in the store, "host:pid" by default. On the
	// same host, a pid that no longer exists is known dead at once.
	Owner string
	// Logger receives the engine's lines; each carries run_id, task and
	// attempt (task "" and attempt 0 on run-level lines). Default slog.Default().
	Logger *slog.Logger
	// Observe, when set, receives every Event in order, from one goroutine
	// per run, so a slow observer delays its own events, never the engine.
	// Run returns after the run's last event has been delivered.
	Observe func(Event)
	// Now, After and Rand are the engine's clock and randomness (defaults:
	// time.Now, time.After, math/rand/v2.Float64). Tests swap them for a
	// fake clock and deterministic jitter. After drives retry waits,
	// heartbeats, SLA checks, the grace period and AbandonAfter; a task's
	// Timeout is a context deadline and runs on real time.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	Rand  func() float64
}

// RunOptions are per-run choices.
type RunOptions struct {
	// Trigger records why the run exists (default manual).
	Trigger pipeline.RunTrigger
	// Rerun gives every task a new attempt, even those that succeeded in an
	// earlier execution of the run; earlier attempts stay in the history.
	Rerun bool
}

// ErrClaimed is returned (wrapped) by Run when another live process owns the run.
var ErrClaimed = errors.New("run is owned by another live process")

// ErrActive is returned (wrapped) by Run when this engine is already running the run.
var ErrActive = errors.New("run is already being run by this engine")

// Engine runs DAG runs. One Engine may run many runs at once; they share
// its global and pool limits.
type Engine struct {
	st store.Runs
	o  Options

	global chan struct{}
	pools  map[string]chan struct{}

	mu     sync.Mutex
	active map[string]bool
}

// New returns an engine that records runs in st.
func New(st store.Runs, o Options) *Engine {
	if o.MaxParallel <= 0 {
		o.MaxParallel = runtime.NumCPU() * 4
	}
	if o.HeartbeatEvery <= 0 {
		o.HeartbeatEvery = 5 * time.Second
	}
	if o.ZombieAfter <= 0 {
		o.ZombieAfter = 30 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	if o.AbandonAfter <= 0 {
		o.AbandonAfter = 5 * time.Second
	}
	if o.LogLimit <= 0 {
		o.LogLimit = 1 << 20
	}
	if o.Redact == nil {
		o.Redact = func(s string) string { return s }
	}
	if o.Owner == "" {
		o.Owner = DefaultOwner()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	e := &Engine{st: st, o: o, global: make(chan struct{}, o.MaxParallel), pools: map[string]chan struct{}{}, active: map[string]bool{}}
	for name, n := range o.Pools {
		if n > 0 {
			e.pools[name] = make(chan struct{}, n)
		}
	}
	return e
}

// DefaultOwner is "host:pid" for this process.
func DefaultOwner() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}

// Owner is the name this engine records as the owner of its runs.
func (e *Engine) Owner() string { return e.o.Owner }

// now is the clock in UTC to the microsecond, the precision both stores
// keep, so times in events and in returned runs equal what a read returns.
func (e *Engine) now() time.Time { return e.o.Now().UTC().Truncate(time.Microsecond) }

// acquire takes a slot in the task's pool, then a global slot. Pool first:
// an attempt waiting for a full pool must not sit on a global slot that a
// task of another pool could use.
func (e *Engine) acquire(ctx context.Context, pool string) (release func(), err error) {
	p := e.pools[pool]
	if p != nil {
		select {
		case p <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case e.global <- struct{}{}:
	case <-ctx.Done():
		if p != nil {
			<-p
		}
		return nil, ctx.Err()
	}
	// Both slots may have been free at the moment ctx was cancelled, and
	// select picks at random: do not start anything once stopping.
	if err := ctx.Err(); err != nil {
		<-e.global
		if p != nil {
			<-p
		}
		return nil, err
	}
	return func() {
		<-e.global
		if p != nil {
			<-p
		}
	}, nil
}

func (e *Engine) activate(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active[id] {
		return false
	}
	e.active[id] = true
	return true
}

func (e *Engine) deactivate(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.active, id)
}
