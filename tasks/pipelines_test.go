package tasks_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/sim"
	"memepipe/source/httpx"
	"memepipe/store"
	"memepipe/store/sqlite"
	"memepipe/tasks"
)

// env is the default pipelines pointed at a simulator, on a real SQLite
// file and a file:// raw zone.
type env struct {
	cfg  *config.Config
	st   store.Store
	zone *raw.Zone
	deps tasks.Deps
	dags map[string]*pipeline.DAG
	iv   pipeline.Interval
	sim  *sim.Sim
}

func newEnv(t *testing.T, tokens int) *env {
	t.Helper()
	ctx := context.Background()
	s := sim.New(sim.Options{Seed: 7, Tokens: tokens})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	cfg, err := config.Load(config.Options{DefaultsOnly: true, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	urls := sim.URLs(srv.URL)
	cfg.Watchlist = s.WatchlistAt(srv.URL)
	for src, u := range map[*config.Source]string{
		&cfg.Sources.Twitter: urls.Twitter, &cfg.Sources.Yahoo: urls.Yahoo, &cfg.Sources.Etherscan: urls.Etherscan,
		&cfg.Sources.Scrape: urls.Pages, &cfg.Sources.DexScreener: urls.DexScreener,
	} {
		src.BaseURL, src.Rate, src.Daily = u, config.Rate{}, 0
	}
	cfg.Secrets.TwitterBearerToken = config.NewSecret("test-bearer")
	cfg.Secrets.EtherscanAPIKey = config.NewSecret("test-key")

	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	zone, err := raw.Open(ctx, "file://"+filepath.Join(dir, "raw"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zone.Close() })
	deps := tasks.Deps{Config: cfg, Store: st, Raw: zone, TuneHTTP: func(c *httpx.Config) {
		c.Retry = httpx.Retry{Attempts: 3, Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	}}
	dags, err := tasks.Build(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC().Truncate(time.Hour)
	return &env{cfg: cfg, st: st, zone: zone, deps: deps, dags: dags, iv: pipeline.Interval{Start: end.Add(-6 * time.Hour), End: end}, sim: s}
}

// task returns the runner of a default pipeline's task.
func (e *env) task(t *testing.T, pipe, name string) pipeline.Runner {
	t.Helper()
	for _, tk := range e.dags[pipe].Tasks {
		if tk.Name == name {
			return tk.Runner
		}
	}
	t.Fatalf("no task %s in pipeline %s", name, pipe)
	return nil
}

func (e *env) run(t *testing.T, pipe, name string) (pipeline.Result, string, error) {
	t.Helper()
	var log bytes.Buffer
	res, err := e.task(t, pipe, name).Run(context.Background(), &pipeline.TaskContext{
		RunID: "run-" + pipe, Pipeline: pipe, Task: name, Attempt: 1, Interval: e.iv, Log: &log,
	})
	return res, log.String(), err
}

func (e *env) keys(t *testing.T, source string) []string {
	t.Helper()
	keys, err := e.zone.Keys(context.Background(), raw.Filter{Source: source})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// collectAll runs every collector of the default pipelines.
func (e *env) collectAll(t *testing.T) {
	t.Helper()
	for _, pt := range [][2]string{{"social", "collect_twitter"}, {"onchain", "collect_etherscan"},
		{"market", "collect_yahoo_chart"}, {"market", "collect_yahoo_quote"}, {"market", "collect_scrape"}, {"market", "collect_dexscreener"}} {
		if _, log, err := e.run(t, pt[0], pt[1]); err != nil {
			t.Fatalf("%s: %v\n%s", pt[1], err, log)
		}
	}
}

func TestDefaultPipelinesValidate(t *testing.T) {
	cfg, err := config.Load(config.Options{DefaultsOnly: true, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	// No store, no raw zone: built for validation, as config validate does.
	dags, err := tasks.Build(cfg, tasks.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for name, dag := range dags {
		if err := dag.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(dags) != 4 || len(dags["market"].Tasks) != 5 || len(dags["analytics"].Tasks) != 4 {
		t.Fatalf("dags %v", dags)
	}
	// The default watchlist is empty: a collector says so, permanently.
	_, err = dags["social"].Tasks[0].Runner.Run(context.Background(), &pipeline.TaskContext{Interval: pipeline.Interval{Start: time.Unix(0, 0), End: time.Unix(3600, 0)}})
	if !errors.Is(err, tasks.ErrEmptyWatchlist) || !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "watchlist is empty") {
		t.Errorf("empty watchlist: %v", err)
	}
}

func TestCleanParamsAreChecked(t *testing.T) {
	cfg, err := config.Load(config.Options{DefaultsOnly: true, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Pipelines = []config.Pipeline{{Name: "p", Tasks: []config.Task{
		{Name: "c", Type: "clean", Params: map[string]any{"sources": []any{"twitter.search", "nope.source"}}},
		{Name: "e", Type: "collect.etherscan", Params: map[string]any{"events": []any{"swap", "transfer"}}},
	}}}
	_, err = tasks.Build(cfg, tasks.Deps{})
	if err == nil || !strings.Contains(err.Error(), `pipelines[0].tasks[0].params.sources: no parser for source "nope.source"`) ||
		!strings.Contains(err.Error(), `pipelines[0].tasks[1].params.events[1]: unknown pair event "transfer"`) {
		t.Fatalf("err %v", err)
	}
	got, err := tasks.ExpandSources([]string{"etherscan.", "twitter.search"})
	if err != nil || strings.Join(got, ",") != "etherscan.getlogs,etherscan.getsourcecode,etherscan.tokentx,etherscan.txlist,twitter.search" {
		t.Fatalf("expand: %v %v", got, err)
	}
}

// Each collect task against the simulator: pages land in the raw zone
// under the sources the cleaners read, and the task reports them.
func TestCollectTasksAgainstSimulator(t *testing.T) {
	e := newEnv(t, 3)
	cases := []struct {
		pipe, task string
		sources    []string
	}{
		{"social", "collect_twitter", []string{"twitter.search"}},
		{"onchain", "collect_etherscan", []string{"etherscan.tokentx", "etherscan.getlogs", "etherscan.getsourcecode"}},
		{"market", "collect_yahoo_chart", []string{"yahoo.chart"}},
		{"market", "collect_yahoo_quote", []string{"yahoo.quotesummary"}},
		{"market", "collect_scrape", []string{"scrape.coinmarketcap"}},
		{"market", "collect_dexscreener", []string{"dexscreener.pairs"}},
	}
	tickers := 0
	for _, tok := range e.cfg.Watchlist {
		if tok.YahooTicker != "" {
			tickers++
		}
	}
	if tickers == 0 {
		t.Fatal("no simulated token has a Yahoo ticker with this seed: pick another")
	}
	for _, c := range cases {
		t.Run(c.task, func(t *testing.T) {
			res, log, err := e.run(t, c.pipe, c.task)
			if err != nil {
				t.Fatalf("%v\n%s", err, log)
			}
			if res.RecordsIn == 0 || res.RecordsOut == 0 {
				t.Fatalf("result %+v\n%s", res, log)
			}
			for _, src := range c.sources {
				keys := e.keys(t, src)
				if len(keys) == 0 {
					t.Errorf("no raw objects of %s", src)
				}
				for _, k := range keys {
					if !strings.Contains(k, e.iv.Start.Format("20060102T150405Z")+"_"+e.iv.End.Format("20060102T150405Z")) {
						t.Errorf("%s is not filed under the run's interval %s", k, e.iv)
					}
				}
			}
			// One log line per token and a summary.
			if n := strings.Count(log, "\n"); n != len(e.cfg.Watchlist)+1 {
				t.Errorf("%d log lines:\n%s", n, log)
			}
		})
	}
}

// A bad object (an HTML error page stored under the source, as a proxy
// might have served it with 200) is named in the error, its rows are not
// written, the other objects load, and a re-clean after the object is
// dealt with is idempotent.
func TestCleanBadObjectFailsTaskAfterLoadingTheRest(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	if _, log, err := e.run(t, "social", "collect_twitter"); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	good := e.keys(t, "twitter.search")
	tok := e.cfg.Watchlist[0]
	badKey, _, err := e.zone.Put(ctx, raw.Object{Meta: raw.Meta{Source: "twitter.search", Token: tok.Key(), Interval: e.iv,
		URL: "https://api.x.com/2/tweets/search/recent?query=x", Status: 200, ContentType: "application/json"},
		Body: []byte("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n")})
	if err != nil {
		t.Fatal(err)
	}
	res, log, err := e.run(t, "social", "clean")
	if err == nil {
		t.Fatalf("clean succeeded with a bad object\n%s", log)
	}
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), badKey) || !strings.Contains(err.Error(), "twitter.search") ||
		!strings.Contains(err.Error(), "1 of "+itoa(len(good)+1)+" raw objects could not be loaded") {
		t.Fatalf("error does not name the object: %v", err)
	}
	if !strings.Contains(log, "FAILED twitter.search "+badKey) {
		t.Errorf("log:\n%s", log)
	}
	n, _ := e.st.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets})
	if n == 0 || res.RecordsOut != int64(n) || res.RecordsIn != int64(len(good)+1) {
		t.Fatalf("tweets %d, result %+v", n, res)
	}
	checks, _ := e.st.ListChecks(ctx, store.CheckFilter{RunID: "run-social"})
	if len(checks) == 0 {
		t.Fatal("no checks stored for a clean that failed on one object")
	}
	// The object deleted (or its parser fixed), the rerun passes and
	// changes nothing.
	before, _, _ := store.DigestCanonical(ctx, e.st, canonical.TableTweets)
	if err := e.zone.Delete(ctx, badKey); err != nil {
		t.Fatal(err)
	}
	if _, log, err := e.run(t, "social", "clean"); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	after, _, _ := store.DigestCanonical(ctx, e.st, canonical.TableTweets)
	if before != after {
		t.Error("re-clean changed the tweets")
	}
}

// An error-severity check (a timestamp in the future) fails the task; the
// results are stored with the run.
func TestCleanCheckOfSeverityErrorFailsTask(t *testing.T) {
	e := newEnv(t, 1)
	ctx := context.Background()
	if _, log, err := e.run(t, "social", "collect_twitter"); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	keys := e.keys(t, "twitter.search")
	obj, err := e.zone.Get(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(obj.Body, []byte(`"created_at":"`))
	if i < 0 {
		t.Fatalf("no created_at in %s", keys[0])
	}
	i += len(`"created_at":"`)
	body := append(append(append([]byte{}, obj.Body[:i]...), "2099"...), obj.Body[i+4:]...)
	obj.Meta.FetchedAt = time.Time{}
	if _, _, err := e.zone.Put(ctx, raw.Object{Meta: obj.Meta, Body: body}); err != nil {
		t.Fatal(err)
	}
	_, log, err := e.run(t, "social", "clean")
	if err == nil || !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "tweets/ts_not_future") {
		t.Fatalf("err %v\n%s", err, log)
	}
	checks, err := e.st.ListChecks(ctx, store.CheckFilter{RunID: "run-social", Dataset: "tweets", Check: "ts_not_future"})
	if err != nil || len(checks) != 1 || checks[0].Passed || checks[0].Severity != "error" || *checks[0].Observed != 1 ||
		checks[0].Pipeline != "social" || checks[0].Task != "clean" || !strings.Contains(checks[0].Message, "2099-") {
		t.Fatalf("checks %+v %v", checks, err)
	}
}

// The idempotency contract: table digests are equal after a clean, a
// second clean and a reclean over a wider window, in every table.
func TestCleanCleanAgainRecleanDigestsEqual(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	e.collectAll(t)
	for _, p := range []string{"social", "onchain", "market"} {
		if _, log, err := e.run(t, p, "clean"); err != nil {
			t.Fatalf("%s clean: %v\n%s", p, err, log)
		}
	}
	digests := func() map[string]string {
		out := map[string]string{}
		for _, table := range canonical.Tables {
			d, n, err := store.DigestCanonical(ctx, e.st, table)
			if err != nil {
				t.Fatal(err)
			}
			out[table] = d + " " + itoa(n)
		}
		return out
	}
	first := digests()
	for _, table := range []string{"tokens", "tweets", "transfers", "swaps", "pair_reserves", "contracts", "fundamentals", "quotes"} {
		if strings.HasSuffix(first[table], " 0") {
			t.Errorf("%s is empty after the clean", table)
		}
	}
	for _, p := range []string{"social", "onchain", "market"} {
		if _, log, err := e.run(t, p, "clean"); err != nil {
			t.Fatalf("%s clean again: %v\n%s", p, err, log)
		}
	}
	if again := digests(); !equalMaps(first, again) {
		t.Errorf("clean again changed tables:\n%v\n%v", first, again)
	}
	wide := pipeline.Interval{Start: e.iv.Start.Add(-24 * time.Hour), End: e.iv.End.Add(time.Hour)}
	all, _ := tasks.ExpandSources(nil)
	out, err := tasks.CleanInterval(ctx, e.deps, tasks.CleanSpec{Sources: all, Interval: wide, RunID: "reclean-1", Pipeline: "cli", Task: "reclean"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Loaded != out.Objects || out.Objects < 10 {
		t.Fatalf("reclean %+v", out)
	}
	if re := digests(); !equalMaps(first, re) {
		t.Errorf("reclean changed tables:\n%v\n%v", first, re)
	}
	// An interval that holds none of the run's objects cleans nothing.
	out, err = tasks.CleanInterval(ctx, e.deps, tasks.CleanSpec{Sources: all, Interval: pipeline.Interval{Start: e.iv.Start, End: e.iv.End.Add(-time.Hour)}})
	if err != nil || out.Objects != 0 {
		t.Fatalf("inner interval: %+v %v", out, err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }

// Objects share transactions (store.ObjectBatch) without changing what
// lands: one object per batch and every object in one batch give equal
// tables, with a bad object in the middle failing alone either way.
func TestCleanBatchingDoesNotChangeRows(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	for _, pt := range [][2]string{{"social", "collect_twitter"}, {"onchain", "collect_etherscan"}} {
		if _, log, err := e.run(t, pt[0], pt[1]); err != nil {
			t.Fatalf("%s: %v\n%s", pt[1], err, log)
		}
	}
	good := len(e.keys(t, "twitter.search")) + len(e.keys(t, "etherscan.tokentx"))
	tok := e.cfg.Watchlist[0]
	if _, _, err := e.zone.Put(ctx, raw.Object{Meta: raw.Meta{Source: "twitter.search", Token: tok.Key(), Interval: e.iv,
		URL: "https://api.x.com/2/tweets/search/recent?query=x", Status: 200, ContentType: "application/json"},
		Body: []byte(`{"data":[{"id":"1862200000000000000","text":"gm","created_at":"2026-11-28T12:00:00.000Z"},{"id":"x","text":"bad id"}],"meta":{"result_count":2}}`)}); err != nil {
		t.Fatal(err)
	}
	sources := []string{"twitter.search", "etherscan.tokentx"}
	digests := func(st store.Store) map[string]string {
		out := map[string]string{}
		for _, table := range []string{canonical.TableTweets, canonical.TableTransfers} {
			d, n, err := store.DigestCanonical(ctx, st, table)
			if err != nil {
				t.Fatal(err)
			}
			out[table] = d + " " + itoa(n)
		}
		return out
	}
	var first map[string]string
	for i, lim := range []tasks.BatchLimits{{Rows: 1}, {Rows: 1 << 30, Age: time.Hour}, {Rows: 150}} {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "memepipe.db"))
		if err != nil {
			t.Fatal(err)
		}
		deps := e.deps
		deps.Store = st
		out, err := tasks.CleanInterval(ctx, deps, tasks.CleanSpec{Sources: sources, Interval: e.iv, Batch: lim})
		st.Close()
		if err == nil || len(out.Failed) != 1 || !strings.Contains(out.Failed[0].Error(), `$.data[1].id: "x" is not a tweet id`) {
			t.Fatalf("batch %+v: failed %v, err %v", lim, out.Failed, err)
		}
		if out.Objects != good+1 || out.Loaded != good || out.Rows[canonical.TableTweets] == 0 || out.Rows[canonical.TableTransfers] == 0 {
			t.Fatalf("batch %+v: %d objects, %d loaded, rows %v", lim, out.Objects, out.Loaded, out.Rows)
		}
		st, _ = sqlite.Open(ctx, st.Path())
		got := digests(st)
		st.Close()
		if i == 0 {
			first = got
		} else if !equalMaps(first, got) {
			t.Errorf("batch %+v: tables %v, one object per batch gave %v", lim, got, first)
		}
	}
}
