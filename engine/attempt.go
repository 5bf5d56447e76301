package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"memepipe/pipeline"
)

// attempt is one running attempt, shared by its worker and the heartbeat
// loop. mu serialises their store writes, so a heartbeat never overwrites
// the final state.
type attempt struct {
	mu        sync.Mutex
	tr        pipeline.TaskRun
	log       *taskLog
	finished  bool
	saved     int // log version last saved
	lastBeat  time.Time
	lastNote  string
	noteMu    sync.Mutex
	heartbeat func(string)
}

// beat records that the attempt is alive and, with saveLog, saves its log
// so far when it changed.
func (a *attempt) beat(x *execution, now time.Time, saveLog bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.finished {
		return
	}
	a.lastBeat = now
	at := now
	a.tr.Heartbeat = &at
	if err := x.e.st.HeartbeatTaskRun(x.bg, a.tr.RunID, a.tr.Task, a.tr.Attempt, now); err != nil {
		x.base.Warn("attempt heartbeat failed", "task", a.tr.Task, "attempt", a.tr.Attempt, "error", err)
	}
	if !saveLog {
		return
	}
	if s, v := a.log.snapshot(); v != a.saved {
		tr := a.tr
		tr.Log = s
		if err := x.e.st.UpdateTaskRun(x.bg, tr); err != nil {
			x.base.Warn("saving the running attempt's log failed", "task", a.tr.Task, "attempt", a.tr.Attempt, "error", err)
			return
		}
		a.saved = v
	}
}

func (x *execution) track(a *attempt, on bool) {
	x.liveMu.Lock()
	defer x.liveMu.Unlock()
	if on {
		x.live[a] = true
	} else {
		delete(x.live, a)
	}
}

// work owns t from dispatch until it is final or the run stops starting
// attempts: it waits for slots, runs attempts, and waits out backoffs.
func (x *execution) work(t *taskState) {
	x.results <- x.attempts(t)
}

func (x *execution) attempts(t *taskState) outcome {
	for {
		release, err := x.e.acquire(x.stopStart, t.task.Pool)
		if err != nil {
			return outcome{t: t} // stopping: not started
		}
		state, wait, err := x.runAttempt(t)
		release()
		if err != nil {
			return outcome{t: t, err: err}
		}
		if state != pipeline.UpForRetry {
			return outcome{t: t, state: state, endedAt: t.endedAt}
		}
		select {
		case <-x.e.o.After(wait):
			t.readyAt = x.e.now()
		case <-x.stopStart.Done():
			return outcome{t: t} // the retry happens when the run resumes
		}
	}
}

// retryAfter is implemented by errors that know when to come back (an
// HTTP 429's Retry-After, x-rate-limit-reset): the engine waits at least that long.
type retryAfter interface{ RetryAfter() time.Duration }

// runAttempt runs one attempt and records it. It returns the task's state
// after it: final, up_for_retry with the wait before the next attempt, or
// "" when cancellation interrupted it (recorded up_for_retry, not counted).
func (x *execution) runAttempt(t *taskState) (pipeline.State, time.Duration, error) {
	e := x.e
	n := t.next
	t.next++
	budget := max(t.task.Retry.Attempts, 1)
	start := e.now()
	lg := x.base.With("task", t.task.Name, "attempt", n)
	a := &attempt{
		tr:  pipeline.TaskRun{RunID: x.runID, Task: t.task.Name, Attempt: n, State: pipeline.Running, StartedAt: &start, Heartbeat: &start},
		log: newTaskLog(e.o.LogLimit, e.o.Redact),
	}
	a.lastBeat = start
	a.log.engineLine(start, "attempt %d started on %s (try %d of %d)", n, e.o.Owner, t.used+1, budget)
	if err := e.st.InsertTaskRun(x.bg, a.tr); err != nil {
		return "", 0, fmt.Errorf("record start of %s attempt %d: %w", t.task.Name, n, err)
	}
	started := a.tr
	x.track(a, true)
	lg.Info("attempt started", "try", t.used+1, "of", budget)
	x.emit(Event{Kind: TaskStarted, Task: t.task.Name, TaskRun: &started, At: start, ReadyAt: t.readyAt})

	res, runErr, timedOut := x.invoke(t, a, lg)
	x.track(a, false)
	end := e.now()

	var (
		state       pipeline.State
		wait        time.Duration
		msg         string
		interrupted bool
	)
	switch {
	case runErr == nil:
		state = pipeline.Success
	case x.workCtx.Err() != nil:
		// The grace period ran out and cancelled the attempt: the task did
		// not fail, the run was stopped. Not counted against its retries.
		state, interrupted = pipeline.UpForRetry, true
		msg = interruptedPrefix + "the run was cancelled and the attempt did not finish within the grace period (not counted against retries): " + runErr.Error()
	case pipeline.Classify(runErr) == pipeline.ClassSkip:
		state, msg = pipeline.Skipped, runErr.Error()
	case pipeline.IsPermanent(runErr):
		state, msg = pipeline.Failed, runErr.Error()
	default:
		t.used++
		msg = runErr.Error()
		if timedOut {
			msg = fmt.Sprintf("timed out after %s: %s", t.task.Timeout, msg)
		}
		switch {
		case t.task.Retry.MoreAttempts(t.used):
			state = pipeline.UpForRetry
			wait = t.task.Retry.Backoff(t.used+1, e.o.Rand)
			var ra retryAfter
			if errors.As(runErr, &ra) && ra.RetryAfter() > wait {
				wait = ra.RetryAfter()
			}
		case timedOut:
			state = pipeline.TimedOut
		default:
			state = pipeline.Failed
		}
	}

	if x.lost.Load() {
		// Another process owns the run now and has recorded this attempt
		// as a zombie; overwriting its rows would mislead.
		a.mu.Lock()
		a.finished = true
		a.mu.Unlock()
		return "", 0, nil
	}
	t.endedAt = end
	a.mu.Lock()
	a.finished = true
	a.tr.State = state
	a.tr.EndedAt = &end
	msg = e.o.Redact(msg)
	a.tr.Error = msg
	a.tr.RecordsIn, a.tr.RecordsOut = res.RecordsIn, res.RecordsOut
	line := fmt.Sprintf("attempt %d ended %s after %s", n, state, end.Sub(start).Round(time.Microsecond))
	switch {
	case interrupted:
		line += "; it runs again when the run resumes"
	case state == pipeline.UpForRetry:
		line += fmt.Sprintf("; next attempt in %s", wait)
	case pipeline.IsPermanent(runErr):
		line += " (permanent error: not retried)"
	}
	if msg != "" {
		line += ": " + msg
	}
	a.log.engineLine(end, "%s", line)
	a.tr.Log = a.log.String()
	err := e.st.UpdateTaskRun(x.bg, a.tr)
	tr := a.tr
	a.mu.Unlock()
	if err != nil {
		return "", 0, fmt.Errorf("record end of %s attempt %d as %s: %w", t.task.Name, n, state, err)
	}

	attrs := []any{"state", state, "duration", end.Sub(start).String(), "records_in", res.RecordsIn, "records_out", res.RecordsOut}
	switch {
	case runErr == nil:
		lg.Info("attempt finished", attrs...)
	case state == pipeline.UpForRetry && !interrupted:
		lg.Warn("attempt failed; retrying", append(attrs, "error", msg, "wait", wait.String(), "class", pipeline.Classify(runErr).String())...)
	default:
		lg.Warn("attempt finished", append(attrs, "error", msg, "class", pipeline.Classify(runErr).String())...)
	}
	if state == pipeline.UpForRetry && !interrupted {
		x.emit(Event{Kind: TaskRetrying, Task: t.task.Name, TaskRun: &tr, Wait: wait, Err: runErr, At: end})
		return state, wait, nil
	}
	x.emit(Event{Kind: TaskFinished, Task: t.task.Name, TaskRun: &tr, Err: runErr, At: end})
	if interrupted {
		return "", 0, nil
	}
	return state, 0, nil
}

type ret struct {
	res pipeline.Result
	err error
}

// invoke calls the task's runner with the attempt's context (the task's
// Timeout applied), catching panics, and gives up on a runner that does not
// return within AbandonAfter of its context ending.
func (x *execution) invoke(t *taskState, a *attempt, lg *slog.Logger) (pipeline.Result, error, bool) {
	e := x.e
	var (
		actx   context.Context
		cancel context.CancelFunc
	)
	if t.task.Timeout > 0 {
		actx, cancel = context.WithTimeout(x.workCtx, t.task.Timeout)
	} else {
		actx, cancel = context.WithCancel(x.workCtx)
	}
	defer cancel()
	tc := &pipeline.TaskContext{
		RunID:    x.runID,
		Pipeline: x.dag.Name,
		Task:     t.task.Name,
		Attempt:  a.tr.Attempt,
		Interval: x.interval,
		// Lines go to the engine's log and into the attempt's own log.
		Logger: slog.New(slog.NewMultiHandler(lg.Handler(), slog.NewTextHandler(a.log, nil))),
		Log:    a.log,
		Heartbeat: func(progress string) {
			now := e.now()
			if progress != "" {
				a.noteMu.Lock()
				changed := progress != a.lastNote
				a.lastNote = progress
				a.noteMu.Unlock()
				if changed {
					fmt.Fprintf(a.log, "%s progress: %s\n", now.UTC().Format(time.RFC3339Nano), progress)
				}
			}
			a.mu.Lock()
			recent := now.Sub(a.lastBeat) < time.Second
			a.mu.Unlock()
			if !recent {
				a.beat(x, now, false)
			}
		},
	}
	ch := make(chan ret, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(a.log, "panic: %v\n%s", p, debug.Stack())
				// A panic is a bug in the task, not a flaky upstream.
				ch <- ret{err: pipeline.Permanent(fmt.Errorf("task panicked: %v", p))}
			}
		}()
		res, err := t.task.Runner.Run(actx, tc)
		ch <- ret{res, err}
	}()
	var r ret
	select {
	case r = <-ch:
	case <-actx.Done():
		select {
		case r = <-ch:
		case <-e.o.After(e.o.AbandonAfter):
			r.err = fmt.Errorf("abandoned: the task did not return within %s after its context ended (%v)", e.o.AbandonAfter, context.Cause(actx))
			lg.Error("task ignores its context; abandoning the attempt", "abandon_after", e.o.AbandonAfter.String())
		}
	}
	timedOut := r.err != nil && t.task.Timeout > 0 && errors.Is(actx.Err(), context.DeadlineExceeded) && x.workCtx.Err() == nil
	return r.res, r.err, timedOut
}
