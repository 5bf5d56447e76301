package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"memepipe/analytics"
	"memepipe/canonical"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/sim"
	"memepipe/source/httpx"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/tasks"
	"memepipe/watchlist"
)

// The demo runs the real pipelines, unchanged, against the simulator:
// the same collectors, raw zone, cleaners, checks and store a production
// run uses. What differs is only what a local fake upstream allows:
//   - every source's base_url points at the in-process simulator, and the
//     watchlist is the simulator's tokens;
//   - rate limits are off on both sides (the simulator's are off, and the
//     clients' budgets are unlimited), HTTP timeouts are 1 s and backoffs
//     start at 50 ms (the simulator's "slow" fault holds an answer 2 s),
//     collectors work on 10 tokens at once, and task retries wait 1 s
//     instead of minutes;
//   - with no MEMEPIPE_TWITTER_BEARER_TOKEN / MEMEPIPE_ETHERSCAN_API_KEY
//     set, placeholder credentials are sent (the simulator, like X, refuses
//     a search without a bearer token). Real ones, when set, are sent to the
//     simulator instead, and are redacted from everything memepipe writes
//     as in any run.
//
// Everything it writes goes to one folder, ./memepipe-demo by default,
// which each demo replaces (it carries a marker file, so a folder that is
// not a demo's is never deleted): the command works on a fresh clone and
// can be run again and again.

const demoMarker = ".memepipe-demo"

type demoFlags struct {
	faults float64
	tokens int
	seed   int64
	dir    string
}

func (f *demoFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&f.faults, "faults", 0, "with --demo: probability that the simulator fails a request (5xx, HTML error page, truncated or slow body)")
	fs.IntVar(&f.tokens, "tokens", sim.DefaultTokens, "with --demo: number of tokens in the simulated market")
	fs.Int64Var(&f.seed, "seed", 1, "with --demo: market seed (the same seed gives the same market)")
	fs.StringVar(&f.dir, "demo-dir", "memepipe-demo", "with --demo: folder for the demo's database, raw zone and config (replaced on each demo)")
}

func (a *app) runDemo(ctx context.Context, fl demoFlags) error {
	if fl.tokens < 1 || fl.tokens > 10000 {
		return usageError("--tokens %d: want 1..10000", fl.tokens)
	}
	if fl.faults < 0 || fl.faults > 1 {
		return usageError("--faults %v: want a probability in [0, 1]", fl.faults)
	}
	started := time.Now()
	cfg, err := a.loadConfig(true)
	if err != nil {
		return err
	}
	dir, err := prepareDemoDir(fl.dir)
	if err != nil {
		return err
	}

	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSim()
	s := sim.New(sim.Options{Seed: fl.seed, Tokens: fl.tokens, Faults: fl.faults, SlowDelay: 2 * time.Second})
	base, err := s.Serve(simCtx, "127.0.0.1:0")
	if err != nil {
		return err
	}
	demoConfig(cfg, s, base, dir)
	if err := writeDemoConfig(dir, cfg); err != nil {
		return err
	}

	end := time.Now().UTC().Truncate(time.Hour)
	iv := pipeline.Interval{Start: end.Add(-24 * time.Hour), End: end}
	fmt.Fprintf(a.stdout, "memepipe demo: simulator with %d tokens (seed %d, faults %.2f) at %s\n", fl.tokens, fl.seed, fl.faults, base)
	fmt.Fprintf(a.stdout, "memepipe demo: pipelines %s for %s\n", strings.Join(cfg.PipelineNames(), ", "), iv)
	fmt.Fprintf(a.stdout, "memepipe demo: writing to %s/ (database memepipe.db, raw zone raw/, config memepipe.yaml)\n", dir)
	fmt.Fprintf(a.stdout, "memepipe demo: rate limits off and HTTP timeouts short against the local simulator\n")

	st, err := open.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	zone, err := raw.Open(ctx, cfg.Raw)
	if err != nil {
		return err
	}
	defer zone.Close()

	deps := tasks.Deps{Config: cfg, Store: st, Raw: zone, Logger: a.log, TuneHTTP: func(c *httpx.Config) {
		c.Retry = httpx.Retry{Attempts: 10, Initial: 50 * time.Millisecond, Max: time.Second, MaxWait: 5 * time.Second}
	}}
	dags, err := tasks.Build(cfg, deps)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	var failed []string
	for _, name := range cfg.PipelineNames() {
		fmt.Fprintln(a.stdout)
		if err := a.runDAG(ctx, cfg, st, dags[name], iv, false, nil); err != nil {
			if ctx.Err() != nil {
				return err
			}
			failed = append(failed, name)
		}
	}
	stopSim()

	bg := context.WithoutCancel(ctx)
	fmt.Fprintln(a.stdout)
	if err := a.demoSummary(bg, st, zone, dir); err != nil {
		return err
	}
	if err := a.demoRanking(bg, st, cfg.Score.CSVPath); err != nil {
		return err
	}
	if len(failed) > 0 {
		fmt.Fprintf(a.stdout, "\ndemo finished in %s; pipelines failed: %s\n", time.Since(started).Round(100*time.Millisecond), strings.Join(failed, ", "))
		return &exitError{code: exitFailed, err: fmt.Errorf("demo: pipelines failed: %s", strings.Join(failed, ", ")), silent: true}
	}
	fmt.Fprintf(a.stdout, "\ndemo succeeded in %s. Look around:\n", time.Since(started).Round(100*time.Millisecond))
	c := "memepipe --config " + filepath.Join(fl.dir, "memepipe.yaml")
	for _, l := range []string{" runs list", " checks", " scores", " anomalies", " flags", " raw list --source twitter.search", " reclean --from " + iv.Start.Format(time.RFC3339) + " --to " + iv.End.Format(time.RFC3339)} {
		fmt.Fprintf(a.stdout, "  %s%s\n", c, l)
	}
	return nil
}

// prepareDemoDir makes dir an empty demo folder: created if missing,
// emptied if it is an earlier demo's, refused if it is anything else.
func prepareDemoDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return "", err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(abs, demoMarker)); err != nil {
			return "", usageError("--demo-dir %s exists and is not a memepipe demo folder (no %s in it); choose another", dir, demoMarker)
		}
		if err := os.RemoveAll(abs); err != nil {
			return "", fmt.Errorf("replace the earlier demo in %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(abs, demoMarker), []byte("memepipe run --demo replaces this folder on each run\n"), 0o644); err != nil {
		return "", err
	}
	return abs, nil
}

// demoPlaceholder is sent as a credential the user has not set: the
// simulator, like the real APIs, wants one, and accepts any.
const demoPlaceholder = "memepipe-demo"

// demoConfig points cfg at the simulator served at base and at dir.
func demoConfig(cfg *config.Config, s *sim.Sim, base, dir string) {
	urls := sim.URLs(base)
	cfg.DB = filepath.Join(dir, "memepipe.db")
	cfg.Raw = "file://" + filepath.ToSlash(filepath.Join(dir, "raw"))
	cfg.Score.CSVPath = filepath.Join(dir, "out", "integrated_scores.csv")
	cfg.Watchlist = s.WatchlistAt(base)
	unlimited := func(src *config.Source, url string) {
		src.BaseURL = url
		src.Rate, src.Burst, src.Daily = config.Rate{}, 0, 0
		src.Timeout = config.Duration(time.Second)
	}
	unlimited(&cfg.Sources.Twitter, urls.Twitter)
	unlimited(&cfg.Sources.Yahoo, urls.Yahoo)
	unlimited(&cfg.Sources.Etherscan, urls.Etherscan)
	unlimited(&cfg.Sources.Scrape, urls.Pages)
	unlimited(&cfg.Sources.DexScreener, urls.DexScreener)
	if !cfg.Secrets.TwitterBearerToken.IsSet() {
		cfg.Secrets.TwitterBearerToken = config.NewSecret(demoPlaceholder)
	}
	if !cfg.Secrets.EtherscanAPIKey.IsSet() {
		cfg.Secrets.EtherscanAPIKey = config.NewSecret(demoPlaceholder)
	}
	for i := range cfg.Pipelines {
		for j := range cfg.Pipelines[i].Tasks {
			t := &cfg.Pipelines[i].Tasks[j]
			t.RetryDelay, t.RetryMaxDelay = config.Duration(time.Second), config.Duration(5*time.Second)
			if strings.HasPrefix(t.Type, "collect.") {
				// With no budget to respect, more tokens at once hide the
				// simulator's injected latency (slow answers, Retry-After).
				if t.Params == nil {
					t.Params = map[string]any{}
				}
				t.Params["parallel"] = 10
			}
		}
	}
}

// writeDemoConfig leaves a config in dir that points at the demo's
// database and raw zone, with the simulator's watchlist, so that
// `memepipe --config DIR/memepipe.yaml ...` inspects and re-cleans it.
func writeDemoConfig(dir string, cfg *config.Config) error {
	type scoreDoc struct {
		CSVPath string `yaml:"csv_path"`
	}
	doc := struct {
		DB        string         `yaml:"db"`
		Raw       string         `yaml:"raw"`
		Score     scoreDoc       `yaml:"score"`
		Watchlist watchlist.List `yaml:"watchlist"`
	}{cfg.DB, cfg.Raw, scoreDoc{cfg.Score.CSVPath}, cfg.Watchlist}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	head := "# Written by memepipe run --demo: the demo's database, raw zone and the\n" +
		"# simulator's tokens. The sources are the real APIs here: the simulator\n" +
		"# is gone once the demo ends.\n"
	return os.WriteFile(filepath.Join(dir, "memepipe.yaml"), append([]byte(head), b...), 0o644)
}

// demoSummary prints rows per canonical table, raw objects per source and
// the checks of the last cleans.
func (a *app) demoSummary(ctx context.Context, st store.Store, zone *raw.Zone, dir string) error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CANONICAL TABLE\tROWS")
	for _, t := range canonical.Tables {
		n, err := st.CountCanonical(ctx, store.CanonicalQuery{Table: t})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%d\n", t, n)
	}
	w.Flush()
	fmt.Fprintln(a.stdout)

	counts := map[string]int{}
	var sources []string
	for info, err := range zone.List(ctx, raw.Filter{}) {
		if err != nil {
			return err
		}
		if counts[info.Meta.Source] == 0 {
			sources = append(sources, info.Meta.Source)
		}
		counts[info.Meta.Source]++
	}
	rejected := 0
	for _, err := range zone.List(ctx, raw.Filter{Rejected: true}) {
		if err != nil {
			return err
		}
		rejected++
	}
	w = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RAW SOURCE\tOBJECTS")
	for _, s := range sources {
		fmt.Fprintf(w, "%s\t%d\n", s, counts[s])
	}
	fmt.Fprintf(w, "(rejected pages, kept apart)\t%d\n", rejected)
	w.Flush()
	fmt.Fprintln(a.stdout)

	checks, err := st.ListChecks(ctx, store.CheckFilter{Latest: true})
	if err != nil {
		return err
	}
	var passed, warn, failed int
	for _, c := range checks {
		switch {
		case c.Passed:
			passed++
		case c.Severity == "error":
			failed++
		default:
			warn++
		}
	}
	fmt.Fprintf(a.stdout, "checks: %d passed, %d warnings, %d errors (memepipe checks shows them)\n", passed, warn, failed)
	return nil
}

// demoRanking prints the top of the integrated score ranking the analytics
// pipeline ended with, and where its CSV is.
func (a *app) demoRanking(ctx context.Context, st store.Store, csvPath string) error {
	rows, err := st.IntegratedScores(ctx, time.Time{})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(a.stdout, "\nno integrated scores (did the analytics pipeline run?)")
		return nil
	}
	fmt.Fprintf(a.stdout, "\nintegrated scores as of %s (%d tokens, %s):\n", rows[0].AsOf.Format(time.RFC3339), len(rows), csvPath)
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RANK\tTOKEN\tSCORE\tRISK\tFLAGS")
	show := func(r analytics.IntegratedScore) {
		risk := "-"
		if r.RiskScore != nil {
			risk = fmt.Sprintf("%.1f", *r.RiskScore)
		}
		fmt.Fprintf(w, "%d\t%s\t%.1f\t%s\t%s\n", r.Rank, r.Symbol, r.IntegratedScore, risk, strings.Join(r.Flags, " "))
	}
	for i, r := range rows {
		if i < 5 || i >= len(rows)-3 {
			show(r)
		} else if i == 5 {
			fmt.Fprintln(w, "...\t\t\t\t")
		}
	}
	return w.Flush()
}
