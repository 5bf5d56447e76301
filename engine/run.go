package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
)

// Prefixes of the errors the engine writes on attempts it ends itself.
const (
	// interruptedPrefix marks an attempt cut short by cancellation. Such an
	// attempt is recorded up_for_retry and does not count against the
	// task's retry budget: the task did not fail, the process was stopped.
	interruptedPrefix = "interrupted: "
	// zombiePrefix marks an attempt left running by a process that died.
	// It counts as one attempt: the task itself may be what killed the
	// process (out of memory), and retrying it forever would hide that.
	zombiePrefix = "zombie: "
)

// Run creates or resumes the run of dag for iv and runs it to completion.
//
// A (pipeline, interval) has one run in the store. When it exists already,
// Run resumes it: tasks whose latest attempt succeeded or was skipped are
// not run again (unless o.Rerun), a task interrupted by cancellation or a
// crash continues its retry budget, and a task that had finally failed gets
// a fresh budget. Attempts left running by a dead owner are marked as
// zombies first.
//
// The returned error is nil when the run finished, whether it succeeded or
// failed (see Run.State). It is non-nil when the DAG is invalid, the store
// fails, another live process owns the run (ErrClaimed), or ctx was
// cancelled (the run is left queued with no owner, ready to resume; the
// error wraps ctx's error).
func (e *Engine) Run(ctx context.Context, dag *pipeline.DAG, iv pipeline.Interval, o RunOptions) (pipeline.Run, error) {
	if err := dag.Validate(); err != nil {
		return pipeline.Run{}, fmt.Errorf("pipeline %q is invalid: %w", dag.Name, err)
	}
	for i, t := range dag.Tasks {
		if t.Runner == nil {
			return pipeline.Run{}, fmt.Errorf("pipeline %q: tasks[%d] (%s) has nothing to run", dag.Name, i, t.Name)
		}
	}
	if !iv.End.After(iv.Start) {
		return pipeline.Run{}, fmt.Errorf("pipeline %q: interval %s is empty", dag.Name, iv)
	}
	trigger := o.Trigger
	if trigger == "" {
		trigger = pipeline.TriggerManual
	}
	now := e.now()
	run, _, err := e.st.CreateRun(ctx, pipeline.Run{Pipeline: dag.Name, Interval: iv, State: pipeline.Queued, Trigger: trigger, CreatedAt: now})
	if err != nil {
		return pipeline.Run{}, fmt.Errorf("create run of %q for %s: %w", dag.Name, iv, err)
	}
	if !e.activate(run.ID) {
		return run, fmt.Errorf("run %s of %q for %s: %w", run.ID, dag.Name, iv, ErrActive)
	}
	defer e.deactivate(run.ID)

	// Claim the run. An owner whose heartbeat is older than ZombieAfter is
	// presumed dead; an owner on this host whose pid is gone is dead now.
	prevOwner := run.Owner
	dead := prevOwner != "" && prevOwner != e.o.Owner && ownerGone(prevOwner)
	var ok bool
	if dead {
		// Its heartbeat may still look fresh, so the take-over is a
		// compare-and-swap on that owner: of two processes that both found
		// it dead, one wins and the other sees the winner.
		ok, err = e.st.TakeOverRun(ctx, run.ID, e.o.Owner, prevOwner)
	} else {
		ok, err = e.st.ClaimRun(ctx, run.ID, e.o.Owner, now.Add(-e.o.ZombieAfter))
	}
	if err != nil {
		return run, fmt.Errorf("claim run %s: %w", run.ID, err)
	}
	if !ok {
		if cur, err := e.st.GetRun(ctx, run.ID); err == nil {
			prevOwner = cur.Owner
			run = cur
		}
		return run, fmt.Errorf("run %s of %q for %s is owned by %s, whose heartbeat is newer than %s: %w", run.ID, dag.Name, iv, prevOwner, e.o.ZombieAfter, ErrClaimed)
	}

	x := &execution{
		e:        e,
		dag:      dag,
		run:      run,
		runID:    run.ID,
		interval: run.Interval,
		results:  make(chan outcome, len(dag.Tasks)),
		obs:      newObserver(e.o.Observe),
		base:     e.o.Logger.With("run_id", run.ID, "pipeline", dag.Name),
		bg:       context.WithoutCancel(ctx),
		start:    now,
		live:     map[*attempt]bool{},
	}
	x.log = x.base.With("task", "", "attempt", 0)
	if prevOwner != "" && prevOwner != e.o.Owner {
		why := "stopped heartbeating for over " + e.o.ZombieAfter.String()
		if dead {
			why = "process is gone"
		}
		x.zombieReason = fmt.Sprintf("%sowner %s died (%s)", zombiePrefix, prevOwner, why)
	} else {
		x.zombieReason = zombiePrefix + "owner " + e.o.Owner + " died (an earlier run of this process ended without recording the attempt)"
	}
	return x.execute(ctx, o)
}

// execution is one Run call of one run.
type execution struct {
	e            *Engine
	dag          *pipeline.DAG
	obs          *observer
	base, log    *slog.Logger
	bg           context.Context // for store writes: they must happen even while cancelling
	start        time.Time       // this execution's start: SLAs count from here
	zombieReason string
	runSLA       bool // the run's SLA miss was reported

	// lost is set when a heartbeat finds another process owns the run (it
	// took over after this one stalled past ZombieAfter). From then on this
	// execution writes nothing more: the run is no longer its to record.
	lost     atomic.Bool
	lostErr  error
	stopping context.CancelFunc

	runID    string
	interval pipeline.Interval

	runMu sync.Mutex
	run   pipeline.Run

	tasks   []*taskState
	byName  map[string]*taskState
	results chan outcome

	stopStart context.Context // done when no more attempts may start
	workCtx   context.Context // attempts' parent; cancelled Grace after stopStart
	cancelWk  context.CancelFunc

	liveMu sync.Mutex
	live   map[*attempt]bool // running attempts, for heartbeats
}

type phase int

const (
	pending    phase = iota // not decided yet
	dispatched              // a worker owns it (waiting for a slot, running, or backing off)
	done                    // final for this execution
)

type taskState struct {
	task       pipeline.Task
	phase      phase
	state      pipeline.State // final state once done; "" if stopped unfinished
	next       int            // next attempt number
	used       int            // attempts counted against the retry budget since the last final outcome
	upstream   []*taskState
	downstream []*taskState
	slaMissed  bool
	endedAt    time.Time // when it became final (its last attempt's end)
	readyAt    time.Time // when it became ready: its last upstream's end, or the end of its retry wait
}

// outcome is what a worker reports when it gives a task back.
type outcome struct {
	t       *taskState
	state   pipeline.State // a final state, or "" when stopped before the task finished
	endedAt time.Time
	err     error // a store failure: the run cannot go on
}

func (x *execution) snapshotRun() pipeline.Run {
	x.runMu.Lock()
	defer x.runMu.Unlock()
	r := x.run
	return r
}

func (x *execution) emit(ev Event) {
	if ev.At.IsZero() {
		ev.At = x.e.now()
	}
	ev.Run = x.snapshotRun()
	if ev.TaskRun != nil {
		c := *ev.TaskRun
		c.Log = ""
		ev.TaskRun = &c
	}
	x.obs.emit(ev)
}

func (x *execution) execute(ctx context.Context, o RunOptions) (pipeline.Run, error) {
	defer x.obs.close()
	e := x.e
	if err := x.loadHistory(o.Rerun); err != nil {
		x.release(pipeline.Queued, nil)
		return x.snapshotRun(), err
	}

	x.runMu.Lock()
	x.run.State = pipeline.Running
	if x.run.StartedAt == nil {
		s := x.start
		x.run.StartedAt = &s
	}
	x.run.EndedAt = nil
	x.run.Owner = e.o.Owner
	r := x.run
	x.runMu.Unlock()
	if err := e.st.UpdateRun(x.bg, r); err != nil {
		x.release(pipeline.Queued, nil)
		return x.snapshotRun(), fmt.Errorf("start run %s: %w", r.ID, err)
	}
	x.log.Info("run started", "interval", r.Interval.String(), "owner", e.o.Owner, "tasks", len(x.tasks), "rerun", o.Rerun)
	x.emit(Event{Kind: RunStarted})

	stopStart, stop := context.WithCancel(ctx)
	defer stop()
	x.stopStart, x.stopping = stopStart, stop
	x.workCtx, x.cancelWk = context.WithCancel(context.WithoutCancel(ctx))
	defer x.cancelWk()

	hbDone := make(chan struct{})
	hbStopped := make(chan struct{})
	go x.heartbeat(hbDone, hbStopped)

	fatal := x.schedule(stop)

	close(hbDone)
	<-hbStopped

	// The run's state: every task final and all good is success; any final
	// failure is failed; anything unfinished (cancelled) leaves it queued.
	state := pipeline.Success
	var unfinished []string
	for _, t := range x.tasks {
		switch {
		case t.phase != done || t.state == "":
			unfinished = append(unfinished, t.task.Name)
		case t.state != pipeline.Success && t.state != pipeline.Skipped:
			if state == pipeline.Success {
				state = pipeline.Failed
			}
		}
	}
	if x.lost.Load() {
		err := fmt.Errorf("run %s stopped: %w", x.runID, x.lostErr)
		x.log.Error("another process took the run over; stopped without recording more", "error", x.lostErr)
		x.emit(Event{Kind: RunFinished, Err: err})
		return x.snapshotRun(), err
	}
	var runErr error
	switch {
	case fatal != nil:
		runErr = fatal
	case len(unfinished) > 0 && ctx.Err() != nil:
		runErr = fmt.Errorf("run %s interrupted with %d unfinished task(s) (%s); run the interval again to resume: %w",
			x.run.ID, len(unfinished), strings.Join(unfinished, ", "), context.Cause(ctx))
	case len(unfinished) > 0:
		runErr = fmt.Errorf("run %s: tasks %s were never decided (engine bug)", x.run.ID, strings.Join(unfinished, ", "))
	}
	if runErr != nil {
		state = pipeline.Queued
	}
	var ended *time.Time
	if state.Terminal() {
		now := e.now()
		ended = &now
	}
	if err := x.release(state, ended); err != nil && runErr == nil {
		runErr = err
	}
	final := x.snapshotRun()
	if runErr != nil {
		x.log.Warn("run stopped", "state", final.State, "error", runErr)
	} else {
		x.log.Info("run finished", "state", final.State, "duration", e.now().Sub(x.start).String())
	}
	x.emit(Event{Kind: RunFinished, Err: runErr})
	return final, runErr
}

// release records the run's state and gives up ownership, so that the next
// Run of the interval (from any process) can claim it at once.
func (x *execution) release(state pipeline.State, ended *time.Time) error {
	x.runMu.Lock()
	x.run.State = state
	x.run.EndedAt = ended
	x.run.Owner = ""
	r := x.run
	x.runMu.Unlock()
	if err := x.e.st.UpdateRun(x.bg, r); err != nil {
		return fmt.Errorf("record run %s as %s: %w", r.ID, state, err)
	}
	return nil
}

// loadHistory builds the task states from the run's earlier attempts,
// marking attempts left running by a dead owner as zombies.
func (x *execution) loadHistory(rerun bool) error {
	x.byName = map[string]*taskState{}
	for _, t := range x.dag.Tasks {
		ts := &taskState{task: t, next: 1}
		x.tasks = append(x.tasks, ts)
		x.byName[t.Name] = ts
	}
	for _, ts := range x.tasks {
		for _, dep := range ts.task.DependsOn {
			up := x.byName[dep]
			ts.upstream = append(ts.upstream, up)
			up.downstream = append(up.downstream, ts)
		}
	}
	runID := x.run.ID
	trs, err := x.e.st.ListTaskRuns(x.bg, runID)
	if err != nil {
		return fmt.Errorf("load attempts of run %s: %w", runID, err)
	}
	slices.SortFunc(trs, func(a, b pipeline.TaskRun) int { return a.Attempt - b.Attempt })
	now := x.e.now()
	for _, tr := range trs {
		ts := x.byName[tr.Task]
		if ts == nil {
			continue // a task no longer in the DAG (or outside --only)
		}
		ts.next = max(ts.next, tr.Attempt+1)
		switch tr.State {
		case pipeline.Running, pipeline.Queued:
			// We hold the claim, so whoever ran this attempt is dead.
			ts.used++
			tr.State = pipeline.UpForRetry
			if !ts.task.Retry.MoreAttempts(ts.used) {
				tr.State = pipeline.Failed
			}
			tr.Error = x.zombieReason
			tr.EndedAt = &now
			lg := x.base.With("task", tr.Task, "attempt", tr.Attempt)
			if saved, err := x.e.st.TaskRunLog(x.bg, runID, tr.Task, tr.Attempt); err == nil {
				tr.Log = saved
			}
			l := newTaskLog(x.e.o.LogLimit, x.e.o.Redact)
			l.Write([]byte(tr.Log))
			l.engineLine(now, "attempt %d recorded as %s: %s", tr.Attempt, tr.State, tr.Error)
			tr.Log = l.String()
			if err := x.e.st.UpdateTaskRun(x.bg, tr); err != nil {
				return fmt.Errorf("mark zombie attempt %d of %s: %w", tr.Attempt, tr.Task, err)
			}
			lg.Warn("zombie attempt recovered", "state", tr.State, "error", tr.Error)
			if tr.State == pipeline.Failed {
				ts.used = 0
			}
			ts.phase, ts.state = pending, ""
		case pipeline.Success, pipeline.Skipped:
			ts.phase, ts.state, ts.used = done, tr.State, 0
		case pipeline.UpForRetry:
			if !strings.HasPrefix(tr.Error, interruptedPrefix) {
				ts.used++
			}
			ts.phase, ts.state = pending, ""
		default: // failed, timed_out, upstream_failed: run again, with a fresh budget
			ts.phase, ts.state, ts.used = pending, "", 0
		}
	}
	if rerun {
		for _, ts := range x.tasks {
			ts.phase, ts.state, ts.used = pending, "", 0
		}
	}
	return nil
}

// schedule is the event loop: it decides tasks whose upstreams are final,
// hands runnable ones to workers, and reacts to workers' outcomes, SLA
// deadlines and cancellation. It returns when no worker is left, with a
// store error if one stopped the run.
func (x *execution) schedule(stop context.CancelFunc) error {
	var fatal error
	inflight := 0
	stopping := false
	stopC := x.stopStart.Done()

	decide := func(ts []*taskState) {
		queue := ts
		for len(queue) > 0 {
			t := queue[0]
			queue = queue[1:]
			if t.phase != pending || stopping {
				continue
			}
			ups := make([]pipeline.State, len(t.upstream))
			for i, u := range t.upstream {
				ups[i] = pipeline.Running // anything not final
				if u.phase == done {
					ups[i] = u.state
				}
			}
			switch t.task.Trigger.Evaluate(ups) {
			case pipeline.DecideWait:
			case pipeline.DecideRun:
				t.readyAt = x.start
				for _, u := range t.upstream {
					// Only final upstreams: a running one (one_success)
					// belongs to its worker.
					if u.phase == done && u.endedAt.After(t.readyAt) {
						t.readyAt = u.endedAt
					}
				}
				t.phase = dispatched
				inflight++
				go x.work(t)
			case pipeline.DecideSkip:
				if err := x.settle(t, pipeline.Skipped, "trigger rule "+string(t.task.Trigger)+": no upstream succeeded"); err != nil {
					fatal, stopping = err, true
					stop()
					continue
				}
				queue = append(queue, t.downstream...)
			case pipeline.DecideUpstreamFailed:
				var bad []string
				for _, u := range t.upstream {
					if u.phase == done && u.state != pipeline.Success && u.state != pipeline.Skipped {
						bad = append(bad, u.task.Name+" "+string(u.state))
					}
				}
				if err := x.settle(t, pipeline.UpstreamFailed, "upstream "+strings.Join(bad, ", ")); err != nil {
					fatal, stopping = err, true
					stop()
					continue
				}
				queue = append(queue, t.downstream...)
			}
		}
	}
	decide(x.tasks)

	var slaC <-chan time.Time
	armSLA := func() {
		slaC = nil
		if next, ok := x.nextSLA(); ok {
			slaC = x.e.o.After(max(next.Sub(x.e.now()), 0))
		}
	}
	armSLA()

	for inflight > 0 {
		select {
		case oc := <-x.results:
			inflight--
			t := oc.t
			if oc.err != nil && fatal == nil {
				fatal = oc.err
				x.log.Error("store failed; stopping the run", "error", oc.err)
				stopping = true
				stop()
			}
			if oc.state.Terminal() {
				t.phase, t.state, t.endedAt = done, oc.state, oc.endedAt
				decide(t.downstream)
			} else {
				t.phase = pending
			}
		case <-stopC:
			stopC = nil
			if !stopping {
				stopping = true
				x.log.Warn("cancelled: starting no more tasks; running attempts have the grace period", "grace", x.e.o.Grace.String(), "running", inflight)
			}
			// Running attempts keep their context for Grace, then lose it.
			go func(wk context.CancelFunc, finished <-chan struct{}) {
				select {
				case <-x.e.o.After(x.e.o.Grace):
					wk()
				case <-finished:
				}
			}(x.cancelWk, x.workCtx.Done())
		case <-slaC:
			x.checkSLA()
			armSLA()
		}
	}
	return fatal
}

// settle records a task decided without running (skipped or
// upstream_failed) as one attempt row with no start time.
func (x *execution) settle(t *taskState, state pipeline.State, why string) error {
	now := x.e.now()
	tr := pipeline.TaskRun{RunID: x.runID, Task: t.task.Name, Attempt: t.next, State: state, EndedAt: &now, Error: why}
	l := newTaskLog(x.e.o.LogLimit, x.e.o.Redact)
	l.engineLine(now, "not run: %s (%s)", state, why)
	tr.Log = l.String()
	if err := x.e.st.InsertTaskRun(x.bg, tr); err != nil {
		return fmt.Errorf("record %s as %s: %w", t.task.Name, state, err)
	}
	t.next++
	t.phase, t.state, t.endedAt = done, state, now
	x.base.Info("task not run", "task", t.task.Name, "attempt", tr.Attempt, "state", state, "reason", why)
	x.emit(Event{Kind: TaskFinished, Task: t.task.Name, TaskRun: &tr, At: now})
	return nil
}

// nextSLA is the earliest SLA deadline not yet reported.
func (x *execution) nextSLA() (time.Time, bool) {
	var next time.Time
	ok := false
	consider := func(d time.Duration) {
		at := x.start.Add(d)
		if !ok || at.Before(next) {
			next, ok = at, true
		}
	}
	for _, t := range x.tasks {
		if t.task.SLA > 0 && !t.slaMissed && t.phase != done {
			consider(t.task.SLA)
		}
	}
	if x.dag.SLA > 0 && !x.runSLA {
		consider(x.dag.SLA)
	}
	return next, ok
}

func (x *execution) checkSLA() {
	now := x.e.now()
	for _, t := range x.tasks {
		if t.task.SLA > 0 && !t.slaMissed && t.phase != done && !now.Before(x.start.Add(t.task.SLA)) {
			t.slaMissed = true
			x.base.Warn("task missed its SLA", "task", t.task.Name, "attempt", 0, "sla", t.task.SLA.String())
			x.emit(Event{Kind: SLAMissed, Task: t.task.Name, Err: fmt.Errorf("task %s not done %s after the run started", t.task.Name, t.task.SLA), At: now})
		}
	}
	if x.dag.SLA > 0 && !x.runSLA && !now.Before(x.start.Add(x.dag.SLA)) {
		x.runSLA = true
		x.log.Warn("run missed its SLA", "sla", x.dag.SLA.String())
		x.emit(Event{Kind: SLAMissed, Err: fmt.Errorf("run of %s not done %s after it started", x.dag.Name, x.dag.SLA), At: now})
	}
}

// heartbeat records, every HeartbeatEvery, that this process still runs the
// run and each running attempt, and saves each running attempt's log so far
// (so a live log is visible and a crash keeps most of it).
func (x *execution) heartbeat(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	for {
		select {
		case <-stop:
			return
		case <-x.e.o.After(x.e.o.HeartbeatEvery):
		}
		now := x.e.now()
		if err := x.e.st.HeartbeatRun(x.bg, x.runID, x.e.o.Owner, now); errors.Is(err, store.ErrNotOwner) {
			// We stalled (a suspended laptop, a long GC-free freeze) and
			// another process claimed the run: stop at once, without grace.
			x.lostErr = err
			x.lost.Store(true)
			x.stopping()
			x.cancelWk()
			return
		} else if err != nil {
			x.log.Warn("run heartbeat failed", "error", err)
		}
		x.liveMu.Lock()
		live := make([]*attempt, 0, len(x.live))
		for a := range x.live {
			live = append(live, a)
		}
		x.liveMu.Unlock()
		for _, a := range live {
			a.beat(x, now, true)
		}
	}
}
