package engine

import (
	"sync"
	"time"

	"memepipe/pipeline"
)

// EventKind says what happened.
type EventKind int

const (
	RunStarted   EventKind = iota + 1 // the run was claimed and starts (or resumes)
	TaskStarted                       // an attempt started (TaskRun: the attempt, state running)
	TaskRetrying                      // an attempt failed and another follows after Wait (TaskRun: up_for_retry)
	TaskFinished                      // a task reached a state for this execution: success, failed, timed_out, skipped, upstream_failed, or up_for_retry when interrupted by cancellation
	RunFinished                       // the run ended (Run.State success or failed), or was interrupted (Err set, Run.State queued)
	SLAMissed                         // a task (Task set) or the run (Task "") is still not done at its SLA
)

func (k EventKind) String() string {
	switch k {
	case RunStarted:
		return "run_started"
	case TaskStarted:
		return "task_started"
	case TaskRetrying:
		return "task_retrying"
	case TaskFinished:
		return "task_finished"
	case RunFinished:
		return "run_finished"
	case SLAMissed:
		return "sla_missed"
	}
	return "unknown"
}

// Event is one step of a run, for progress displays, metrics and alerts.
type Event struct {
	Kind EventKind
	// Run is the run as of the event (state running until RunFinished).
	Run pipeline.Run
	// Task names the task of task events and of a task's SLAMissed.
	Task string
	// TaskRun is the attempt (without its log) for task events; nil for
	// run events and for SLAMissed.
	TaskRun *pipeline.TaskRun
	// Wait is the backoff before the next attempt (TaskRetrying).
	Wait time.Duration
	// ReadyAt (TaskStarted) is when the task became ready to start: its
	// last upstream's end (the run's start for a root), or the end of its
	// retry wait. At - ReadyAt is the hand-off: the engine's own delay,
	// including any wait for a pool or global slot.
	ReadyAt time.Time
	// Err is the attempt's error (TaskRetrying, TaskFinished), or why the
	// run stopped early (RunFinished).
	Err error
	At  time.Time
}

// observer delivers events in order from its own goroutine, queueing
// without bound so that emitting never blocks the engine.
type observer struct {
	fn   func(Event)
	mu   sync.Mutex
	q    []Event
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func newObserver(fn func(Event)) *observer {
	o := &observer{fn: fn, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	if fn == nil {
		close(o.done)
		return o
	}
	go o.loop()
	return o
}

func (o *observer) emit(ev Event) {
	if o.fn == nil {
		return
	}
	o.mu.Lock()
	o.q = append(o.q, ev)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *observer) loop() {
	defer close(o.done)
	for {
		select {
		case <-o.wake:
			o.drain()
		case <-o.quit:
			o.drain()
			return
		}
	}
}

func (o *observer) drain() {
	for {
		o.mu.Lock()
		batch := o.q
		o.q = nil
		o.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		for _, ev := range batch {
			o.fn(ev)
		}
	}
}

// close delivers what is queued and stops the goroutine.
func (o *observer) close() {
	if o.fn != nil {
		close(o.quit)
	}
	<-o.done
}

// Async returns an emit function that queues events for fn, delivered in
// order from a goroutine of their own, and a stop function that delivers
// what is queued and ends that goroutine. For executors other than the
// engine (the Temporal worker's activities) that feed the same observers
// and, like the engine, must not wait for them.
func Async(fn func(Event)) (emit func(Event), stop func()) {
	o := newObserver(fn)
	return o.emit, o.close
}
