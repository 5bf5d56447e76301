package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	sdktemporal "go.temporal.io/sdk/temporal"

	"memepipe/config"
	"memepipe/engine"
	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
)

// Activities run a worker's side of a run: they build nothing themselves
// but use the DAGs the worker built from its config (tasks.Build), and
// record everything in the store, one task-run row per attempt.
type Activities struct {
	Store store.Store
	// Config gives the pipelines' schedules and interval lengths, for runs
	// a Schedule started (the interval that ends at the slot).
	Config *config.Config
	// DAGs are the worker's pipelines, by name.
	DAGs map[string]*pipeline.DAG
	// Identity names the worker in attempt logs ("host:pid" by default).
	Identity string
	// HeartbeatTimeout: an attempt whose worker has not heartbeated for
	// this long is presumed lost (default 30s). Attempts heartbeat every
	// third of it.
	HeartbeatTimeout time.Duration
	// ZombieAfter: a run whose owner has not heartbeated for this long may
	// be claimed by another owner (default 30s, as the engine's).
	ZombieAfter time.Duration
	// Pools cap the attempts of one pool running at once in this worker,
	// or, with SharedPools, in every worker on the store together (slots
	// in the database, held for HeartbeatTimeout past a dead worker's last
	// heartbeat).
	Pools       map[string]int
	SharedPools bool
	// LogLimit caps each attempt's stored log (default 1 MiB).
	LogLimit int
	// Redact scrubs secrets from stored errors and logs.
	Redact func(string) string
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Observe, when set, receives the engine's events for what this
	// worker records: a run planned (RunStarted) and finished
	// (RunFinished), attempts started, retried and finished, tasks settled
	// without running and attempts of lost workers closed (TaskFinished),
	// so metrics and alert rules work as under the engine. It is called
	// from the activity: wrap it in engine.Async so it never delays one.
	// The workflow's SLA timers raise SLAMissed through an activity.
	Observe func(engine.Event)

	once    sync.Once
	pools   map[string]chan struct{}
	holders atomic.Int64 // numbers the shared-pool holders of this worker
}

func (a *Activities) init() {
	a.once.Do(func() {
		if a.HeartbeatTimeout <= 0 {
			a.HeartbeatTimeout = 30 * time.Second
		}
		if a.ZombieAfter <= 0 {
			a.ZombieAfter = 30 * time.Second
		}
		if a.Redact == nil {
			a.Redact = func(s string) string { return s }
		}
		if a.Logger == nil {
			a.Logger = slog.Default()
		}
		if a.Now == nil {
			a.Now = time.Now
		}
		if a.Identity == "" {
			h, _ := os.Hostname()
			a.Identity = fmt.Sprintf("%s:%d", h, os.Getpid())
		}
		a.pools = map[string]chan struct{}{}
		for name, n := range a.Pools {
			if n > 0 {
				a.pools[name] = make(chan struct{}, n)
			}
		}
	})
}

// now is the clock in UTC to the microsecond, the precision both stores keep.
func (a *Activities) now() time.Time { return a.Now().UTC().Truncate(time.Microsecond) }

func planError(format string, args ...any) error {
	return sdktemporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrPlan, nil)
}

// Plan creates or resumes the run of the request's pipeline and interval,
// claims it for the workflow, closes attempts a dead owner left running,
// and returns the DAG with what earlier executions finished.
func (a *Activities) Plan(ctx context.Context, req PlanRequest) (RunPlan, error) {
	a.init()
	dag := a.DAGs[req.Pipeline]
	if dag == nil {
		names := make([]string, 0, len(a.DAGs))
		for n := range a.DAGs {
			names = append(names, n)
		}
		sort.Strings(names)
		return RunPlan{}, planError("no pipeline %q in this worker's config (configured: %s)", req.Pipeline, strings.Join(names, ", "))
	}
	iv := req.Interval
	if iv.IsZero() {
		p, ok := a.Config.Pipeline(req.Pipeline)
		if !ok {
			return RunPlan{}, planError("no pipeline %q in this worker's config", req.Pipeline)
		}
		var err error
		if iv, err = schedule.SlotInterval(p.Schedule, p.Timezone, p.Interval.D(), req.Slot); err != nil {
			return RunPlan{}, planError("pipeline %s: interval for slot %s: %v", req.Pipeline, req.Slot.UTC().Format(time.RFC3339), err)
		}
	}
	if !iv.End.After(iv.Start) {
		return RunPlan{}, planError("pipeline %s: interval %s is empty", req.Pipeline, iv)
	}
	trigger := req.Trigger
	if trigger == "" {
		trigger = pipeline.TriggerManual
	}
	st := a.Store
	now := a.now()
	run, _, err := st.CreateRun(ctx, pipeline.Run{Pipeline: dag.Name, Interval: iv, State: pipeline.Queued, Trigger: trigger, CreatedAt: now})
	if err != nil {
		return RunPlan{}, fmt.Errorf("create run of %s for %s: %w", dag.Name, iv, err)
	}
	prevOwner := run.Owner
	ok, err := st.ClaimRun(ctx, run.ID, req.Owner, now.Add(-a.ZombieAfter))
	if err != nil {
		return RunPlan{}, fmt.Errorf("claim run %s: %w", run.ID, err)
	}
	if !ok {
		if cur, err := st.GetRun(ctx, run.ID); err == nil {
			prevOwner = cur.Owner
		}
		return RunPlan{}, planError("run %s of %s for %s is owned by %s, whose heartbeat is newer than %s", run.ID, dag.Name, iv, prevOwner, a.ZombieAfter)
	}

	trs, err := st.ListTaskRuns(ctx, run.ID)
	if err != nil {
		return RunPlan{}, fmt.Errorf("load attempts of run %s: %w", run.ID, err)
	}
	slices.SortFunc(trs, func(x, y pipeline.TaskRun) int { return x.Attempt - y.Attempt })
	latest := map[string]pipeline.TaskRun{}
	for _, tr := range trs {
		if tr.State == pipeline.Running || tr.State == pipeline.Queued {
			// We hold the claim: whoever ran this attempt is gone.
			who := prevOwner
			if who == "" || who == req.Owner {
				who = "an earlier execution of this run"
			}
			tr.State = pipeline.UpForRetry
			tr.Error = a.Redact(fmt.Sprintf("zombie: owner %s died; the attempt never finished", who))
			tr.EndedAt = &now
			if saved, err := st.TaskRunLog(ctx, run.ID, tr.Task, tr.Attempt); err == nil {
				tr.Log = saved
			}
			l := newTaskLog(a.LogLimit, a.Redact)
			l.Write([]byte(tr.Log))
			l.line(now, "attempt %d recorded as %s: %s", tr.Attempt, tr.State, tr.Error)
			tr.Log = l.String()
			if err := st.UpdateTaskRun(ctx, tr); err != nil {
				return RunPlan{}, fmt.Errorf("close zombie attempt %d of %s: %w", tr.Attempt, tr.Task, err)
			}
		}
		latest[tr.Task] = tr
	}

	plan := RunPlan{RunID: run.ID, Pipeline: dag.Name, Interval: run.Interval, Owner: req.Owner, HeartbeatTimeout: a.HeartbeatTimeout, SLA: dag.SLA}
	for _, t := range dag.Tasks {
		tp := TaskPlan{Name: t.Name, DependsOn: t.DependsOn, Trigger: t.Trigger, Retry: t.Retry, Timeout: t.Timeout, SLA: t.SLA}
		if tr, ok := latest[t.Name]; ok {
			tp.AfterAttempt = tr.Attempt
			if !req.Rerun && (tr.State == pipeline.Success || tr.State == pipeline.Skipped) {
				tp.Done = tr.State
			}
		}
		plan.Tasks = append(plan.Tasks, tp)
	}

	run.State = pipeline.Running
	if run.StartedAt == nil {
		run.StartedAt = &now
	}
	run.EndedAt = nil
	run.Owner = req.Owner
	if err := st.UpdateRun(ctx, run); err != nil {
		return RunPlan{}, fmt.Errorf("start run %s: %w", run.ID, err)
	}
	a.Logger.Info("run planned", "run_id", run.ID, "pipeline", dag.Name, "interval", iv.String(), "owner", req.Owner, "task", "", "attempt", 0)
	a.emit(engine.Event{Kind: engine.RunStarted, Run: run, At: now})
	return plan, nil
}

// acquire takes a slot in the task's pool (this worker's share of it, or
// the fleet's with SharedPools).
func (a *Activities) acquire(ctx context.Context, pool string) (func(), error) {
	if n := a.Pools[pool]; a.SharedPools && n > 0 {
		return a.acquireShared(ctx, pool, n)
	}
	p := a.pools[pool]
	if p == nil {
		return func() {}, nil
	}
	select {
	case p <- struct{}{}:
		return func() { <-p }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquireShared waits for a slot of pool in the store, polling with
// backoff (and heartbeating the activity meanwhile, so a long wait is not
// taken for a lost worker), then keeps the slot alive until released.
func (a *Activities) acquireShared(ctx context.Context, pool string, size int) (func(), error) {
	holder := fmt.Sprintf("%s/%d", a.Identity, a.holders.Add(1))
	wait := 50 * time.Millisecond
	var slot int
	for {
		s, ok, err := a.Store.AcquirePoolSlot(ctx, pool, size, holder, a.HeartbeatTimeout)
		if err != nil {
			return nil, err
		}
		if ok {
			slot = s
			break
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, "waiting for a slot of pool "+pool)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait = min(wait*2, 2*time.Second)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(a.HeartbeatTimeout/3, 50*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := a.Store.HeartbeatPoolSlot(context.WithoutCancel(ctx), pool, slot, holder); err != nil {
					a.Logger.Warn("pool slot heartbeat", "pool", pool, "slot", slot, "err", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		if err := a.Store.ReleasePoolSlot(context.WithoutCancel(ctx), pool, slot, holder); err != nil {
			a.Logger.Warn("pool slot release", "pool", pool, "slot", slot, "err", err)
		}
	}, nil
}

// retryAfter is implemented by errors that know when to come back (an
// HTTP 429's Retry-After): Temporal waits that long before the next attempt.
type retryAfter interface{ RetryAfter() time.Duration }

// RunTask runs one attempt of one task and records it as one row. A task
// an earlier attempt of this execution already finished (its worker died
// after recording success, before Temporal heard of it) is not run again:
// its recorded result is returned. Attempts a lost worker left running are
// closed first.
func (a *Activities) RunTask(ctx context.Context, in TaskInput) (TaskResult, error) {
	a.init()
	info := activity.GetInfo(ctx)
	st := a.Store
	bg := context.WithoutCancel(ctx)
	dag := a.DAGs[in.Pipeline]
	if dag == nil {
		return TaskResult{}, sdktemporal.NewNonRetryableApplicationError(fmt.Sprintf("no pipeline %q in worker %s's config", in.Pipeline, a.Identity), ErrPermanent, nil)
	}
	task, ok := dag.Task(in.Task)
	if !ok || task.Runner == nil {
		return TaskResult{}, sdktemporal.NewNonRetryableApplicationError(fmt.Sprintf("pipeline %s has no task %q in worker %s's config", in.Pipeline, in.Task, a.Identity), ErrPermanent, nil)
	}

	trs, err := st.ListTaskRuns(bg, in.RunID)
	if err != nil {
		return TaskResult{}, fmt.Errorf("load attempts of %s: %w", in.Task, err)
	}
	next := in.AfterAttempt + 1
	now := a.now()
	for _, tr := range trs {
		if tr.Task != in.Task {
			continue
		}
		next = max(next, tr.Attempt+1)
		if tr.Attempt <= in.AfterAttempt {
			continue
		}
		switch tr.State {
		case pipeline.Success, pipeline.Skipped:
			return TaskResult{State: tr.State, Attempt: tr.Attempt, RecordsIn: tr.RecordsIn, RecordsOut: tr.RecordsOut}, nil
		case pipeline.Running, pipeline.Queued:
			// Temporal starts this attempt only once the previous one
			// timed out: its worker is gone.
			tr.State = pipeline.UpForRetry
			tr.Error = fmt.Sprintf("zombie: worker lost (no heartbeat for %s); the attempt was dispatched again", a.HeartbeatTimeout)
			tr.EndedAt = &now
			if saved, err := st.TaskRunLog(bg, in.RunID, tr.Task, tr.Attempt); err == nil {
				tr.Log = saved
			}
			l := newTaskLog(a.LogLimit, a.Redact)
			l.Write([]byte(tr.Log))
			l.line(now, "attempt %d recorded as %s: %s", tr.Attempt, tr.State, tr.Error)
			tr.Log = l.String()
			if err := st.UpdateTaskRun(bg, tr); err != nil {
				return TaskResult{}, fmt.Errorf("close lost attempt %d of %s: %w", tr.Attempt, tr.Task, err)
			}
		}
	}

	release, err := a.acquire(ctx, task.Pool)
	if err != nil {
		return TaskResult{}, a.interrupted(ctx, info, err)
	}
	defer release()

	lg := a.Logger.With("run_id", in.RunID, "pipeline", in.Pipeline, "task", in.Task, "attempt", next)
	start := a.now()
	tl := newTaskLog(a.LogLimit, a.Redact)
	tl.line(start, "attempt %d started on %s (temporal attempt %d of %d, workflow %s)", next, a.Identity, info.Attempt, in.MaxAttempts, info.WorkflowExecution.ID)
	tr := pipeline.TaskRun{RunID: in.RunID, Task: in.Task, Attempt: next, State: pipeline.Running, StartedAt: &start, Heartbeat: &start, Log: tl.String()}
	if err := st.InsertTaskRun(bg, tr); err != nil {
		return TaskResult{}, fmt.Errorf("record start of %s attempt %d: %w", in.Task, next, err)
	}
	lg.Info("attempt started", "worker", a.Identity, "temporal_attempt", info.Attempt)
	run := a.eventRun(bg, in.RunID, in.Pipeline, in.Interval)
	// ReadyAt is when Temporal scheduled this attempt: after the upstreams
	// finished, or after the retry backoff, as the engine's ready time.
	a.emit(engine.Event{Kind: engine.TaskStarted, Run: run, Task: in.Task, TaskRun: withoutLog(tr), ReadyAt: info.ScheduledTime.UTC(), At: start})

	res, runErr, timedOut, lost := a.invoke(ctx, in, task, tr, tl, lg)

	end := a.now()
	more := int(info.Attempt) < in.MaxAttempts
	stopping := false
	select {
	case <-activity.GetWorkerStopChannel(ctx):
		stopping = true
	default:
	}
	var (
		state  pipeline.State
		msg    string
		retErr error
	)
	switch {
	case runErr == nil:
		state = pipeline.Success
	case lost != nil:
		state, msg = pipeline.Failed, lost.Error()
		retErr = sdktemporal.NewNonRetryableApplicationError(msg, ErrPermanent, nil)
	case ctx.Err() != nil && stopping:
		state = pipeline.UpForRetry
		msg = "interrupted: worker " + a.Identity + " stopped (not counted against retries): " + runErr.Error()
		retErr = a.interrupted(ctx, info, runErr)
	case ctx.Err() != nil:
		state, msg = pipeline.Failed, "cancelled: "+runErr.Error()
		retErr = sdktemporal.NewCanceledError()
	case pipeline.Classify(runErr) == pipeline.ClassSkip:
		state, msg = pipeline.Skipped, runErr.Error()
	case pipeline.IsPermanent(runErr):
		state, msg = pipeline.Failed, runErr.Error()
		retErr = sdktemporal.NewNonRetryableApplicationError(a.Redact(msg), ErrPermanent, nil)
	default:
		msg = runErr.Error()
		typ := ErrTransient
		if timedOut {
			msg = fmt.Sprintf("timed out after %s: %s", task.Timeout, msg)
			typ = ErrTimedOut
		}
		switch {
		case more:
			state = pipeline.UpForRetry
		case timedOut:
			state = pipeline.TimedOut
		default:
			state = pipeline.Failed
		}
		var opts sdktemporal.ApplicationErrorOptions
		var ra retryAfter
		if errors.As(runErr, &ra) && ra.RetryAfter() > 0 {
			opts.NextRetryDelay = ra.RetryAfter()
		}
		retErr = sdktemporal.NewApplicationErrorWithOptions(a.Redact(msg), typ, opts)
	}
	msg = a.Redact(msg)
	tr.State, tr.EndedAt, tr.Error = state, &end, msg
	tr.RecordsIn, tr.RecordsOut = res.RecordsIn, res.RecordsOut
	line := fmt.Sprintf("attempt %d ended %s after %s", next, state, end.Sub(start).Round(time.Microsecond))
	switch {
	case state == pipeline.UpForRetry && strings.HasPrefix(msg, "interrupted: "):
		line += "; it is dispatched again"
	case state == pipeline.UpForRetry:
		line += "; Temporal retries it per the task's retry policy"
	case pipeline.IsPermanent(runErr):
		line += " (permanent error: not retried)"
	}
	if msg != "" {
		line += ": " + msg
	}
	tl.line(end, "%s", line)
	tr.Log = tl.String()
	if err := st.UpdateTaskRun(bg, tr); err != nil {
		// Temporal retries; the next attempt closes this row as lost.
		return TaskResult{}, fmt.Errorf("record end of %s attempt %d as %s: %w", in.Task, next, state, err)
	}
	kind := engine.TaskFinished
	if state == pipeline.UpForRetry && !strings.HasPrefix(msg, "interrupted: ") {
		kind = engine.TaskRetrying // Wait stays zero: Temporal times the backoff
	}
	a.emit(engine.Event{Kind: kind, Run: run, Task: in.Task, TaskRun: withoutLog(tr), Err: runErr, At: end})
	attrs := []any{"state", state, "duration", end.Sub(start).String(), "records_in", res.RecordsIn, "records_out", res.RecordsOut}
	if retErr != nil {
		lg.Warn("attempt finished", append(attrs, "error", msg)...)
		return TaskResult{}, retErr
	}
	lg.Info("attempt finished", attrs...)
	return TaskResult{State: state, Attempt: next, RecordsIn: res.RecordsIn, RecordsOut: res.RecordsOut}, nil
}

// interrupted is the error of an attempt cut short by the worker stopping:
// the workflow dispatches the task again, keeping the rest of its budget.
func (a *Activities) interrupted(ctx context.Context, info activity.Info, cause error) error {
	return sdktemporal.NewNonRetryableApplicationError("interrupted: worker "+a.Identity+" stopped: "+a.Redact(cause.Error()), ErrInterrupted, nil, attemptDetail{Attempt: int(info.Attempt)})
}

// invoke runs the task with its timeout, heartbeating to Temporal and to
// the store (attempt and run) every third of the heartbeat timeout, and
// saving the log so far when it changed. lost is set when another owner
// took the run over: the attempt was stopped for that.
func (a *Activities) invoke(ctx context.Context, in TaskInput, task pipeline.Task, tr pipeline.TaskRun, tl *taskLog, lg *slog.Logger) (res pipeline.Result, runErr error, timedOut bool, lost error) {
	st := a.Store
	bg := context.WithoutCancel(ctx)
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if task.Timeout > 0 {
		var c2 context.CancelFunc
		tctx, c2 = context.WithTimeout(tctx, task.Timeout)
		defer c2()
	}
	var (
		noteMu sync.Mutex
		note   string
		lostMu sync.Mutex
	)
	tc := &pipeline.TaskContext{
		RunID:    in.RunID,
		Pipeline: in.Pipeline,
		Task:     in.Task,
		Attempt:  tr.Attempt,
		Interval: in.Interval,
		Logger:   slog.New(slog.NewMultiHandler(lg.Handler(), slog.NewTextHandler(tl, nil))),
		Log:      tl,
		Heartbeat: func(progress string) {
			noteMu.Lock()
			changed := progress != "" && progress != note
			if changed {
				note = progress
			}
			noteMu.Unlock()
			if changed {
				fmt.Fprintf(tl, "%s progress: %s\n", a.now().Format(time.RFC3339Nano), progress)
			}
			activity.RecordHeartbeat(ctx, progress)
		},
	}

	every := max(a.HeartbeatTimeout/3, 50*time.Millisecond)
	hbStop := make(chan struct{})
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		saved := 0
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-hbStop:
				return
			case <-t.C:
			}
			activity.RecordHeartbeat(ctx)
			now := a.now()
			if err := st.HeartbeatRun(bg, in.RunID, in.Owner, now); errors.Is(err, store.ErrNotOwner) {
				lostMu.Lock()
				lost = fmt.Errorf("run %s was taken over by another owner: %w", in.RunID, err)
				lostMu.Unlock()
				cancel()
				return
			} else if err != nil {
				lg.Warn("run heartbeat failed", "error", err)
			}
			if err := st.HeartbeatTaskRun(bg, in.RunID, in.Task, tr.Attempt, now); err != nil {
				lg.Warn("attempt heartbeat failed", "error", err)
			}
			if s, v := tl.snapshot(); v != saved {
				row := tr
				row.Heartbeat = &now
				row.Log = s
				if err := st.UpdateTaskRun(bg, row); err == nil {
					saved = v
				}
			}
		}
	}()

	type ret struct {
		res pipeline.Result
		err error
	}
	ch := make(chan ret, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(tl, "panic: %v\n%s", p, debug.Stack())
				ch <- ret{err: pipeline.Permanent(fmt.Errorf("task panicked: %v", p))}
			}
		}()
		r, err := task.Runner.Run(tctx, tc)
		ch <- ret{r, err}
	}()
	r := <-ch
	close(hbStop)
	<-hbDone
	lostMu.Lock()
	defer lostMu.Unlock()
	timedOut = r.err != nil && task.Timeout > 0 && errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	return r.res, r.err, timedOut, lost
}

// Settle records a task the trigger rules decided without running it, or,
// with Lost, closes the attempts a lost worker left running. Settling
// twice (a retried activity) records once.
func (a *Activities) Settle(ctx context.Context, in SettleInput) error {
	a.init()
	st := a.Store
	trs, err := st.ListTaskRuns(ctx, in.RunID)
	if err != nil {
		return fmt.Errorf("load attempts of %s: %w", in.Task, err)
	}
	now := a.now()
	next := in.AfterAttempt + 1
	for _, tr := range trs {
		if tr.Task != in.Task {
			continue
		}
		next = max(next, tr.Attempt+1)
		if tr.Attempt <= in.AfterAttempt {
			continue
		}
		if in.Lost && (tr.State == pipeline.Running || tr.State == pipeline.Queued) {
			tr.State, tr.Error, tr.EndedAt = in.State, a.Redact(in.Reason), &now
			if saved, err := st.TaskRunLog(ctx, in.RunID, tr.Task, tr.Attempt); err == nil {
				tr.Log = saved
			}
			l := newTaskLog(a.LogLimit, a.Redact)
			l.Write([]byte(tr.Log))
			l.line(now, "attempt %d recorded as %s: %s", tr.Attempt, tr.State, tr.Error)
			tr.Log = l.String()
			if err := st.UpdateTaskRun(ctx, tr); err != nil {
				return fmt.Errorf("close lost attempt %d of %s: %w", tr.Attempt, tr.Task, err)
			}
			a.emit(engine.Event{Kind: engine.TaskFinished, Run: a.eventRun(ctx, in.RunID, "", pipeline.Interval{}), Task: tr.Task,
				TaskRun: withoutLog(tr), Err: errors.New(tr.Error), At: now})
		}
		if !in.Lost && tr.State == in.State && tr.StartedAt == nil {
			return nil // recorded by an earlier try of this activity
		}
	}
	if in.Lost {
		return nil
	}
	l := newTaskLog(a.LogLimit, a.Redact)
	l.line(now, "not run: %s (%s)", in.State, in.Reason)
	tr := pipeline.TaskRun{RunID: in.RunID, Task: in.Task, Attempt: next, State: in.State, EndedAt: &now, Error: a.Redact(in.Reason), Log: l.String()}
	if err := st.InsertTaskRun(ctx, tr); err != nil {
		return fmt.Errorf("record %s as %s: %w", in.Task, in.State, err)
	}
	a.Logger.Info("task not run", "run_id", in.RunID, "task", in.Task, "attempt", next, "state", in.State, "reason", in.Reason)
	a.emit(engine.Event{Kind: engine.TaskFinished, Run: a.eventRun(ctx, in.RunID, "", pipeline.Interval{}), Task: in.Task, TaskRun: withoutLog(tr), At: now})
	return nil
}

// SLAMissed raises a missed SLA: the engine's SLAMissed event, for the
// alert rules (sla_miss), and a warning in the log.
func (a *Activities) SLAMissed(ctx context.Context, in SLAInput) error {
	a.init()
	what := "run"
	if in.Task != "" {
		what = "task " + in.Task
	}
	a.Logger.Warn(what+" missed its SLA", "run_id", in.RunID, "task", in.Task, "attempt", 0, "sla", in.SLA.String())
	a.emit(engine.Event{Kind: engine.SLAMissed, Run: a.eventRun(ctx, in.RunID, "", pipeline.Interval{}), Task: in.Task,
		Err: fmt.Errorf("%s not done %s after the run started", what, in.SLA), At: a.now()})
	return nil
}

// Finish records the run's state from its tasks' final states (success
// when every task succeeded or was skipped, failed when any did not,
// queued when any is unfinished, so the next execution resumes it) and
// releases the run. A run another owner took over is left to that owner.
func (a *Activities) Finish(ctx context.Context, in FinishInput) (pipeline.State, error) {
	a.init()
	st := a.Store
	run, err := st.GetRun(ctx, in.RunID)
	if err != nil {
		return "", fmt.Errorf("finish run %s: %w", in.RunID, err)
	}
	state := pipeline.Success
	if dag := a.DAGs[run.Pipeline]; dag != nil {
		for _, t := range dag.Tasks {
			s, ok := in.States[t.Name]
			switch {
			case !ok || !s.Terminal():
				state = pipeline.Queued
			case s != pipeline.Success && s != pipeline.Skipped && state == pipeline.Success:
				state = pipeline.Failed
			}
		}
	}
	if run.Owner != "" && run.Owner != in.Owner {
		a.Logger.Warn("run was taken over; leaving it to its new owner", "run_id", run.ID, "owner", run.Owner, "task", "", "attempt", 0)
		return state, nil
	}
	now := a.now()
	run.State = state
	run.EndedAt = nil
	if state.Terminal() {
		run.EndedAt = &now
	}
	run.Owner = ""
	if err := st.UpdateRun(ctx, run); err != nil {
		return "", fmt.Errorf("record run %s as %s: %w", run.ID, state, err)
	}
	a.Logger.Info("run finished", "run_id", run.ID, "pipeline", run.Pipeline, "state", state, "task", "", "attempt", 0)
	ev := engine.Event{Kind: engine.RunFinished, Run: run, At: now}
	if !state.Terminal() {
		// As the engine says of an interrupted run: queued, resumed by the
		// next execution; neither a failure nor a recovery.
		ev.Err = errors.New("run unfinished: the next execution resumes it")
	}
	a.emit(ev)
	return state, nil
}

// emit hands ev to Observe, if any.
func (a *Activities) emit(ev engine.Event) {
	if a.Observe != nil {
		a.Observe(ev)
	}
}

// eventRun is the run an event carries, read from the store; if the read
// fails the event still names the run, its pipeline and interval.
func (a *Activities) eventRun(ctx context.Context, id, pipelineName string, iv pipeline.Interval) pipeline.Run {
	if a.Observe == nil {
		return pipeline.Run{}
	}
	run, err := a.Store.GetRun(ctx, id)
	if err != nil {
		a.Logger.Warn("event: read run", "run_id", id, "err", err)
		return pipeline.Run{ID: id, Pipeline: pipelineName, Interval: iv, State: pipeline.Running}
	}
	return run
}

// withoutLog copies an attempt for an event, which never carries its log.
func withoutLog(tr pipeline.TaskRun) *pipeline.TaskRun {
	tr.Log = ""
	return &tr
}
