package store

import (
	"context"
	"time"

	"memepipe/pipeline"
)

// CheckResult is one data-quality check's outcome over one dataset (a
// canonical table), stored with the run and task that ran it, so that
// `memepipe checks` and the alert rules see what the last clean found and
// row-count checks find their history.
type CheckResult struct {
	RunID    string            `json:"run_id"`
	Pipeline string            `json:"pipeline"`
	Task     string            `json:"task"`
	Interval pipeline.Interval `json:"interval"`
	// Dataset is what was checked: a canonical table.
	Dataset string `json:"dataset"`
	// Check names the check (clean/quality's names: keys_unique, freshness ...).
	Check string `json:"check"`
	// Severity is "error" (a failure fails the task) or "warn".
	Severity string `json:"severity"`
	Passed   bool   `json:"passed"`
	Message  string `json:"message"`
	// Observed is the check's measured value, where it has one: failing
	// rows for row checks, the row count for row_count_drop, the newest
	// row's age in seconds for freshness. Nil when there is none.
	Observed *float64  `json:"observed"`
	At       time.Time `json:"at"`
}

// CheckFilter selects check results. Zero fields select all.
type CheckFilter struct {
	RunID, Pipeline, Task, Dataset, Check string
	// Latest keeps, per (pipeline, task), only the results of its most
	// recent PutChecks: what the last clean of each found.
	Latest bool
	// Limit caps the rows (0: no cap).
	Limit int
}

// Checks keep data-quality check results.
type Checks interface {
	// PutChecks makes rs the results of (runID, task): the ones stored
	// earlier for that pair (an earlier attempt) are replaced, in one
	// transaction. Every row gets runID, task and one time, rs[0].At (or
	// now when zero); (dataset, check) must be distinct.
	PutChecks(ctx context.Context, runID, task string, rs []CheckResult) error
	// ListChecks returns results newest first, then by pipeline, task,
	// dataset and check.
	ListChecks(ctx context.Context, f CheckFilter) ([]CheckResult, error)
}
