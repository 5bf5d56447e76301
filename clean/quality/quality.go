// Package quality holds the data-quality checks run after each clean: pure
// functions over canonical rows (and, for row-count drops and freshness,
// over history the caller loads). Each result has a severity: "error"
// fails the clean task, "warn" is recorded and shown.
package quality

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/pipeline"
)

// Severity says what a failing check does to the task.
type Severity string

const (
	// Error fails the task.
	Error Severity = "error"
	// Warn is recorded and shown, the task succeeds.
	Warn Severity = "warn"
)

// Result is one check over one table (or dataset).
type Result struct {
	Check    string   `json:"check"`
	Table    string   `json:"table"`
	Severity Severity `json:"severity"`
	Passed   bool     `json:"passed"`
	// Checked and Failed count rows (or, for history checks, 1 and 0/1).
	Checked int `json:"checked"`
	Failed  int `json:"failed"`
	// Examples are up to MaxExamples failing row keys with the reason.
	Examples []string `json:"examples,omitempty"`
	Message  string   `json:"message"`
}

// MaxExamples caps the failing rows a result lists.
const MaxExamples = 5

// FutureSkew is how far past "now" a timestamp may lie before it counts as
// from the future: clocks of APIs and of this machine differ a little.
const FutureSkew = 5 * time.Minute

// Failing reports whether any result of severity sev failed.
func Failing(results []Result, sev Severity) bool {
	for _, r := range results {
		if !r.Passed && r.Severity == sev {
			return true
		}
	}
	return false
}

// Run is every row check: Keys and Ranges.
func Run(rows []canonical.Row, iv pipeline.Interval, now time.Time) []Result {
	return append(Keys(rows), Ranges(rows, iv, now)...)
}

// acc accumulates one (table, check) result.
type acc struct {
	res   Result
	order int
}

type collector struct {
	m map[accKey]*acc
}

type accKey struct{ table, check string }

func (c *collector) get(table, check string, sev Severity) *acc {
	if c.m == nil {
		c.m = map[accKey]*acc{}
	}
	k := accKey{table, check}
	a, ok := c.m[k]
	if !ok {
		a = &acc{res: Result{Check: check, Table: table, Severity: sev, Passed: true}, order: len(c.m)}
		c.m[k] = a
	}
	return a
}

func (c *collector) pass(table, check string, sev Severity) {
	c.get(table, check, sev).res.Checked++
}

func (c *collector) fail(table, check string, sev Severity, key, why string) {
	a := c.get(table, check, sev)
	a.res.Checked++
	a.res.Failed++
	a.res.Passed = false
	if len(a.res.Examples) < MaxExamples {
		a.res.Examples = append(a.res.Examples, key+": "+why)
	}
}

func (c *collector) results(describe map[string]string) []Result {
	out := make([]Result, 0, len(c.m))
	for _, a := range c.m {
		r := a.res
		if r.Passed {
			r.Message = fmt.Sprintf("%d rows ok", r.Checked)
		} else {
			r.Message = fmt.Sprintf("%d of %d rows fail: %s", r.Failed, r.Checked, describe[r.Check])
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].Check < out[j].Check
	})
	return out
}

// Check names.
const (
	CheckKeysNotNull   = "keys_not_null"
	CheckKeysUnique    = "keys_unique"
	CheckPricePositive = "price_positive"
	CheckHighGELow     = "high_ge_low"
	CheckOHLCInRange   = "ohlc_within_high_low"
	CheckNonNegative   = "non_negative"
	CheckFraction      = "fraction_0_1"
	CheckEnum          = "allowed_values"
	CheckInInterval    = "ts_in_interval"
	CheckNotFuture     = "ts_not_future"
	CheckNotEmpty      = "not_empty"
	CheckRowCountDrop  = "row_count_drop"
	CheckFreshness     = "freshness"
)

var describe = map[string]string{
	CheckKeysNotNull:   "a natural-key column is empty",
	CheckKeysUnique:    "natural key repeats",
	CheckPricePositive: "price not > 0",
	CheckHighGELow:     "high < low",
	CheckOHLCInRange:   "open or close outside [low, high]",
	CheckNonNegative:   "negative amount or count",
	CheckFraction:      "fraction outside [0, 1]",
	CheckEnum:          "value outside the allowed set",
	CheckInInterval:    "timestamp outside the run's interval",
	CheckNotFuture:     "timestamp in the future",
	CheckNotEmpty:      "empty value",
}

// Keys checks, per table, that no natural-key column is empty and that
// no key repeats (severity error: a repeat means an upsert would silently
// drop a row, an empty key column a row nothing can find).
func Keys(rows []canonical.Row) []Result {
	var c collector
	seen := map[string]map[string]bool{}
	for _, r := range rows {
		t := r.Table()
		key := r.Key()
		empty := false
		for _, p := range r.KeyParts() {
			if strings.TrimSpace(p) == "" {
				empty = true
			}
		}
		if empty {
			c.fail(t, CheckKeysNotNull, Error, key, "empty key column")
		} else {
			c.pass(t, CheckKeysNotNull, Error)
		}
		if seen[t] == nil {
			seen[t] = map[string]bool{}
		}
		if seen[t][key] {
			c.fail(t, CheckKeysUnique, Error, key, "repeated")
		} else {
			c.pass(t, CheckKeysUnique, Error)
		}
		seen[t][key] = true
	}
	return c.results(describe)
}

// Ranges checks values and timestamps row by row: prices > 0, high >=
// low, amounts and counts >= 0, fractions in [0, 1], enumerations,
// event timestamps inside iv (warn: APIs align bars and pages to their own
// grid) and no timestamp after now + FutureSkew (error). A zero iv skips
// the interval check. Snapshot times (fetched_at) are not checked against
// the interval: a snapshot is fetched when the task runs, after the
// interval ends.
func Ranges(rows []canonical.Row, iv pipeline.Interval, now time.Time) []Result {
	var c collector
	limit := now.Add(FutureSkew)
	for _, r := range rows {
		t := r.Table()
		// The messages are built only for a failing check: most pass,
		// and a clean checks every row.
		check := func(name string, sev Severity, ok bool, why func() string) {
			if ok {
				c.pass(t, name, sev)
			} else {
				c.fail(t, name, sev, r.Key(), why())
			}
		}
		event := func(ts time.Time) {
			if !iv.IsZero() {
				check(CheckInInterval, Warn, iv.Contains(ts), func() string { return ts.UTC().Format(time.RFC3339) + " not in " + iv.String() })
			}
			check(CheckNotFuture, Error, !ts.After(limit), func() string {
				return ts.UTC().Format(time.RFC3339) + " is after " + now.UTC().Format(time.RFC3339)
			})
		}
		snapshot := func(ts time.Time) {
			check(CheckNotFuture, Error, !ts.After(limit), func() string {
				return ts.UTC().Format(time.RFC3339) + " is after " + now.UTC().Format(time.RFC3339)
			})
		}
		positive := func(name string, v float64) {
			check(CheckPricePositive, Error, v > 0 && !math.IsInf(v, 0), func() string { return fmt.Sprintf("%s = %v", name, v) })
		}
		nonNeg := func(name string, v float64) {
			check(CheckNonNegative, Error, v >= 0 && !math.IsNaN(v), func() string { return fmt.Sprintf("%s = %v", name, v) })
		}
		optNonNeg := func(name string, v *float64) {
			if v != nil {
				nonNeg(name, *v)
			}
		}
		optCount := func(name string, v *int64) {
			if v != nil {
				nonNeg(name, float64(*v))
			}
		}
		fraction := func(name string, v *float64) {
			if v != nil {
				check(CheckFraction, Error, *v >= 0 && *v <= 1, func() string { return fmt.Sprintf("%s = %v", name, *v) })
			}
		}
		enum := func(name, v string, allowed ...string) {
			ok := false
			for _, a := range allowed {
				ok = ok || v == a
			}
			check(CheckEnum, Error, ok, func() string { return fmt.Sprintf("%s = %q", name, v) })
		}
		rawNonNeg := func(name, v string) {
			check(CheckNonNegative, Error, v != "" && !strings.HasPrefix(v, "-"), func() string { return fmt.Sprintf("%s = %q", name, v) })
		}

		switch x := r.(type) {
		case canonical.PriceBar:
			positive("open", x.Open)
			positive("high", x.High)
			positive("low", x.Low)
			positive("close", x.Close)
			if x.AdjClose != nil {
				positive("adj_close", *x.AdjClose)
			}
			check(CheckHighGELow, Error, x.High >= x.Low, func() string { return fmt.Sprintf("high %v < low %v", x.High, x.Low) })
			check(CheckOHLCInRange, Warn,
				x.Open >= x.Low && x.Open <= x.High && x.Close >= x.Low && x.Close <= x.High,
				func() string { return fmt.Sprintf("open %v close %v outside [%v, %v]", x.Open, x.Close, x.Low, x.High) })
			nonNeg("volume", x.Volume)
			event(x.TS)
		case canonical.CorporateAction:
			enum("kind", x.Kind, "split", "dividend")
			if x.Amount != nil {
				positive("amount", *x.Amount)
			}
			snapshot(x.TS)
		case canonical.Quote:
			if x.Price != nil {
				positive("price", *x.Price)
			}
			optNonNeg("market_cap", x.MarketCap)
			optNonNeg("volume_24h", x.Volume24h)
			optNonNeg("circulating_supply", x.CirculatingSupply)
			snapshot(x.FetchedAt)
		case canonical.HolderBreakdown:
			fraction("insiders_pct", x.InsidersPct)
			fraction("institutions_pct", x.InstitutionsPct)
			optCount("institutions_count", x.InstitutionsCount)
			snapshot(x.FetchedAt)
		case canonical.Fundamentals:
			optNonNeg("market_cap", x.MarketCap)
			optNonNeg("fdv", x.FDV)
			optNonNeg("circulating_supply", x.CirculatingSupply)
			optNonNeg("total_supply", x.TotalSupply)
			optNonNeg("liquidity_usd", x.LiquidityUSD)
			optCount("holders_count", x.HoldersCount)
			snapshot(x.FetchedAt)
			if x.LaunchedAt != nil {
				snapshot(*x.LaunchedAt)
			}
		case canonical.Tweet:
			check(CheckNotEmpty, Warn, x.Text != "", func() string { return "text is empty" })
			optCount("retweets", x.Retweets)
			optCount("likes", x.Likes)
			optCount("replies", x.Replies)
			optCount("quotes", x.Quotes)
			optCount("author_followers", x.AuthorFollowers)
			event(x.CreatedAt)
		case canonical.Transfer:
			rawNonNeg("value_raw", x.ValueRaw)
			event(x.TS)
		case canonical.Transaction:
			rawNonNeg("value_raw", x.ValueRaw)
			event(x.TS)
		case canonical.Swap:
			enum("side", x.Side, "buy", "sell")
			positive("amount_token", x.AmountTokenFloat)
			nonNeg("amount_quote", x.AmountQuoteFloat)
			if x.AmountQuoteFloat > 0 {
				positive("price", x.Price)
			}
			event(x.TS)
		case canonical.LiquidityEvent:
			enum("kind", x.Kind, "mint", "burn")
			rawNonNeg("amount_token_raw", x.AmountTokenRaw)
			rawNonNeg("amount_quote_raw", x.AmountQuoteRaw)
			event(x.TS)
		case canonical.PairReserve:
			rawNonNeg("reserve_token_raw", x.ReserveTokenRaw)
			event(x.TS)
		case canonical.Contract:
			check(CheckNotEmpty, Error, !x.Verified || x.SourceSHA256 != "", func() string { return "verified without source_sha256" })
			snapshot(x.FetchedAt)
		}
	}
	return c.results(describe)
}

// RowCountDrop compares a table's row count in this run with its recent
// runs (history, oldest first): it fails when current falls below
// (1 - maxDrop) times the median of history. With fewer than three runs of
// history it passes: there is no baseline yet.
func RowCountDrop(table string, current int, history []int, maxDrop float64, sev Severity) Result {
	r := Result{Check: CheckRowCountDrop, Table: table, Severity: sev, Passed: true, Checked: 1}
	if len(history) < 3 {
		r.Message = fmt.Sprintf("%d rows; %d runs of history, need 3 for a baseline", current, len(history))
		return r
	}
	h := append([]int(nil), history...)
	sort.Ints(h)
	var median float64
	if n := len(h); n%2 == 1 {
		median = float64(h[n/2])
	} else {
		median = float64(h[n/2-1]+h[n/2]) / 2
	}
	floor := median * (1 - maxDrop)
	if float64(current) < floor {
		r.Passed, r.Failed = false, 1
		r.Message = fmt.Sprintf("%d rows, below %.0f (median of the last %d runs %.0f, allowed drop %.0f%%)", current, floor, len(h), median, maxDrop*100)
		return r
	}
	r.Message = fmt.Sprintf("%d rows (median of the last %d runs %.0f)", current, len(h), median)
	return r
}

// Freshness fails when a dataset's newest row (latest) is older than
// maxAge at now, or when there is none.
func Freshness(dataset string, latest, now time.Time, maxAge time.Duration, sev Severity) Result {
	r := Result{Check: CheckFreshness, Table: dataset, Severity: sev, Passed: true, Checked: 1}
	if latest.IsZero() {
		r.Passed, r.Failed = false, 1
		r.Message = "no rows at all"
		return r
	}
	age := now.Sub(latest)
	if age > maxAge {
		r.Passed, r.Failed = false, 1
		r.Message = fmt.Sprintf("newest row is %s old (at %s), limit %s", age.Round(time.Second), latest.UTC().Format(time.RFC3339), maxAge)
		return r
	}
	r.Message = fmt.Sprintf("newest row is %s old", age.Round(time.Second))
	return r
}
