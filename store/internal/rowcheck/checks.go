package rowcheck

import (
	"fmt"
	"math"
	"time"

	"memepipe/store"
	"memepipe/store/internal/column"
)

// Checks validates and normalises a PutChecks batch: ids set, one time for
// every row, severities known, (dataset, check) distinct, observed finite.
func Checks(runID, task string, rs []store.CheckResult, now time.Time) ([]store.CheckResult, error) {
	if runID == "" || task == "" {
		return nil, fmt.Errorf("checks: run id and task are required")
	}
	at := now
	if len(rs) > 0 && !rs[0].At.IsZero() {
		at = rs[0].At
	}
	at = column.Time(at)
	out := make([]store.CheckResult, len(rs))
	seen := map[string]bool{}
	for i, r := range rs {
		r.RunID, r.Task, r.At = runID, task, at
		r.Interval.Start, r.Interval.End = column.Time(r.Interval.Start), column.Time(r.Interval.End)
		if r.Dataset == "" || r.Check == "" {
			return nil, fmt.Errorf("checks[%d]: dataset and check are required", i)
		}
		if r.Severity != "error" && r.Severity != "warn" {
			return nil, fmt.Errorf("checks[%d] %s/%s: severity %q (want error or warn)", i, r.Dataset, r.Check, r.Severity)
		}
		if r.Observed != nil && (math.IsNaN(*r.Observed) || math.IsInf(*r.Observed, 0)) {
			return nil, fmt.Errorf("checks[%d] %s/%s: observed %v is not finite", i, r.Dataset, r.Check, *r.Observed)
		}
		k := r.Dataset + "\x00" + r.Check
		if seen[k] {
			return nil, fmt.Errorf("checks[%d]: %s/%s twice", i, r.Dataset, r.Check)
		}
		seen[k] = true
		r.Message = column.Text(r.Message)
		out[i] = r
	}
	return out, nil
}
