package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/clean"
	"memepipe/clean/quality"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/store"
	"memepipe/watchlist"
)

// The clean task turns the raw objects of its sources for the run's data
// interval into canonical rows, then runs the data-quality checks on what
// it loaded and stores their results with the run.
//
// Params:
//
//	sources: raw sources to clean (twitter.search, etherscan.tokentx, ...),
//	         or families ending in a dot (etherscan.); default: every source
//	         with a parser
//	freshness: the newest row of each table must be this close to the end of
//	         the interval (default 6h; a warn check)
//	max_row_drop: a table's row count may fall this far below the median of
//	         its last runs (default 0.8, i.e. to a fifth; a warn check)
//
// Which objects belong to an interval: those whose collection interval
// (the interval folder of their raw key, which is the collecting run's
// interval) lies inside it. A run cleans what the same pipeline's
// collectors fetched for it; a clean over a day picks up every hourly run
// of that day; a longer run's objects are not half-read by a shorter one.
//
// Each object is parsed and upserted in one transaction: all its rows or
// none. An object that does not parse (a body that does not match its
// parser, an HTML error page stored as JSON) is counted and named in the
// task's error with its source, raw key and JSON path, and does not stop
// the others. The task then FAILS (permanently: the same bytes fail the
// same way) after loading every good object, so the run is red and the
// alert rules fire; after a parser fix, `memepipe reclean` (or a rerun)
// loads the object, and reloading the others changes nothing. A failed
// check of severity error fails the task the same way; warn checks are
// only recorded.
func init() {
	Register("clean", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Sources    []string        `koanf:"sources"`
			Freshness  config.Duration `koanf:"freshness"`
			MaxRowDrop *float64        `koanf:"max_row_drop"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		sources, err := ExpandSources(p.Sources)
		if err != nil {
			return nil, config.Errors{{Path: "sources", Msg: err.Error()}}
		}
		opts := CheckOptions{Freshness: p.Freshness.D(), MaxRowDrop: 0.8}
		if p.MaxRowDrop != nil {
			if *p.MaxRowDrop <= 0 || *p.MaxRowDrop > 1 {
				return nil, config.Errors{{Path: "max_row_drop", Msg: fmt.Sprintf("%v outside (0, 1]", *p.MaxRowDrop)}}
			}
			opts.MaxRowDrop = *p.MaxRowDrop
		}
		return &cleanTask{deps: d, sources: sources, opts: opts}, nil
	})
}

// ExpandSources resolves a clean task's sources: names with a parser, or
// families ending in a dot; none means every source with a parser.
func ExpandSources(want []string) ([]string, error) {
	have := clean.Sources()
	if len(want) == 0 {
		return have, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range want {
		var match []string
		if strings.HasSuffix(w, ".") {
			for _, h := range have {
				if strings.HasPrefix(h, w) {
					match = append(match, h)
				}
			}
		} else if _, ok := clean.ParserFor(w); ok {
			match = []string{w}
		}
		if len(match) == 0 {
			return nil, fmt.Errorf("no parser for source %q (have %s)", w, strings.Join(have, ", "))
		}
		for _, m := range match {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

type cleanTask struct {
	deps    Deps
	sources []string
	opts    CheckOptions
}

func (t *cleanTask) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	out, err := CleanInterval(ctx, t.deps, CleanSpec{
		Sources: t.sources, Interval: tc.Interval,
		RunID: tc.RunID, Pipeline: tc.Pipeline, Task: tc.Task,
		Log: tc.Log, Checks: t.opts,
	})
	res := pipeline.Result{}
	if out != nil {
		res.RecordsIn, res.RecordsOut = int64(out.Objects), out.TotalRows()
	}
	return res, err
}

// CleanSpec is one clean: which sources over which interval, and whose
// run its check results belong to.
type CleanSpec struct {
	Sources  []string
	Interval pipeline.Interval
	// RunID, Pipeline and Task file the check results (memepipe clean
	// outside a pipeline uses its own).
	RunID, Pipeline, Task string
	// Log receives one line per object and a summary (nil: none).
	Log    io.Writer
	Checks CheckOptions
}

// CheckOptions tune the table-level checks.
type CheckOptions struct {
	// Freshness is how old a table's newest row may be at the end of the
	// interval (0: 6h).
	Freshness time.Duration
	// MaxRowDrop is the fraction a table's row count may fall below the
	// median of its recent runs (0: 0.8).
	MaxRowDrop float64
}

// ObjectError is a raw object that could not be loaded.
type ObjectError struct {
	Source, Key string
	Err         error
}

func (e ObjectError) Error() string {
	// Parse and upstream errors already name the source and key.
	if _, ok := clean.AsParseError(e.Err); ok {
		return e.Err.Error()
	}
	if _, ok := clean.AsUpstream(e.Err); ok {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s %s: %v", e.Source, e.Key, e.Err)
}

// CleanOutcome is what a clean did.
type CleanOutcome struct {
	Interval pipeline.Interval
	// Objects is how many raw objects were read, Loaded how many of them
	// were written.
	Objects, Loaded int
	// Rows counts the rows written per table (an upsert of an unchanged
	// row counts: it was written again).
	Rows   map[string]int
	Failed []ObjectError
	Checks []store.CheckResult
}

// TotalRows is the sum of Rows.
func (o *CleanOutcome) TotalRows() int64 {
	var n int64
	for _, c := range o.Rows {
		n += int64(c)
	}
	return n
}

// CleanInterval cleans spec.Sources over spec.Interval, runs the checks,
// stores their results under (spec.RunID, spec.Task) and returns an error
// when an object failed or an error-severity check failed (permanent), or
// when the zone or store failed (transient).
func CleanInterval(ctx context.Context, d Deps, spec CleanSpec) (*CleanOutcome, error) {
	if d.Raw == nil || d.Store == nil {
		return nil, pipeline.Permanent(errors.New("clean needs the raw zone and the store (this DAG was built for validation only)"))
	}
	logf := func(format string, args ...any) {
		if spec.Log != nil {
			fmt.Fprintf(spec.Log, format+"\n", args...)
		}
	}
	var wl watchlist.List
	if d.Config != nil {
		wl = d.Config.Watchlist
	}
	now := d.now()
	out := &CleanOutcome{Interval: spec.Interval, Rows: map[string]int{}}
	var rowChecks checkAcc

	if err := loadTokens(ctx, d.Store, wl); err != nil {
		return out, pipeline.Transient(err)
	}
	for _, src := range spec.Sources {
		p, ok := clean.ParserFor(src)
		if !ok {
			return out, pipeline.Permanent(fmt.Errorf("clean: no parser for source %q", src))
		}
		for info, err := range d.Raw.List(ctx, raw.Filter{Source: src, Interval: spec.Interval}) {
			if err != nil {
				return out, pipeline.Transient(fmt.Errorf("clean: list raw objects of %s: %w", src, err))
			}
			if !within(info.Meta.Interval, spec.Interval) {
				continue
			}
			out.Objects++
			rows, err := loadObject(ctx, d, p, wl, info.Key, func(rows []canonical.Row) {
				rowChecks.add(quality.Keys(rows))
				rowChecks.add(quality.Ranges(rows, spec.Interval, now))
			})
			var serr storeError
			switch {
			case errors.As(err, &serr):
				return out, pipeline.Transient(fmt.Errorf("clean: %s %s: %w", src, info.Key, serr.err))
			case ctx.Err() != nil:
				return out, ctx.Err()
			case err != nil:
				out.Failed = append(out.Failed, ObjectError{Source: src, Key: info.Key, Err: err})
				logf("FAILED %s", out.Failed[len(out.Failed)-1])
				continue
			}
			out.Loaded++
			for t, n := range rows {
				out.Rows[t] += n
			}
		}
	}
	logf("clean %s for %s: %d raw objects, %d loaded, %d failed; rows %s",
		strings.Join(spec.Sources, ","), spec.Interval, out.Objects, out.Loaded, len(out.Failed), formatCounts(out.Rows))

	results, err := tableChecks(ctx, d.Store, spec, out, rowChecks.results(), now)
	if err != nil {
		return out, pipeline.Transient(err)
	}
	out.Checks = results
	if spec.RunID != "" {
		if err := d.Store.PutChecks(ctx, spec.RunID, spec.Task, results); err != nil {
			return out, pipeline.Transient(err)
		}
	}
	var failing []string
	for _, r := range results {
		if !r.Passed {
			logf("check %s %s/%s: %s", strings.ToUpper(r.Severity), r.Dataset, r.Check, r.Message)
			if r.Severity == string(quality.Error) {
				failing = append(failing, fmt.Sprintf("%s/%s: %s", r.Dataset, r.Check, r.Message))
			}
		}
	}
	var errs []string
	if n := len(out.Failed); n > 0 {
		msgs := make([]string, 0, min(n, 10))
		for _, f := range out.Failed[:min(n, 10)] {
			msgs = append(msgs, f.Error())
		}
		if n > 10 {
			msgs = append(msgs, fmt.Sprintf("... and %d more (memepipe runs logs)", n-10))
		}
		errs = append(errs, fmt.Sprintf("%d of %d raw objects could not be loaded (the other %d were):\n  %s", n, out.Objects, out.Loaded, strings.Join(msgs, "\n  ")))
	}
	if len(failing) > 0 {
		errs = append(errs, fmt.Sprintf("%d data-quality checks of severity error failed:\n  %s", len(failing), strings.Join(failing, "\n  ")))
	}
	if len(errs) > 0 {
		return out, pipeline.Permanent(errors.New("clean: " + strings.Join(errs, "\n")))
	}
	return out, nil
}

// within reports whether an object's interval lies inside iv.
func within(obj, iv pipeline.Interval) bool {
	return !obj.Start.Before(iv.Start) && !obj.End.After(iv.End)
}

// storeError marks a failure of the canonical store (as opposed to the
// object's content): it aborts the clean and is worth retrying.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }

// loadObject parses one raw object into one canonical transaction and
// returns its rows per table. check sees the object's rows once they are
// committed.
func loadObject(ctx context.Context, d Deps, p clean.Parser, wl watchlist.List, key string, check func([]canonical.Row)) (map[string]int, error) {
	obj, err := d.Raw.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	in := clean.Input{
		Source: obj.Source, Key: key, Body: bytes.NewReader(obj.Body),
		FetchedAt: obj.FetchedAt, URL: obj.URL, Watchlist: wl,
	}
	if obj.Token != "" {
		for i := range wl {
			if wl[i].Key() == obj.Token {
				in.Token = &wl[i]
				break
			}
		}
		if in.Token == nil && strings.Contains(obj.Token, ":") {
			// Collected for a token since removed from the watchlist: its
			// rows would be attached to nothing we know.
			return nil, fmt.Errorf("collected for token %s, which is not in the watchlist", obj.Token)
		}
	}
	w, err := d.Store.BeginCanonical(ctx)
	if err != nil {
		return nil, storeError{err}
	}
	var rows []canonical.Row
	err = p.Parse(ctx, in, func(r canonical.Row) error {
		rows = append(rows, r)
		if err := w.Write(ctx, r); err != nil {
			return storeError{err}
		}
		return nil
	})
	if err == nil {
		if cerr := w.Commit(ctx); cerr != nil {
			err = storeError{cerr}
		}
	}
	if err != nil {
		_ = w.Rollback(ctx)
		return nil, err
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Table()]++
	}
	check(rows)
	return counts, nil
}

// loadTokens upserts the watchlist into the tokens table, so every token
// column of the canonical tables resolves to a token row.
func loadTokens(ctx context.Context, st store.Store, wl watchlist.List) error {
	if len(wl) == 0 {
		return nil
	}
	rows := make([]canonical.Row, len(wl))
	for i, t := range wl {
		rows[i] = canonical.TokenRow(t)
	}
	if err := store.UpsertCanonical(ctx, st, rows); err != nil {
		return fmt.Errorf("clean: load the watchlist into tokens: %w", err)
	}
	return nil
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
