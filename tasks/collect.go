package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/source"
	"memepipe/watchlist"
)

// ErrEmptyWatchlist is what a collector task fails with when there is no
// token to collect for.
var ErrEmptyWatchlist = errors.New("the watchlist is empty: add your tokens under watchlist: in memepipe.yaml " +
	"(see docs/CONFIG.md#watchlist), or try `memepipe run --demo`, which follows the simulator's tokens")

// tokenCollector is what every source collector offers: one token's pages
// for one data interval.
type tokenCollector interface {
	Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error)
}

// collectFunc adapts a method value to tokenCollector.
type collectFunc func(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error)

func (f collectFunc) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	return f(ctx, token, iv)
}

// tokenParams are the params every collect.* task takes.
type tokenParams struct {
	// Tokens limits the task to these watchlist tokens, by symbol or key
	// (chain:address); default every token.
	Tokens []string `koanf:"tokens"`
	// Parallel is how many tokens are collected at once (default 4). The
	// source's rate limit paces them whatever this is; parallelism only
	// hides latency.
	Parallel int `koanf:"parallel"`
}

func (p tokenParams) check() error {
	if p.Parallel < 0 {
		return config.Errors{{Path: "parallel", Msg: "must not be negative"}}
	}
	return nil
}

// collectTask runs a collector for every selected watchlist token over the
// run's data interval.
type collectTask struct {
	typ    string
	deps   Deps
	params tokenParams
	// collector builds (or fetches the shared) collector at run time.
	collector func() (tokenCollector, error)
}

// Run collects every token. A token that fails does not stop the others:
// each token's pages are kept as they arrive, so a retry of the task
// re-fetches little (the raw zone stores a page once, watermarks resume
// walks). The task fails if any token failed: permanently when every
// failure is permanent (a bad key, a bad config), else transiently.
func (t *collectTask) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	tokens, err := selectTokens(t.deps.Config.Watchlist, t.params.Tokens)
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("%s: %w", t.typ, err))
	}
	c, err := t.collector()
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("%s: %w", t.typ, err))
	}
	parallel := t.params.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	type outcome struct {
		st  source.Stats
		err error
	}
	out := make([]outcome, len(tokens))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, tok := range tokens {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i].err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			st, err := c.Collect(ctx, tok, tc.Interval)
			out[i] = outcome{st, err}
		}()
	}
	wg.Wait()

	var total source.Stats
	var errs []error
	permanent := true
	for i, o := range out {
		total.Add(o.st)
		line := fmt.Sprintf("%s %s: %d pages (%d new, %d already kept), %d records", t.typ, tokens[i].Symbol, o.st.Requests, o.st.RawNew, o.st.RawExisting, o.st.Records)
		if len(o.st.Notes) > 0 {
			line += "; " + strings.Join(o.st.Notes, "; ")
		}
		if o.err != nil {
			line += "; FAILED: " + o.err.Error()
			errs = append(errs, fmt.Errorf("%s: %w", tokens[i].Symbol, o.err))
			permanent = permanent && pipeline.IsPermanent(o.err)
		}
		writeLog(tc, line)
	}
	res := pipeline.Result{RecordsIn: int64(total.Requests), RecordsOut: int64(total.Records)}
	writeLog(tc, fmt.Sprintf("%s: %d tokens, %d pages kept (%d new), %d records for %s", t.typ, len(tokens), total.Requests, total.RawNew, total.Records, tc.Interval))
	if len(errs) == 0 {
		return res, nil
	}
	err = fmt.Errorf("%s: %d of %d tokens failed: %w", t.typ, len(errs), len(tokens), errors.Join(errs...))
	if permanent {
		return res, pipeline.Permanent(err)
	}
	return res, pipeline.Transient(err)
}

// selectTokens returns the watchlist tokens named by want (symbols, or
// keys for a symbol two tokens share), or all of them.
func selectTokens(wl watchlist.List, want []string) ([]watchlist.Token, error) {
	if len(wl) == 0 {
		return nil, ErrEmptyWatchlist
	}
	if len(want) == 0 {
		return wl, nil
	}
	var out []watchlist.Token
	for _, w := range want {
		var match []watchlist.Token
		for _, t := range wl {
			if strings.EqualFold(t.Key(), w) {
				match = []watchlist.Token{t}
				break
			}
		}
		if match == nil {
			match = wl.BySymbol(w)
		}
		switch len(match) {
		case 0:
			return nil, fmt.Errorf("token %q is not in the watchlist", w)
		case 1:
			out = append(out, match[0])
		default:
			keys := make([]string, len(match))
			for i, m := range match {
				keys[i] = m.Key()
			}
			return nil, fmt.Errorf("symbol %q names %d watchlist tokens (%s): give the key", w, len(match), strings.Join(keys, ", "))
		}
	}
	return out, nil
}

// writeLog appends a line to the attempt's stored log.
func writeLog(tc *pipeline.TaskContext, line string) {
	if tc.Log != nil {
		fmt.Fprintln(tc.Log, line)
	}
}
