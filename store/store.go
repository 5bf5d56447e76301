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

	"memepipe/pipeline"
)

// ErrNotFound is returned (wrapped) when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned (wrapped) by a compare-and-swap write when another
// writer changed the row since it was read: re-read and decide again.
var ErrConflict = errors.New("changed by another writer since it was read")

// ErrNotOwner is returned (wrapped) by HeartbeatRun when another process has
// taken the run over: the caller has lost it and must stop working on it.
var ErrNotOwner = errors.New("run is owned by another process")

// Store is everything memepipe keeps.
type Store interface {
	Runs
	RunViews
	Watermarks
	Schedules
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
	// Triggers keeps runs with one of these triggers.
	Triggers []pipeline.RunTrigger
	// Before, a run id, keeps the runs that come after that run in the
	// listing order: keyset pagination, so page 200 of a pipeline's runs
	// costs what page 1 does (an index range scan, not OFFSET's skip). The
	// run must exist (else ErrNotFound). Ignored by CountRuns.
	Before string
	// OldestFirst reverses the order (the scheduler dispatches queued
	// backfill runs oldest first).
	OldestFirst bool
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

// RunViews are the bulk reads of run history the API and UI make, kept
// apart from Runs so that the engine's store (store.Runs) stays small.
type RunViews interface {
	// CountRunsByState counts the runs f selects per state (states with no
	// run are absent), ignoring limit, offset and Before.
	CountRunsByState(ctx context.Context, f RunFilter) (map[pipeline.State]int, error)
	// TaskRunsOf returns the attempts (without logs) of each of the runs,
	// keyed by run id, each run's in ListTaskRuns order, in one query: the
	// run grid shows 50 runs' tasks at once.
	TaskRunsOf(ctx context.Context, runIDs []string) (map[string][]pipeline.TaskRun, error)
	// TaskFreshness returns, per (pipeline, task) that ever succeeded, its
	// latest successful attempt: what a dataset's freshness is until the
	// canonical tables record their own.
	TaskFreshness(ctx context.Context) ([]TaskFreshness, error)
}

// TaskFreshness is a task's latest success.
type TaskFreshness struct {
	Pipeline    string    `json:"pipeline"`
	Task        string    `json:"task"`
	LastSuccess time.Time `json:"last_success"`
	RunID       string    `json:"run_id"`
	RecordsOut  int64     `json:"records_out"`
}

// ScheduleRecord is the scheduler's bookkeeping for one pipeline.
type ScheduleRecord struct {
	Pipeline string
	// State is the scheduler's JSON document (its cursor, catch-up queue,
	// buffered slots ...). The store keeps it as given; "" when none.
	State string
	// Paused pipelines are not scheduled; only SetPaused changes it.
	Paused bool
	// SkippedSlots counts slots never run (catch-up window and bound,
	// overlap policy); LastSkip says why and when the latest was skipped.
	SkippedSlots   int64
	LastSkipReason string
	LastSkipAt     *time.Time
	UpdatedAt      time.Time
	// Version counts the record's writes (0: never written). SaveSchedule
	// writes only over the version it was given.
	Version int64
}

// Schedules keep each pipeline's ScheduleRecord. Two `memepipe serve`
// processes on one database share them: every write is a compare-and-swap
// on Version, so of two schedulers deciding from the same record exactly
// one advances it, and the other re-reads and sees what was decided.
type Schedules interface {
	// GetSchedule returns p's record; a pipeline never written has a zero
	// record (Version 0) with Pipeline set.
	GetSchedule(ctx context.Context, p string) (ScheduleRecord, error)
	// ListSchedules returns every stored record, by pipeline name.
	ListSchedules(ctx context.Context) ([]ScheduleRecord, error)
	// SaveSchedule writes rec's State, SkippedSlots and LastSkip if the
	// stored version is still rec.Version (0: no row yet), and returns the
	// record as stored, with its new version. When another writer got there
	// first it changes nothing and returns ErrConflict. Paused is not
	// written (SetPaused owns it).
	SaveSchedule(ctx context.Context, rec ScheduleRecord) (ScheduleRecord, error)
	// SetPaused sets p's paused flag, whatever its version, and bumps the
	// version so that a scheduler holding an older read re-reads it.
	SetPaused(ctx context.Context, p string, paused bool) (ScheduleRecord, error)
	// ClaimActiveRun is ClaimRun for a run that must still be queued or
	// running: a scheduler picking up a run left behind (a queued backfill
	// run, a run whose owner died) must not take one that ended between
	// its listing and its claim. Check and write are one statement.
	ClaimActiveRun(ctx context.Context, id, owner string, staleBefore time.Time) (bool, error)
}
