package tasks

// A test helper that fills a real SQLite store with canonical rows the
// way a production run would: the real collectors fetch from the
// simulator over loopback HTTP into an in-memory raw zone, and the clean
// parsers turn every kept page into canonical rows. The analytics tasks
// are then tested (and measured, eval_test.go) on exactly what the
// collect and clean pipelines would have left them.

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/clean"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/sim"
	"memepipe/source"
	"memepipe/source/etherscan"
	"memepipe/source/httpx"
	"memepipe/source/scrape"
	"memepipe/source/sourcetest"
	"memepipe/source/twitter"
	"memepipe/source/yahoo"
	"memepipe/store"
	"memepipe/store/sqlite"
	"memepipe/watchlist"
)

// simNow is the simulated clock: the market window is the 30 days before it.
var simNow = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

type simWorld struct {
	sim       *sim.Sim
	store     *sqlite.Store
	watchlist watchlist.List
	// collected is the interval whose data was collected and cleaned.
	collected pipeline.Interval
	rows      map[string]int
}

// simCollect collects iv for every token of a simulator with opts and
// cleans it into a SQLite store in t.TempDir().
func simCollect(t testing.TB, opts sim.Options, iv pipeline.Interval) *simWorld {
	t.Helper()
	ctx := context.Background()
	clock := httpx.NewFakeClock(simNow)
	opts.Now = clock.Now
	s := sim.New(opts)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	urls := sim.URLs(srv.URL)

	zone := sourcetest.MemZone(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := source.Deps{Zone: zone, Watermarks: sourcetest.NewWatermarks(), HTTPClient: srv.Client(), Clock: clock, Logger: logger}
	fast := func(c *httpx.Config) { c.Timeout = 30 * time.Second; c.Retry.Attempts = 3 }
	tw := twitter.DefaultConfig()
	tw.BaseURL = urls.Twitter
	fast(&tw.HTTP)
	ys := yahoo.DefaultConfig().PointAt(urls.Yahoo)
	ys.CookieURL = urls.YahooCookie
	fast(&ys.HTTP)
	es := etherscan.DefaultConfig()
	es.BaseURL = urls.Etherscan
	fast(&es.HTTP)
	sc := scrape.DefaultConfig()
	sc.DexScreener.BaseURL = urls.DexScreener
	fast(&sc.HTTP)
	fast(&sc.DexScreener.HTTP)
	twc, err1 := twitter.New(tw, "sim-bearer", deps)
	yc, err2 := yahoo.New(ys, deps)
	ec, err3 := etherscan.New(es, "simkey", deps)
	scc, err4 := scrape.New(sc, deps)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	type collector interface {
		Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error)
	}
	list := s.WatchlistAt(srv.URL)
	for _, tok := range list {
		for _, c := range []collector{twc, yc, ec, scc} {
			if _, err := c.Collect(ctx, tok, iv); err != nil {
				t.Fatalf("collect %s: %v", tok.Symbol, err)
			}
		}
	}

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &simWorld{sim: s, store: st, watchlist: list, collected: iv, rows: map[string]int{}}
	rows := make([]canonical.Row, 0, len(list))
	for _, tok := range list {
		rows = append(rows, canonical.TokenRow(tok))
	}
	if err := store.UpsertCanonical(ctx, st, rows); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]watchlist.Token{}
	for _, tok := range list {
		byKey[tok.Key()] = tok
	}
	for info, err := range zone.List(ctx, raw.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := clean.ParserFor(info.Meta.Source); !ok {
			continue
		}
		obj, err := zone.Get(ctx, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		in := clean.Input{Source: obj.Source, Key: obj.Key, Body: bytes.NewReader(obj.Body), FetchedAt: obj.FetchedAt, URL: obj.URL, Watchlist: list}
		if tok, ok := byKey[obj.Token]; ok {
			in.Token = &tok
		}
		rows, err := clean.Parse(ctx, in)
		if err != nil {
			// The simulator's CoinMarketCap-like pages are a known
			// mismatch of main's parser; nothing else may fail.
			if obj.Source == "scrape.coinmarketcap" {
				continue
			}
			if _, upstream := clean.AsUpstream(err); upstream {
				continue
			}
			t.Fatalf("clean %s: %v", obj.Key, err)
		}
		for _, r := range rows {
			w.rows[r.Table()]++
		}
		if err := store.UpsertCanonical(ctx, st, rows); err != nil {
			t.Fatalf("store %s: %v", obj.Key, err)
		}
	}
	return w
}

// cfg is a default configuration with the simulator's watchlist.
func (w *simWorld) cfg(t testing.TB) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.Options{DefaultsOnly: true, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Watchlist = w.watchlist
	cfg.Score.CSVPath = filepath.Join(t.TempDir(), "out", "integrated_scores.csv")
	return cfg
}

// runAnalytics runs the default analytics pipeline's tasks, in order,
// for iv.
func (w *simWorld) runAnalytics(t testing.TB, cfg *config.Config, iv pipeline.Interval) map[string]string {
	t.Helper()
	dag, err := BuildPipeline(cfg, "analytics", Deps{Config: cfg, Store: w.store})
	if err != nil {
		t.Fatal(err)
	}
	if err := dag.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{}
	for _, task := range dag.Tasks {
		var log bytes.Buffer
		tc := &pipeline.TaskContext{RunID: "test", Pipeline: dag.Name, Task: task.Name, Attempt: 1, Interval: iv, Log: &log,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if _, err := task.Runner.Run(context.Background(), tc); err != nil {
			t.Fatalf("task %s: %v\n%s", task.Name, err, log.String())
		}
		logs[task.Name] = log.String()
	}
	return logs
}
