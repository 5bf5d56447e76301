// Package temporal runs memepipe's pipelines on Temporal: a workflow runs
// one pipeline run (its DAG, trigger rules, retries and timeouts), and
// activities run the built-in tasks by name, from the same config and into
// the same store as `memepipe run`, so `memepipe runs`, the API and the UI
// show Temporal-driven runs like local ones (one row per attempt; one run per
// pipeline and interval).
//
// Workflow code (this file) is deterministic: it decides from activity
// results only, in the DAG's task order, with the SDK's clock, futures and
// selectors, and the pure trigger-rule logic of package pipeline. Everything
// that touches the store, the clock or a task lives in the activities.
package temporal

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"memepipe/pipeline"
)

// Names registered with Temporal: a worker of any memepipe version that
// knows them can pick up the work.
const (
	WorkflowName   = "memepipe.run"
	PlanActivity   = "memepipe.plan"
	TaskActivity   = "memepipe.task"
	SettleActivity = "memepipe.settle"
	FinishActivity = "memepipe.finish"
	SLAActivity    = "memepipe.sla"

	// DefaultTaskQueue is the task queue workers poll unless told otherwise.
	DefaultTaskQueue = "memepipe"
)

// Error types of the application errors the activities return. Permanent
// and Interrupted are non-retryable in every task's retry policy: a
// permanent error fails the task at once, and an interruption (a worker
// shutting down) is re-dispatched by the workflow without using the task's
// retry budget.
const (
	ErrPermanent   = "memepipe.Permanent"
	ErrTransient   = "memepipe.Transient"
	ErrTimedOut    = "memepipe.TimedOut"
	ErrInterrupted = "memepipe.Interrupted"
	ErrPlan        = "memepipe.Plan"
	ErrRunFailed   = "memepipe.RunFailed"
)

// MaxRedispatch bounds how often one task is dispatched again after its
// worker was lost (heartbeat timeout: killed, out of memory, partitioned)
// or stopped under it. Such attempts do not use the task's retry budget;
// the bound keeps a task that kills its worker every time from looping.
const MaxRedispatch = 5

// ScheduledStartTime is the search attribute a Temporal Schedule sets on
// the workflows it starts: the slot.
var ScheduledStartTime = sdktemporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// RunRequest is the workflow's input: which pipeline, for which interval.
// With a zero Interval the run covers the interval that ends at Slot
// (schedule.SlotInterval); with a zero Slot too, Slot is the time the
// Schedule fired (its TemporalScheduledStartTime), or the workflow's start.
type RunRequest struct {
	Pipeline string              `json:"pipeline"`
	Interval pipeline.Interval   `json:"interval"`
	Slot     time.Time           `json:"slot"`
	Trigger  pipeline.RunTrigger `json:"trigger,omitempty"`
	// Rerun gives every task a new attempt, even those that succeeded.
	Rerun bool `json:"rerun,omitempty"`
}

// PlanRequest is the plan activity's input.
type PlanRequest struct {
	RunRequest
	// Owner is recorded as the run's owner: "temporal:<workflow id>".
	Owner string `json:"owner"`
}

// RunPlan is what the plan activity found: the run (created or resumed,
// claimed for Owner) and its DAG as the worker's config builds it.
type RunPlan struct {
	RunID    string            `json:"run_id"`
	Pipeline string            `json:"pipeline"`
	Interval pipeline.Interval `json:"interval"`
	Owner    string            `json:"owner"`
	// HeartbeatTimeout is the worker's: a task attempt whose worker has
	// not heartbeated for this long is presumed lost and dispatched again.
	HeartbeatTimeout time.Duration `json:"heartbeat_timeout"`
	// SLA bounds the run's duration from this execution's start (0: none).
	SLA   time.Duration `json:"sla,omitempty"`
	Tasks []TaskPlan    `json:"tasks"`
}

// TaskPlan is one task of the DAG, with what earlier executions of the run
// left of it.
type TaskPlan struct {
	Name      string               `json:"name"`
	DependsOn []string             `json:"depends_on,omitempty"`
	Trigger   pipeline.TriggerRule `json:"trigger_rule,omitempty"`
	Retry     pipeline.RetryPolicy `json:"retry"`
	Timeout   time.Duration        `json:"timeout,omitempty"`
	// SLA: the task should be done this long after the run's start.
	SLA time.Duration `json:"sla,omitempty"`
	// Done is success or skipped when an earlier execution of the run
	// finished the task (and this is no rerun): it is not run again.
	Done pipeline.State `json:"done,omitempty"`
	// AfterAttempt is the task's last attempt number before this
	// execution: attempts above it belong to this execution.
	AfterAttempt int `json:"after_attempt"`
}

// TaskInput is the task activity's input.
type TaskInput struct {
	RunID        string            `json:"run_id"`
	Pipeline     string            `json:"pipeline"`
	Task         string            `json:"task"`
	Interval     pipeline.Interval `json:"interval"`
	Owner        string            `json:"owner"`
	AfterAttempt int               `json:"after_attempt"`
	// MaxAttempts is how many attempts Temporal makes in this dispatch: the
	// activity records a failed attempt as up_for_retry while more remain.
	MaxAttempts int `json:"max_attempts"`
}

// TaskResult is what a finished task activity reports.
type TaskResult struct {
	State      pipeline.State `json:"state"` // success or skipped
	Attempt    int            `json:"attempt"`
	RecordsIn  int64          `json:"records_in"`
	RecordsOut int64          `json:"records_out"`
}

// attemptDetail travels in an Interrupted error: the Temporal attempt
// that was interrupted, so the re-dispatch keeps the rest of the budget.
type attemptDetail struct {
	Attempt int `json:"attempt"`
}

// SettleInput records a task decided without running (skipped,
// upstream_failed), or, with Lost, closes the attempts a lost worker left
// open as failed.
type SettleInput struct {
	RunID        string         `json:"run_id"`
	Task         string         `json:"task"`
	State        pipeline.State `json:"state"`
	Reason       string         `json:"reason"`
	Lost         bool           `json:"lost,omitempty"`
	AfterAttempt int            `json:"after_attempt"`
}

// SLAInput reports that a task (or the run, Task "") is not done SLA after
// the run's start.
type SLAInput struct {
	RunID string        `json:"run_id"`
	Task  string        `json:"task,omitempty"`
	SLA   time.Duration `json:"sla"`
}

// FinishInput records the run's final state and releases it.
type FinishInput struct {
	RunID  string                    `json:"run_id"`
	Owner  string                    `json:"owner"`
	States map[string]pipeline.State `json:"states"`
}

// RunOutcome is the workflow's result (and the details of its RunFailed error).
type RunOutcome struct {
	RunID    string                    `json:"run_id"`
	Pipeline string                    `json:"pipeline"`
	Interval pipeline.Interval         `json:"interval"`
	State    pipeline.State            `json:"state"`
	Tasks    map[string]pipeline.State `json:"tasks"`
}

// bookkeeping is the activity options of plan, settle and finish: short
// store writes, retried through a store outage of several minutes.
func bookkeeping(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &sdktemporal.RetryPolicy{
			InitialInterval:        200 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        20,
			NonRetryableErrorTypes: []string{ErrPlan},
		},
	})
}

// timeoutSlack is added to a task's timeout for its StartToClose timeout:
// the activity enforces the task's own timeout and still has time to
// record the attempt before Temporal gives up on it.
const timeoutSlack = 30 * time.Second

// noTimeout is the StartToClose timeout of a task without a timeout; the
// heartbeat timeout still catches a lost worker.
const noTimeout = 7 * 24 * time.Hour

// TaskActivityOptions maps a task's timeout and retry policy to Temporal's:
// Attempts, InitialDelay, Multiplier and MaxDelay become the retry policy
// (Temporal has no jitter), permanent errors and interruptions are
// non-retryable, the timeout becomes StartToClose (plus slack), and every
// attempt heartbeats within heartbeat.
func TaskActivityOptions(tp TaskPlan, heartbeat time.Duration, maxAttempts, dispatch int) workflow.ActivityOptions {
	initial := tp.Retry.InitialDelay
	if initial <= 0 {
		initial = time.Second // Temporal's default; zero is not allowed
	}
	mult := tp.Retry.Multiplier
	if mult < 1 {
		mult = 1
	}
	maxDelay := tp.Retry.MaxDelay
	if maxDelay > 0 && maxDelay < initial {
		maxDelay = initial
	}
	stc := noTimeout
	if tp.Timeout > 0 {
		stc = tp.Timeout + timeoutSlack
	}
	return workflow.ActivityOptions{
		ActivityID:          fmt.Sprintf("%s#%d", tp.Name, dispatch),
		Summary:             tp.Name,
		StartToCloseTimeout: stc,
		HeartbeatTimeout:    heartbeat,
		RetryPolicy: &sdktemporal.RetryPolicy{
			InitialInterval:        initial,
			BackoffCoefficient:     mult,
			MaximumInterval:        maxDelay,
			MaximumAttempts:        int32(max(maxAttempts, 1)),
			NonRetryableErrorTypes: []string{ErrPermanent, ErrInterrupted},
		},
	}
}

// RunWorkflow runs one pipeline run: it plans (creates or resumes the run
// in the store and gets the DAG), starts every task whose upstreams allow
// it as an activity, concurrently, settles the tasks the trigger rules skip
// or fail, and finishes the run. A failed run fails the workflow with a
// RunFailed error whose details are the RunOutcome.
func RunWorkflow(ctx workflow.Context, req RunRequest) (RunOutcome, error) {
	info := workflow.GetInfo(ctx)
	if req.Interval.IsZero() && req.Slot.IsZero() {
		req.Slot = scheduledTime(ctx)
		if req.Trigger == "" {
			req.Trigger = pipeline.TriggerSchedule
		}
	}
	owner := "temporal:" + info.WorkflowExecution.ID
	bk := bookkeeping(ctx)

	var plan RunPlan
	if err := workflow.ExecuteActivity(bk, PlanActivity, PlanRequest{RunRequest: req, Owner: owner}).Get(ctx, &plan); err != nil {
		return RunOutcome{}, err
	}
	log := workflow.GetLogger(ctx)
	log.Info("run planned", "run_id", plan.RunID, "pipeline", plan.Pipeline, "interval", plan.Interval.String(), "tasks", len(plan.Tasks))

	r := &dagRun{ctx: ctx, bk: bk, plan: plan, states: map[string]pipeline.State{}, dispatched: map[string]bool{}, dispatches: map[string]int{}, redispatched: map[string]int{}}
	r.sel = workflow.NewSelector(ctx)
	for _, tp := range plan.Tasks {
		if tp.Done != "" {
			r.states[tp.Name] = tp.Done
		}
	}
	// SLA timers: workflows started before they existed replay without.
	var stopSLA workflow.CancelFunc = func() {}
	if workflow.GetVersion(ctx, "sla-timers", workflow.DefaultVersion, 1) == 1 {
		stopSLA = r.armSLAs()
	}
	if err := r.decide(); err != nil {
		return RunOutcome{}, err
	}
	for r.inflight > 0 {
		r.sel.Select(ctx)
		if r.err != nil {
			break
		}
		if err := r.decide(); err != nil {
			return RunOutcome{}, err
		}
	}

	stopSLA()
	// Finish even when cancelled: the run is released (queued when tasks
	// are unfinished) so that the next execution resumes it at once.
	fctx, _ := workflow.NewDisconnectedContext(bk)
	var state pipeline.State
	if err := workflow.ExecuteActivity(fctx, FinishActivity, FinishInput{RunID: plan.RunID, Owner: owner, States: r.states}).Get(fctx, &state); err != nil {
		return RunOutcome{}, err
	}
	out := RunOutcome{RunID: plan.RunID, Pipeline: plan.Pipeline, Interval: plan.Interval, State: state, Tasks: r.states}
	if r.err != nil {
		return out, r.err
	}
	if ctx.Err() != nil {
		return out, sdktemporal.NewCanceledError(out)
	}
	log.Info("run finished", "run_id", plan.RunID, "state", state)
	if state != pipeline.Success {
		return out, sdktemporal.NewNonRetryableApplicationError(fmt.Sprintf("run %s of %s for %s %s: %s", plan.RunID, plan.Pipeline, plan.Interval, state, r.failures()), ErrRunFailed, nil, out)
	}
	return out, nil
}

// dagRun is the workflow's bookkeeping of one run.
type dagRun struct {
	ctx, bk      workflow.Context
	plan         RunPlan
	sel          workflow.Selector
	inflight     int
	states       map[string]pipeline.State // final states
	dispatched   map[string]bool
	dispatches   map[string]int // activity dispatches per task (activity IDs)
	redispatched map[string]int // dispatches after a lost or stopped worker
	err          error          // a bookkeeping failure: the run cannot be recorded
}

// armSLAs starts a timer per SLA (the run's and each unfinished task's),
// counted from this execution's start as the engine counts them. A timer
// that fires while its task (or any task, for the run's) is not done runs
// the SLA activity, which raises the miss on a worker; the run waits for
// it like for a task. The returned function cancels the timers left.
func (r *dagRun) armSLAs() workflow.CancelFunc {
	tctx, cancel := workflow.WithCancel(r.ctx)
	arm := func(task string, sla time.Duration, pending func() bool) {
		r.sel.AddFuture(workflow.NewTimer(tctx, sla), func(f workflow.Future) {
			if f.Get(tctx, nil) != nil || !pending() {
				return // cancelled, or done in time
			}
			r.inflight++
			in := SLAInput{RunID: r.plan.RunID, Task: task, SLA: sla}
			r.sel.AddFuture(workflow.ExecuteActivity(r.bk, SLAActivity, in), func(f workflow.Future) {
				r.inflight--
				if err := f.Get(r.ctx, nil); err != nil {
					workflow.GetLogger(r.ctx).Warn("SLA miss not recorded", "task", task, "error", err)
				}
			})
		})
	}
	for _, tp := range r.plan.Tasks {
		if _, done := r.states[tp.Name]; tp.SLA > 0 && !done {
			arm(tp.Name, tp.SLA, func() bool { _, done := r.states[tp.Name]; return !done })
		}
	}
	if r.plan.SLA > 0 {
		arm("", r.plan.SLA, func() bool { return len(r.states) < len(r.plan.Tasks) })
	}
	return cancel
}

func (r *dagRun) task(name string) TaskPlan {
	for _, tp := range r.plan.Tasks {
		if tp.Name == name {
			return tp
		}
	}
	return TaskPlan{}
}

// decide settles or dispatches every task whose upstreams are final
// enough, until nothing changes. Tasks are visited in DAG order, so
// replays make the same decisions in the same order.
func (r *dagRun) decide() error {
	for changed := true; changed; {
		changed = false
		for _, tp := range r.plan.Tasks {
			if _, done := r.states[tp.Name]; done || r.dispatched[tp.Name] {
				continue
			}
			ups := make([]pipeline.State, len(tp.DependsOn))
			for i, dep := range tp.DependsOn {
				ups[i] = pipeline.Running
				if s, ok := r.states[dep]; ok {
					ups[i] = s
				}
			}
			switch tp.Trigger.Evaluate(ups) {
			case pipeline.DecideWait:
			case pipeline.DecideRun:
				r.dispatched[tp.Name] = true
				r.dispatch(tp, max(tp.Retry.Attempts, 1))
			case pipeline.DecideSkip:
				if err := r.settle(SettleInput{Task: tp.Name, State: pipeline.Skipped, Reason: "trigger rule " + string(tp.Trigger) + ": no upstream succeeded"}); err != nil {
					return err
				}
				changed = true
			case pipeline.DecideUpstreamFailed:
				var bad []string
				for _, dep := range tp.DependsOn {
					if s, ok := r.states[dep]; ok && s != pipeline.Success && s != pipeline.Skipped {
						bad = append(bad, dep+" "+string(s))
					}
				}
				if err := r.settle(SettleInput{Task: tp.Name, State: pipeline.UpstreamFailed, Reason: "upstream " + strings.Join(bad, ", ")}); err != nil {
					return err
				}
				changed = true
			}
		}
	}
	return nil
}

func (r *dagRun) settle(in SettleInput) error {
	in.RunID = r.plan.RunID
	in.AfterAttempt = r.task(in.Task).AfterAttempt
	if err := workflow.ExecuteActivity(r.bk, SettleActivity, in).Get(r.ctx, nil); err != nil {
		return fmt.Errorf("record %s as %s: %w", in.Task, in.State, err)
	}
	r.states[in.Task] = in.State
	return nil
}

// dispatch starts the task's activity with maxAttempts attempts.
func (r *dagRun) dispatch(tp TaskPlan, maxAttempts int) {
	r.dispatches[tp.Name]++
	actx := workflow.WithActivityOptions(r.ctx, TaskActivityOptions(tp, r.plan.HeartbeatTimeout, maxAttempts, r.dispatches[tp.Name]))
	f := workflow.ExecuteActivity(actx, TaskActivity, TaskInput{
		RunID: r.plan.RunID, Pipeline: r.plan.Pipeline, Task: tp.Name, Interval: r.plan.Interval,
		Owner: r.plan.Owner, AfterAttempt: tp.AfterAttempt, MaxAttempts: maxAttempts,
	})
	r.inflight++
	r.sel.AddFuture(f, func(f workflow.Future) {
		r.inflight--
		var res TaskResult
		err := f.Get(r.ctx, &res)
		if err == nil {
			r.states[tp.Name] = res.State
			return
		}
		if r.ctx.Err() != nil {
			return // cancelled: the task stays unfinished, the run queued
		}
		// A worker stopped under the attempt: dispatch again with the
		// attempts it had left (the interrupted one is not counted).
		var app *sdktemporal.ApplicationError
		if errors.As(err, &app) && app.Type() == ErrInterrupted && r.redispatched[tp.Name] < MaxRedispatch {
			var d attemptDetail
			_ = app.Details(&d)
			r.redispatched[tp.Name]++
			r.dispatch(tp, max(maxAttempts-(d.Attempt-1), 1))
			return
		}
		// A worker was lost (its heartbeats stopped) on the last attempt
		// Temporal would make: a lost worker says nothing about the task,
		// so it gets one more attempt, up to MaxRedispatch.
		if lostWorker(err) {
			if r.redispatched[tp.Name] < MaxRedispatch {
				r.redispatched[tp.Name]++
				r.dispatch(tp, 1)
				return
			}
			// Close the attempt the lost worker left running.
			if serr := r.settle(SettleInput{Task: tp.Name, State: pipeline.Failed, Lost: true,
				Reason: fmt.Sprintf("zombie: worker lost (no heartbeat for %s), %d times", r.plan.HeartbeatTimeout, MaxRedispatch+1)}); serr != nil && r.err == nil {
				r.err = serr
			}
			return
		}
		r.states[tp.Name] = failedState(err)
	})
}

// lostWorker reports whether err is an activity that stopped heartbeating.
func lostWorker(err error) bool {
	var te *sdktemporal.TimeoutError
	return errors.As(err, &te) && te.TimeoutType() == enumspb.TIMEOUT_TYPE_HEARTBEAT
}

// failedState is the final state of a task whose activity failed: the
// activity recorded the attempt; the error's type says how it ended.
func failedState(err error) pipeline.State {
	var app *sdktemporal.ApplicationError
	if errors.As(err, &app) && app.Type() == ErrTimedOut {
		return pipeline.TimedOut
	}
	var te *sdktemporal.TimeoutError
	if errors.As(err, &te) && te.TimeoutType() == enumspb.TIMEOUT_TYPE_START_TO_CLOSE {
		return pipeline.TimedOut
	}
	return pipeline.Failed
}

func (r *dagRun) failures() string {
	var bad []string
	for name, s := range r.states {
		if s != pipeline.Success && s != pipeline.Skipped {
			bad = append(bad, name+" "+string(s))
		}
	}
	sort.Strings(bad)
	if len(bad) == 0 {
		return "unfinished tasks"
	}
	return strings.Join(bad, ", ")
}

// scheduledTime is the slot a Schedule fired for: its
// TemporalScheduledStartTime search attribute, else the timestamp the
// Schedule appends to the workflow ID, else the workflow's start.
func scheduledTime(ctx workflow.Context) time.Time {
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(ScheduledStartTime); ok && !t.IsZero() {
		return t.UTC()
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if len(id) > len(time.RFC3339) {
		if t, err := time.Parse(time.RFC3339, id[len(id)-len("2006-01-02T15:04:05Z"):]); err == nil {
			return t.UTC()
		}
	}
	return workflow.Now(ctx).UTC()
}
