// Package lambda runs memepipe pipelines as an AWS Lambda function: one
// invocation runs one whole run, or one task of it, for one data interval,
// with the in-process engine, against the shared store (PostgreSQL) and
// raw zone (S3). EventBridge Scheduler (memepipe export eventbridge)
// invokes it on each pipeline's schedule.
//
// Events:
//
//	{"pipeline": "hourly", "interval_start": "2026-11-28T17:00:00Z", "interval_end": "2026-11-28T18:00:00Z"}
//	{"pipeline": "hourly", "task": "clean", "interval_start": ..., "interval_end": ...}
//	{"pipeline": "hourly", "scheduled_time": "2026-11-28T18:00:00Z"}   (EventBridge: the interval that ends at the slot)
//
// A run that finishes, succeeded or failed, is a successful invocation
// whose response says how it went: retrying a failed run would only burn
// the tasks' retry budgets again. An invocation whose time runs out stops
// starting tasks shortly before the deadline, saves the run as resumable
// and returns an error, so Lambda's retry of the event resumes it.
package lambda

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"memepipe/config"
	"memepipe/engine"
	"memepipe/pipeline"
	"memepipe/schedule"
	"memepipe/store"
)

// Event is what the function is invoked with.
type Event struct {
	Pipeline string `json:"pipeline"`
	// Task, when set, runs only that task (its dependencies are not run).
	Task string `json:"task,omitempty"`
	// IntervalStart and IntervalEnd (RFC 3339) name the interval; or
	// ScheduledTime names the slot a scheduler fired for.
	IntervalStart string `json:"interval_start,omitempty"`
	IntervalEnd   string `json:"interval_end,omitempty"`
	ScheduledTime string `json:"scheduled_time,omitempty"`
	// Rerun runs tasks again even if they succeeded.
	Rerun bool `json:"rerun,omitempty"`
}

// Response is what an invocation returns.
type Response struct {
	RunID         string         `json:"run_id"`
	Pipeline      string         `json:"pipeline"`
	IntervalStart time.Time      `json:"interval_start"`
	IntervalEnd   time.Time      `json:"interval_end"`
	State         pipeline.State `json:"state"`
	Tasks         []TaskState    `json:"tasks"`
}

// TaskState is a task's latest attempt.
type TaskState struct {
	Task     string         `json:"task"`
	State    pipeline.State `json:"state"`
	Attempts int            `json:"attempts"`
	Error    string         `json:"error,omitempty"`
}

// Handler handles invocations. One Handler lives for the whole execution
// environment: the store's connections and the built DAGs are reused by
// every warm invocation.
type Handler struct {
	Store  store.Store
	Config *config.Config
	DAGs   map[string]*pipeline.DAG
	// Engine configures the engine; Owner defaults to "lambda:" and the
	// environment's log stream name (unique per execution environment, as
	// host:pid is not: every environment is pid 1-ish on a fresh host).
	Engine engine.Options
	// Reserve is how long before the invocation's deadline the run stops
	// starting tasks, to leave time to record its state (default 15s).
	Reserve time.Duration
	Logger  *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AfterRun, when set, is called once an invocation's run has ended,
	// with the invocation's context (its deadline less nothing: Reserve is
	// the time left for it): Lambda freezes the environment when the
	// handler returns, so whatever the run left in the background (alerts
	// queued for delivery) must go out now.
	AfterRun func(ctx context.Context, pipeline string)

	eng *engine.Engine
}

// New returns a handler; owner names the execution environment.
func New(h Handler, owner string) *Handler {
	if h.Reserve <= 0 {
		h.Reserve = 15 * time.Second
	}
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.Engine.Owner == "" {
		h.Engine.Owner = "lambda:" + owner
	}
	if h.Engine.Logger == nil {
		h.Engine.Logger = h.Logger
	}
	// Lambda freezes the environment between invocations and kills it at
	// the deadline: short grace periods, so a stopping run is recorded.
	if h.Engine.Grace <= 0 {
		h.Engine.Grace = 5 * time.Second
	}
	if h.Engine.AbandonAfter <= 0 {
		h.Engine.AbandonAfter = 3 * time.Second
	}
	h.eng = engine.New(h.Store, h.Engine)
	return &h
}

// badEvent is an invocation that can never succeed as sent.
func badEvent(format string, args ...any) error {
	return fmt.Errorf("bad event: "+format, args...)
}

// Interval reads the event's interval: interval_start and interval_end,
// or the interval that ends at scheduled_time.
func (h *Handler) Interval(ev Event, p *config.Pipeline) (pipeline.Interval, pipeline.RunTrigger, error) {
	switch {
	case ev.IntervalStart != "" || ev.IntervalEnd != "":
		if ev.ScheduledTime != "" {
			return pipeline.Interval{}, "", badEvent("give either interval_start and interval_end or scheduled_time, not both")
		}
		start, err := time.Parse(time.RFC3339, ev.IntervalStart)
		if err != nil {
			return pipeline.Interval{}, "", badEvent("interval_start %q is not an RFC 3339 time", ev.IntervalStart)
		}
		end, err := time.Parse(time.RFC3339, ev.IntervalEnd)
		if err != nil {
			return pipeline.Interval{}, "", badEvent("interval_end %q is not an RFC 3339 time", ev.IntervalEnd)
		}
		iv, err := pipeline.NewInterval(start, end)
		if err != nil {
			return pipeline.Interval{}, "", badEvent("%v", err)
		}
		return iv, pipeline.TriggerManual, nil
	case ev.ScheduledTime != "":
		slot, err := time.Parse(time.RFC3339, ev.ScheduledTime)
		if err != nil {
			return pipeline.Interval{}, "", badEvent("scheduled_time %q is not an RFC 3339 time", ev.ScheduledTime)
		}
		iv, err := schedule.SlotInterval(p.Schedule, p.Timezone, p.Interval.D(), slot)
		if err != nil {
			return pipeline.Interval{}, "", badEvent("pipeline %s: %v", p.Name, err)
		}
		return iv, pipeline.TriggerSchedule, nil
	}
	return pipeline.Interval{}, "", badEvent("no interval: give interval_start and interval_end, or scheduled_time")
}

// Invoke runs the event's run (or task) to completion and reports it.
func (h *Handler) Invoke(ctx context.Context, ev Event) (Response, error) {
	if ev.Pipeline == "" {
		return Response{}, badEvent(`no "pipeline"`)
	}
	p, ok := h.Config.Pipeline(ev.Pipeline)
	dag := h.DAGs[ev.Pipeline]
	if !ok || dag == nil {
		return Response{}, badEvent("no pipeline %q (configured: %s)", ev.Pipeline, strings.Join(h.Config.PipelineNames(), ", "))
	}
	iv, trigger, err := h.Interval(ev, p)
	if err != nil {
		return Response{}, err
	}
	if ev.Task != "" {
		if dag, err = dag.Subset([]string{ev.Task}); err != nil {
			return Response{}, badEvent("%v", err)
		}
	}
	runCtx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, dl.Add(-h.Reserve))
		defer cancel()
	}
	h.Logger.Info("invocation", "pipeline", dag.Name, "task", ev.Task, "interval", iv.String(), "trigger", trigger)
	run, runErr := h.eng.Run(runCtx, dag, iv, engine.RunOptions{Trigger: trigger, Rerun: ev.Rerun})
	if h.AfterRun != nil {
		h.AfterRun(ctx, dag.Name)
	}
	if run.ID == "" {
		return Response{}, runErr
	}
	resp := Response{RunID: run.ID, Pipeline: dag.Name, IntervalStart: iv.Start, IntervalEnd: iv.End, State: run.State}
	bg := context.WithoutCancel(ctx)
	if trs, err := h.Store.ListTaskRuns(bg, run.ID); err == nil {
		latest := map[string]TaskState{}
		for _, tr := range trs {
			ts := latest[tr.Task]
			if tr.Attempt >= ts.Attempts {
				ts = TaskState{Task: tr.Task, State: tr.State, Attempts: tr.Attempt, Error: tr.Error}
			}
			latest[tr.Task] = ts
		}
		for _, t := range dag.Tasks {
			if ts, ok := latest[t.Name]; ok {
				resp.Tasks = append(resp.Tasks, ts)
			}
		}
	}
	if runErr != nil {
		if errors.Is(runErr, context.DeadlineExceeded) || errors.Is(runErr, context.Canceled) {
			return resp, fmt.Errorf("run %s stopped before the invocation's deadline with unfinished tasks; the retried invocation resumes it: %w", run.ID, runErr)
		}
		return resp, runErr
	}
	return resp, nil
}
