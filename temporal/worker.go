package temporal

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"memepipe/pipeline"
)

// WorkerOptions configure a memepipe worker.
type WorkerOptions struct {
	// TaskQueue is the queue to poll (default DefaultTaskQueue).
	TaskQueue string
	// MaxParallel caps the task attempts this worker runs at once
	// (config max_parallel; default 8).
	MaxParallel int
	// StopTimeout is how long running attempts may go on once the worker
	// is told to stop before their context is cancelled (default 10s);
	// an attempt cut short is dispatched again elsewhere.
	StopTimeout time.Duration
	// Identity names the worker in Temporal (default the SDK's pid@host).
	Identity string
}

// Register registers the run workflow and the activities on w.
func Register(w worker.Registry, acts *Activities) {
	w.RegisterWorkflowWithOptions(RunWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(acts.Plan, activity.RegisterOptions{Name: PlanActivity})
	w.RegisterActivityWithOptions(acts.RunTask, activity.RegisterOptions{Name: TaskActivity})
	w.RegisterActivityWithOptions(acts.Settle, activity.RegisterOptions{Name: SettleActivity})
	w.RegisterActivityWithOptions(acts.Finish, activity.RegisterOptions{Name: FinishActivity})
	w.RegisterActivityWithOptions(acts.SLAMissed, activity.RegisterOptions{Name: SLAActivity})
}

// NewWorker returns a worker polling o.TaskQueue with the workflow and
// activities registered. Run it with w.Run(worker.InterruptCh()) or
// Start/Stop.
func NewWorker(c client.Client, acts *Activities, o WorkerOptions) worker.Worker {
	if o.TaskQueue == "" {
		o.TaskQueue = DefaultTaskQueue
	}
	if o.MaxParallel <= 0 {
		o.MaxParallel = 8
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 10 * time.Second
	}
	w := worker.New(c, o.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: o.MaxParallel,
		WorkerStopTimeout:                  o.StopTimeout,
		Identity:                           o.Identity,
	})
	Register(w, acts)
	return w
}

// RunID is the workflow ID of a triggered run of pipeline p for iv: one
// per pipeline and interval, so triggering an interval twice while its
// workflow runs attaches to it instead of starting another.
func RunID(p string, iv pipeline.Interval) string {
	return fmt.Sprintf("memepipe-%s-%s-%s", p, iv.Start.UTC().Format("20060102T150405Z"), iv.End.UTC().Format("20060102T150405Z"))
}

// StartRun starts (or attaches to) the workflow running req on queue.
// req.Interval must be set.
func StartRun(ctx context.Context, c client.Client, queue string, req RunRequest) (client.WorkflowRun, error) {
	if req.Interval.IsZero() {
		return nil, fmt.Errorf("pipeline %s: no interval to run", req.Pipeline)
	}
	if queue == "" {
		queue = DefaultTaskQueue
	}
	if req.Trigger == "" {
		req.Trigger = pipeline.TriggerManual
	}
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       RunID(req.Pipeline, req.Interval),
		TaskQueue:                queue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("memepipe %s %s", req.Pipeline, req.Interval),
	}, WorkflowName, req)
}
