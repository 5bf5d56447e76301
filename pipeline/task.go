package pipeline

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// Runner does a task's work for one attempt. Built-in tasks (collectors,
// cleaners, analytics) and external commands implement it alike; the engine
// knows nothing else about them.
type Runner interface {
	Run(ctx context.Context, tc *TaskContext) (Result, error)
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, tc *TaskContext) (Result, error)

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, tc *TaskContext) (Result, error) { return f(ctx, tc) }

// TaskContext is what one attempt of a task knows about where it runs.
type TaskContext struct {
	RunID    string
	Pipeline string
	Task     string
	Attempt  int
	Interval Interval
	// Logger carries run_id, task and attempt on every line.
	Logger *slog.Logger
	// Log receives the task's own output (a command's stdout and stderr);
	// the engine stores it as the attempt's log.
	Log io.Writer
	// Heartbeat may be called by long tasks to report progress; the engine
	// also heartbeats on its own while the task runs.
	Heartbeat func(progress string)
}

// Result is what an attempt reports besides its error.
type Result struct {
	RecordsIn  int64 `json:"records_in"`
	RecordsOut int64 `json:"records_out"`
}

// Task is one node of a DAG.
type Task struct {
	Name      string        `json:"name"`
	DependsOn []string      `json:"depends_on,omitempty"`
	Trigger   TriggerRule   `json:"trigger_rule,omitempty"`
	Retry     RetryPolicy   `json:"retry"`
	Timeout   time.Duration `json:"timeout,omitempty"` // per attempt; 0 is none
	SLA       time.Duration `json:"sla,omitempty"`     // from run start; 0 is none
	Pool      string        `json:"pool,omitempty"`    // concurrency pool; "" is the default pool
	Runner    Runner        `json:"-"`
}
