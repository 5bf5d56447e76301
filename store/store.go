// Package store defines what memepipe keeps in its database. Two
// implementations, store/sqlite (the default) and store/postgres, pass one
// conformance suite, store/storetest. Nothing above this package writes SQL.
//
// The interface is split by concern (runs, watermarks, and later canonical
// rows, analytics, alerts, schedules) so each concern's SQL lives in its own
// file per dialect. Migrations are embedded per dialect and numbered by
// concern: 00001-00009 runs and watermarks, 00010-00019 canonical tables
// (00015 data-quality check results),
// 00020-00029 analytics, 00030-00039 alerts, 00040-00049 schedules.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"memepipe/alert"
	"memepipe/analytics"
	"memepipe/canonical"
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
	RateBudgets
	PoolSlots
	Schedules
	Alerts
	Analytics
	Canonical
	Checks
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
	// TakeOverRun makes owner the run's owner only if its owner is still
	// from, whatever from's heartbeat: the compare-and-swap for taking over
	// from an owner known to be dead (its process is gone), where a
	// heartbeat test cannot tell two claimers apart. It reports whether
	// the take-over succeeded; the check and the write are one statement.
	TakeOverRun(ctx context.Context, id, owner, from string) (bool, error)
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

// RateBudgets are token buckets kept in the database, shared by every
// process on it (source/httpx's SharedBudget): the collectors of several
// workers spending one API key spend one budget.
type RateBudgets interface {
	// TakeRateToken refills the bucket name at perSecond tokens a second
	// up to burst since its last take, takes one token, and returns how
	// long the taker must wait for it (zero when one was there). Tokens may
	// go negative: takers queue, each told its own wait. Time is the
	// database's clock, so processes on different hosts agree.
	TakeRateToken(ctx context.Context, name string, perSecond float64, burst int) (time.Duration, error)
}

// PoolSlots are the slots of task pools kept in the database, so a pool's
// size bounds the attempts of every worker on it together (shared_pools).
// A slot is held by a holder (a worker's attempt) until released, or until
// its heartbeat is older than the ttl given to AcquirePoolSlot (the holder
// died). Times are the database's clock.
type PoolSlots interface {
	// AcquirePoolSlot takes a free (or stale) slot of pool's first size for
	// holder; ok is false when every slot is held.
	AcquirePoolSlot(ctx context.Context, pool string, size int, holder string, ttl time.Duration) (slot int, ok bool, err error)
	// HeartbeatPoolSlot renews holder's slot; ErrNotOwner when the slot was
	// taken over as stale.
	HeartbeatPoolSlot(ctx context.Context, pool string, slot int, holder string) error
	// ReleasePoolSlot frees holder's slot (nothing if it no longer holds it).
	ReleasePoolSlot(ctx context.Context, pool string, slot int, holder string) error
}

// RateWait is how long a taker waits for the token it took when that left
// the bucket at tokens (negative: that many takers are ahead of it).
func RateWait(tokens, perSecond float64) time.Duration {
	if tokens >= 0 || perSecond <= 0 {
		return 0
	}
	return time.Duration(-tokens / perSecond * float64(time.Second))
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
	// TaskFreshness returns, per (pipeline, task) seen in the pipeline's
	// newest FreshnessRuns runs, the successful attempt of the newest
	// interval that has one (by interval, not by end time: a backfill of
	// last year does not make a dataset fresh): what a dataset's freshness
	// is until the canonical tables record their own. By pipeline, task.
	TaskFreshness(ctx context.Context) ([]TaskFreshness, error)
}

// FreshnessRuns is how many of a pipeline's newest runs TaskFreshness
// looks at to learn its tasks.
const FreshnessRuns = 50

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

// Analytics keep what the analyzers find, keyed by natural keys so that
// re-running an interval rewrites the same rows: sentiment aggregates per
// token and interval, anomalies, risk assessments (score and flags), the
// integrated score ranking, and the analyses' replay checkpoints (migration
// 00021). Writes that replace a set (a token's anomalies for an interval, a
// token's flags at a time, the ranking at a time) delete and insert in one
// transaction: a reader sees the old set or the new one.
type Analytics interface {
	// PutSentimentAggregates upserts rows by (token, interval_start,
	// interval_end), all in one transaction.
	PutSentimentAggregates(ctx context.Context, rows []analytics.SentimentAggregate) error
	// SentimentAggregates returns token's aggregates whose interval starts
	// in [from, to) (zero bounds: open), oldest first.
	SentimentAggregates(ctx context.Context, token string, from, to time.Time) ([]analytics.SentimentAggregate, error)

	// ReplaceAnomalies makes rows the anomalies the run over iv found for
	// token: the ones an earlier run of iv stored for token are deleted,
	// rows are upserted by (token, kind, ts) with their interval set to iv.
	// Every row's Token must be token.
	ReplaceAnomalies(ctx context.Context, token string, iv pipeline.Interval, rows []analytics.Anomaly) error
	// Anomalies returns anomalies newest first (ts, then token and kind).
	Anomalies(ctx context.Context, f AnomalyFilter) ([]analytics.Anomaly, error)

	// PutRiskAssessment stores a token's risk score at score.AsOf and
	// replaces its flags at that time with flags (each with the same Token
	// and AsOf as score). A token with no flags is stored as such.
	PutRiskAssessment(ctx context.Context, score analytics.RiskScore, flags []analytics.RiskFlag) error
	// RiskScores returns, per token (or only token, if not ""), the latest
	// assessment with as_of <= at (zero at: the latest), by token.
	RiskScores(ctx context.Context, token string, at time.Time) ([]analytics.RiskScore, error)
	// RiskFlags returns the flags of the assessments RiskScores picks:
	// by token, then critical, warn, info, then flag code.
	RiskFlags(ctx context.Context, token string, at time.Time) ([]analytics.RiskFlag, error)

	// ReplaceIntegratedScores makes rows the ranking at asOf: rows stored
	// earlier at asOf are deleted. Every row's AsOf must be asOf and tokens
	// must be distinct.
	ReplaceIntegratedScores(ctx context.Context, asOf time.Time, rows []analytics.IntegratedScore) error
	// IntegratedScores returns the ranking with the latest as_of <= at (zero
	// at: the latest), by rank.
	IntegratedScores(ctx context.Context, at time.Time) ([]analytics.IntegratedScore, error)
	// IntegratedScoreHistory returns token's rows with as_of in [from, to)
	// (zero bounds: open), oldest first.
	IntegratedScoreHistory(ctx context.Context, token string, from, to time.Time) ([]analytics.IntegratedScore, error)

	// PutCheckpoint stores c, replacing one of the same (kind, token, as_of),
	// and deletes that kind and token's checkpoints older than the newest
	// three, in one transaction.
	PutCheckpoint(ctx context.Context, c analytics.Checkpoint) error
	// LatestCheckpoint returns the kind and token's checkpoint with the
	// latest as_of <= notAfter (zero notAfter: the latest); ok false when none.
	LatestCheckpoint(ctx context.Context, kind, token string, notAfter time.Time) (c analytics.Checkpoint, ok bool, err error)
	// DeleteCheckpoints deletes every checkpoint (any kind, any token)
	// with as_of after after, and returns how many: a re-clean from after
	// on may have rewritten rows they cover without changing their count.
	DeleteCheckpoints(ctx context.Context, after time.Time) (int, error)
}

// AnomalyFilter selects anomalies. Zero values select all.
type AnomalyFilter struct {
	Token string
	// Kinds keeps only these kinds; Severities only these severities.
	Kinds      []string
	Severities []string
	// From/To keep anomalies with ts in [From, To).
	From, To time.Time
	// Limit caps the rows (0: 100).
	Limit int
}

// Canonical keeps the cleaned rows (package canonical), one table per row
// type, upserted by natural key: writing the same rows again changes
// nothing, which is what makes cleaning and re-cleaning idempotent.
type Canonical interface {
	// BeginCanonical starts one transaction of canonical writes: what is
	// written lands together on Commit, or not at all. On SQLite the
	// writer holds the database's write lock until Commit or Rollback, so
	// keep transactions short (ObjectBatch bounds them by rows and time).
	// Many raw objects share one transaction through ObjectBatch, each
	// object all or nothing behind a savepoint.
	BeginCanonical(ctx context.Context) (CanonicalWriter, error)
	// ScanCanonical streams the rows of q.Table that match q to fn, ordered
	// by the table's time column, then its natural key. An error from fn
	// stops the scan and is returned.
	ScanCanonical(ctx context.Context, q CanonicalQuery, fn func(canonical.Row) error) error
	// CountCanonical counts the rows of q.Table that match q.
	CountCanonical(ctx context.Context, q CanonicalQuery) (int, error)
	// LatestCanonical returns the newest time-column value of the rows that
	// match q (freshness checks); ok is false when there are none.
	LatestCanonical(ctx context.Context, q CanonicalQuery) (latest time.Time, ok bool, err error)
}

// CanonicalWriter writes canonical rows in one transaction.
//
// An error caused by the rows themselves (a value the database refuses: a
// malformed decimal, a constraint) wraps a *RowError; the transaction is
// then still usable after RollbackTo a savepoint taken before those rows.
// Any other error is the database's (connection, disk, lock): roll back.
type CanonicalWriter interface {
	// Write upserts rows of any canonical tables by natural key. Rows are
	// buffered and sent in batches; within one writer a later row replaces
	// an earlier one with the same key.
	Write(ctx context.Context, rows ...canonical.Row) error
	// Flush sends the buffered rows now, so that an error they cause
	// surfaces here rather than at a later Write or Commit.
	Flush(ctx context.Context) error
	// Savepoint flushes, then marks the current point of the transaction
	// (SQL SAVEPOINT); name is a lower-case identifier. RollbackTo
	// discards every row written after the mark, buffered or sent, and
	// keeps the mark; Release forgets the mark and keeps the rows.
	Savepoint(ctx context.Context, name string) error
	RollbackTo(ctx context.Context, name string) error
	Release(ctx context.Context, name string) error
	// Commit makes every written row visible at once.
	Commit(ctx context.Context) error
	// Rollback discards everything written; after Commit it does nothing.
	Rollback(ctx context.Context) error
}

// RowError is a write the database refused because of the rows written,
// not because of the database: the object they came from is bad, the
// store is fine.
type RowError struct{ Err error }

func (e *RowError) Error() string { return e.Err.Error() }
func (e *RowError) Unwrap() error { return e.Err }

// IsRowError reports whether err was caused by the rows written.
func IsRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// CanonicalQuery selects rows of one canonical table. Zero fields select all.
type CanonicalQuery struct {
	Table string
	// Token keeps rows of one token (watchlist.Token.Key()).
	Token string
	// From and To keep rows whose time column lies in [From, To).
	From, To time.Time
	// BarInterval keeps price bars of one granularity ("1h").
	BarInterval string
	// Address keeps transactions from, to or creating the address, and
	// transfers from or to it (transfers: mints come from the zero address).
	Address string
	// Limit caps the rows (0: no cap).
	Limit int
}

// UpsertCanonical writes rows in one transaction: all or none.
func UpsertCanonical(ctx context.Context, c Canonical, rows []canonical.Row) error {
	w, err := c.BeginCanonical(ctx)
	if err != nil {
		return err
	}
	if err := w.Write(ctx, rows...); err != nil {
		_ = w.Rollback(ctx)
		return err
	}
	return w.Commit(ctx)
}

// ListCanonical returns the rows matching q as their concrete type T;
// q.Table defaults to T's table.
func ListCanonical[T canonical.Row](ctx context.Context, c Canonical, q CanonicalQuery) ([]T, error) {
	var zero T
	if q.Table == "" {
		q.Table = zero.Table()
	}
	out := []T{}
	err := c.ScanCanonical(ctx, q, func(r canonical.Row) error {
		v, ok := r.(T)
		if !ok {
			return fmt.Errorf("canonical %s: row is %T, want %T", q.Table, r, zero)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// DigestCanonical is the SHA-256 of every row of a table, rendered as
// `memepipe parse` JSON lines in scan order: equal digests mean equal
// tables (the idempotency tests compare clean, clean again and reclean).
func DigestCanonical(ctx context.Context, c Canonical, table string) (string, int, error) {
	h := sha256.New()
	n := 0
	err := c.ScanCanonical(ctx, CanonicalQuery{Table: table}, func(r canonical.Row) error {
		line, err := canonical.MarshalLine(r)
		if err != nil {
			return err
		}
		h.Write(line)
		h.Write([]byte{'\n'})
		n++
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
