// Package store defines what memepipe keeps in its database. Two
// implementations, store/sqlite (the default) and store/postgres, pass one
// conformance suite, store/storetest. Nothing above this package writes SQL.
//
// The interface is split by concern (runs, watermarks, and later canonical
// rows, analytics, alerts, schedules) so each concern's SQL lives in its own
// file per dialect. Migrations are embedded per dialect and numbered by
// concern: 00001-00009 runs and watermarks, 00010-00019 canonical tables,
// 00020-00029 analytics, 00030-00039 alerts, 00040-00049 schedules.
package store

import (
	"context"
	"errors"
	"time"

	"memepipe/alert"
	"memepipe/pipeline"
)

// ErrNotFound is returned (wrapped) when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrNotOwner is returned (wrapped) by HeartbeatRun when another process has
// taken the run over: the caller has lost it and must stop working on it.
var ErrNotOwner = errors.New("run is owned by another process")

// Store is everything memepipe keeps.
type Store interface {
	Runs
	Watermarks
	Alerts
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	// Ping checks that the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// RunFilter selects runs for ListRuns and CountRuns. Zero values select all.
type RunFilter struct {
	Pipeline string
	States   []pipeline.State
	// IntervalFrom/IntervalTo keep runs whose interval start lies in
	// [IntervalFrom, IntervalTo).
	IntervalFrom, IntervalTo time.Time
	// Limit caps the rows returned (0: no cap); Offset skips rows. Runs are
	// ordered newest first: by interval start, then creation time, then id.
	Limit, Offset int
}

// Runs keeps runs and their task runs (one row per attempt).
type Runs interface {
	// CreateRun inserts r unless a run for (r.Pipeline, r.Interval) exists,
	// and returns the stored run with created telling which happened. The
	// unique key is enforced by the database, so two processes racing on one
	// slot get one run. An empty r.ID is filled with a new id.
	CreateRun(ctx context.Context, r pipeline.Run) (stored pipeline.Run, created bool, err error)
	GetRun(ctx context.Context, id string) (pipeline.Run, error)
	// FindRun returns the run of pipeline p for interval iv, or ErrNotFound.
	FindRun(ctx context.Context, p string, iv pipeline.Interval) (pipeline.Run, error)
	ListRuns(ctx context.Context, f RunFilter) ([]pipeline.Run, error)
	CountRuns(ctx context.Context, f RunFilter) (int, error)
	// UpdateRun writes r's state, started/ended times and owner.
	UpdateRun(ctx context.Context, r pipeline.Run) error
	// ClaimRun makes owner the run's owner if it has none, already is
	// owner, or the current owner's last heartbeat is before staleBefore.
	// It reports whether the claim succeeded; the check and the write are
	// one atomic statement.
	ClaimRun(ctx context.Context, id, owner string, staleBefore time.Time) (bool, error)
	// HeartbeatRun records that owner is alive and still running the run.
	HeartbeatRun(ctx context.Context, id, owner string, at time.Time) error

	// InsertTaskRun adds an attempt; (RunID, Task, Attempt) is unique.
	InsertTaskRun(ctx context.Context, tr pipeline.TaskRun) error
	// UpdateTaskRun writes an attempt's state, times, records, error and log.
	UpdateTaskRun(ctx context.Context, tr pipeline.TaskRun) error
	// ListTaskRuns returns every attempt of every task of a run, ordered by
	// task start, task name and attempt. Logs are not loaded.
	ListTaskRuns(ctx context.Context, runID string) ([]pipeline.TaskRun, error)
	// TaskRunLog returns one attempt's log (attempt 0: the latest attempt).
	TaskRunLog(ctx context.Context, runID, task string, attempt int) (string, error)
	// HeartbeatTaskRun records that an attempt is alive.
	HeartbeatTaskRun(ctx context.Context, runID, task string, attempt int, at time.Time) error
}

// Watermarks keep each collector's incremental cursor (a since_id, a block
// number, a timestamp), by source and key (usually the token).
type Watermarks interface {
	GetWatermark(ctx context.Context, source, key string) (value string, ok bool, err error)
	SetWatermark(ctx context.Context, source, key, value string) error
}

// Alerts keep the alert rules' conditions (so a `memepipe run` from cron,
// a new process each time, still pages once per problem) and the history
// of deliveries. The alert package's Evaluator and Dispatcher use it.
type Alerts interface {
	alert.Conditions
	alert.History
	// ListConditions returns the conditions, firing ones only if firing.
	ListConditions(ctx context.Context, firing bool) ([]alert.Condition, error)
	// ListDeliveries returns deliveries newest first, at most limit (0: 100).
	ListDeliveries(ctx context.Context, limit int) ([]alert.Delivery, error)
}
