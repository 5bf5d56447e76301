package tasks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/clean/quality"
	"memepipe/store"
)

// checkAcc merges row-check results over the objects of a clean. Checks
// run per object, as each commits: memory stays bounded by one object, and
// keys_unique means unique within one response, which is what it guards
// (a repeat inside one page would be silently dropped by the upsert).
// Across objects a repeat is expected: Etherscan walks re-read the block
// at a window cut, and a retried collect keeps pages that overlap; the
// upsert by natural key is what makes those one row.
type checkAcc struct {
	byKey map[string]*quality.Result
}

func (a *checkAcc) add(rs []quality.Result) {
	if a.byKey == nil {
		a.byKey = map[string]*quality.Result{}
	}
	for _, r := range rs {
		k := r.Table + "\x00" + r.Check
		cur, ok := a.byKey[k]
		if !ok {
			c := r
			c.Examples = append([]string(nil), r.Examples...)
			a.byKey[k] = &c
			continue
		}
		cur.Checked += r.Checked
		cur.Failed += r.Failed
		cur.Passed = cur.Passed && r.Passed
		for _, e := range r.Examples {
			if len(cur.Examples) < quality.MaxExamples {
				cur.Examples = append(cur.Examples, e)
			}
		}
		// Failed severities win: a check is as severe as its worst row.
		if r.Severity == quality.Error {
			cur.Severity = quality.Error
		}
	}
}

func (a *checkAcc) results() []quality.Result {
	out := make([]quality.Result, 0, len(a.byKey))
	for _, r := range a.byKey {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].Check < out[j].Check
	})
	return out
}

// tableChecks turns the merged row checks into stored results and adds
// the table-level ones: row-count drop against the task's recent runs, for
// every table this clean filled or the task filled before (a table that
// went silent is exactly what it is for), and freshness of the flowing
// tables among them.
func tableChecks(ctx context.Context, st store.Store, spec CleanSpec, out *CleanOutcome, rows []quality.Result, now time.Time) ([]store.CheckResult, error) {
	opts := spec.Checks
	if opts.Freshness <= 0 {
		opts.Freshness = 6 * time.Hour
	}
	if opts.MaxRowDrop <= 0 {
		opts.MaxRowDrop = 0.8
	}
	mk := func(r quality.Result, observed *float64) store.CheckResult {
		msg := r.Message
		if len(r.Examples) > 0 {
			msg += "; e.g. " + strings.Join(r.Examples, "; ")
		}
		return store.CheckResult{
			RunID: spec.RunID, Pipeline: spec.Pipeline, Task: spec.Task, Interval: spec.Interval,
			Dataset: r.Table, Check: r.Check, Severity: string(r.Severity), Passed: r.Passed,
			Message: msg, Observed: observed, At: now,
		}
	}
	var results []store.CheckResult
	for _, r := range rows {
		// Recompute the message: the merged counts are the whole clean's.
		r.Message = mergedMessage(r)
		results = append(results, mk(r, f64(float64(r.Failed))))
	}

	tables := map[string]bool{}
	for t := range out.Rows {
		tables[t] = true
	}
	if spec.Pipeline != "" && spec.Task != "" {
		prev, err := st.ListChecks(ctx, store.CheckFilter{Pipeline: spec.Pipeline, Task: spec.Task, Check: quality.CheckRowCountDrop, Limit: 200})
		if err != nil {
			return nil, fmt.Errorf("clean: read check history: %w", err)
		}
		for _, p := range prev {
			tables[p.Dataset] = true
		}
	}
	delete(tables, canonical.TableTokens) // the watchlist, loaded every time
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)

	// Freshness is judged at the end of the interval (or now, if that is
	// earlier): a backfill of last month is not stale for being old.
	ref := spec.Interval.End
	if ref.IsZero() || now.Before(ref) {
		ref = now
	}
	for _, table := range names {
		current := out.Rows[table]
		var history []int
		if spec.Pipeline != "" && spec.Task != "" {
			prev, err := st.ListChecks(ctx, store.CheckFilter{Pipeline: spec.Pipeline, Task: spec.Task, Dataset: table, Check: quality.CheckRowCountDrop, Limit: 11})
			if err != nil {
				return nil, fmt.Errorf("clean: read check history: %w", err)
			}
			for i := len(prev) - 1; i >= 0; i-- { // oldest first
				if prev[i].RunID != spec.RunID && prev[i].Observed != nil && len(history) < 10 {
					history = append(history, int(*prev[i].Observed))
				}
			}
		}
		results = append(results, mk(quality.RowCountDrop(table, current, history, opts.MaxRowDrop, quality.Warn), f64(float64(current))))

		if !flowing[table] {
			continue
		}
		latest, ok, err := st.LatestCanonical(ctx, store.CanonicalQuery{Table: table})
		if err != nil {
			return nil, fmt.Errorf("clean: freshness of %s: %w", table, err)
		}
		var age *float64
		switch {
		case !ok:
			latest = time.Time{}
		case latest.After(ref):
			// A snapshot fetched after the interval ended: fresh.
			latest = ref
			age = f64(0)
		default:
			age = f64(ref.Sub(latest).Seconds())
		}
		results = append(results, mk(quality.Freshness(table, latest, ref, opts.Freshness, quality.Warn), age))
	}
	return results, nil
}

// flowing are the tables that should gain rows all the time, so that a
// newest row far behind is a sign of a stuck source. Contracts are fetched
// when they change, liquidity events and corporate actions are rare by
// nature: old newest rows there are normal.
var flowing = map[string]bool{
	canonical.TableTweets: true, canonical.TablePriceBars: true, canonical.TableQuotes: true,
	canonical.TableHolderBreakdowns: true, canonical.TableTransfers: true, canonical.TableTransactions: true,
	canonical.TableSwaps: true, canonical.TablePairReserves: true, canonical.TableFundamentals: true,
}

func mergedMessage(r quality.Result) string {
	if r.Passed {
		return fmt.Sprintf("%d rows ok", r.Checked)
	}
	// quality's own message ends with the reason after the counts.
	_, why, _ := strings.Cut(r.Message, ": ")
	return fmt.Sprintf("%d of %d rows fail: %s", r.Failed, r.Checked, why)
}

func f64(v float64) *float64 { return &v }
