package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/store/open"
)

const (
	canaryBearer = "AAAAcanaryBEARERtoken7f3e9"
	canaryKey    = "CANARYetherscanKEY51c0"
)

// tableRows reads the demo summary's CANONICAL TABLE block.
func tableRows(t *testing.T, stdout string) map[string]int {
	t.Helper()
	out := map[string]int{}
	_, block, ok := strings.Cut(stdout, "CANONICAL TABLE")
	if !ok {
		t.Fatalf("no summary in:\n%s", stdout)
	}
	block, _, _ = strings.Cut(block, "\n\n")
	for _, line := range strings.Split(block, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 2 {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("summary line %q", line)
			}
			out[f[0]] = n
		}
	}
	return out
}

// THE DEMO, end to end, as the README runs it: a subprocess of the built
// binary in a fresh directory, with real-looking secrets in the
// environment that must appear nowhere memepipe writes.
func TestDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := []string{"MEMEPIPE_TWITTER_BEARER_TOKEN=" + canaryBearer, "MEMEPIPE_ETHERSCAN_API_KEY=" + canaryKey}
	r := memepipe(t, dir, env, "run", "--demo", "--tokens", "8", "--log-level", "debug")
	if r.code != 0 {
		t.Fatalf("run --demo: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"memepipe demo: simulator with 8 tokens", "memepipe-demo/", "demo succeeded in", "checks: ", "0 errors"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "succeeded ("); n != 4 {
		t.Errorf("%d pipelines succeeded, want 4 (social, onchain, market, analytics)\n%s", n, r.stdout)
	}
	// The demo ends with the ranking: in the table and in the CSV.
	csvBody, err := os.ReadFile(filepath.Join(dir, "memepipe-demo", "out", "integrated_scores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(csvBody)), "\n"); len(lines) != 9 || !strings.HasPrefix(lines[0], "token,symbol,chain,address,as_of,sentiment_score") {
		t.Errorf("integrated_scores.csv:\n%s", csvBody)
	}
	if !strings.Contains(r.stdout, "integrated scores as of") {
		t.Errorf("stdout lacks the ranking:\n%s", r.stdout)
	}
	rows := tableRows(t, r.stdout)
	// Every table the demo's sources fill has rows (holder breakdowns,
	// corporate actions and plain transactions have no source in the
	// default pipelines; liquidity events depend on the market's luck).
	for _, table := range []string{"tokens", "tweets", "price_bars", "quotes", "transfers", "swaps", "pair_reserves", "contracts", "fundamentals"} {
		if rows[table] == 0 {
			t.Errorf("table %s is empty: %v", table, rows)
		}
	}
	if rows["tokens"] != 8 || rows["contracts"] != 8 {
		t.Errorf("tokens %d contracts %d, want 8 each", rows["tokens"], rows["contracts"])
	}

	cfg := filepath.Join("memepipe-demo", "memepipe.yaml")
	list := memepipe(t, dir, nil, "--config", cfg, "raw", "list", "--json")
	if list.code != 0 {
		t.Fatalf("raw list: %d\n%s", list.code, list.stderr)
	}
	var objs []map[string]any
	if err := json.Unmarshal([]byte(list.stdout), &objs); err != nil {
		t.Fatalf("raw list --json: %v\n%s", err, list.stdout)
	}
	sources := map[string]int{}
	shaRE := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, o := range objs {
		for _, k := range []string{"key", "source", "fetched_at", "sha256"} {
			if _, ok := o[k].(string); !ok {
				t.Fatalf("object lacks %s: %v", k, o)
			}
		}
		if !shaRE.MatchString(o["sha256"].(string)) || !strings.HasPrefix(o["key"].(string), o["source"].(string)+"/") {
			t.Errorf("object %v", o)
		}
		sources[o["source"].(string)]++
	}
	for _, s := range []string{"twitter.search", "yahoo.chart", "yahoo.quotesummary", "etherscan.tokentx", "etherscan.getlogs", "etherscan.getsourcecode", "dexscreener.pairs", "scrape.coinmarketcap"} {
		if sources[s] == 0 {
			t.Errorf("no raw objects of %s: %v", s, sources)
		}
	}
	key := objs[0]["key"].(string)
	cat := memepipe(t, dir, nil, "--config", cfg, "raw", "cat", key)
	if cat.code != 0 || !strings.HasPrefix(strings.TrimSpace(cat.stdout), "{") {
		t.Errorf("raw cat %s: exit %d\n%.200s", key, cat.code, cat.stdout)
	}
	checks := memepipe(t, dir, nil, "--config", cfg, "checks", "--json")
	var cs []map[string]any
	if err := json.Unmarshal([]byte(checks.stdout), &cs); err != nil || len(cs) < 10 {
		t.Fatalf("checks --json: %v (%d results)\n%.300s", err, len(cs), checks.stdout)
	}
	for _, c := range cs {
		if c["severity"] == "error" && c["passed"] == false {
			t.Errorf("failed error check after a successful demo: %v", c)
		}
	}
	// reclean from the raw zone: idempotent, every object loads, and the
	// analyses' checkpoints inside the window are dropped.
	st, err := open.Open(context.Background(), filepath.Join(dir, "memepipe-demo", "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	cpAt := time.Now().Add(-time.Hour)
	if err := st.PutCheckpoint(context.Background(), analytics.Checkpoint{Kind: "risk.chain", Token: "ethereum:0xcc", AsOf: cpAt, State: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	re := memepipe(t, dir, nil, "--config", cfg, "reclean", "--from", "-48h", "--to", "now")
	if re.code != 0 || !strings.Contains(re.stdout, " 0 failed") || !strings.Contains(re.stdout, "dropped 1 analysis checkpoints") {
		t.Fatalf("reclean: exit %d\n%s\n%s", re.code, re.stdout, re.stderr)
	}
	st, err = open.Open(context.Background(), filepath.Join(dir, "memepipe-demo", "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.LatestCheckpoint(context.Background(), "risk.chain", "ethereum:0xcc", time.Time{}); ok || err != nil {
		t.Errorf("checkpoint inside the recleaned window survived (%v)", err)
	}
	st.Close()

	// The canaries: nowhere in what memepipe printed or wrote.
	for _, secret := range []string{canaryBearer, canaryKey} {
		for _, where := range []struct{ name, text string }{{"stdout", r.stdout}, {"stderr (debug logs)", r.stderr}, {"raw list", list.stdout}} {
			if strings.Contains(where.text, secret) {
				t.Errorf("%s leaks a secret", where.name)
			}
		}
	}
	files := 0
	err = filepath.Walk(filepath.Join(dir, "memepipe-demo"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{canaryBearer, canaryKey} {
			if strings.Contains(string(b), secret) || strings.Contains(path, secret) {
				t.Errorf("%s holds a secret", path)
			}
		}
		// Raw objects are gzipped: their bodies are checked decompressed.
		if strings.HasSuffix(path, ".gz") {
			rel, _ := filepath.Rel(filepath.Join(dir, "memepipe-demo", "raw"), path)
			body := memepipe(t, dir, nil, "--config", cfg, "raw", "cat", filepath.ToSlash(rel))
			if body.code != 0 {
				t.Errorf("raw cat %s: %s", rel, body.stderr)
			}
			for _, secret := range []string{canaryBearer, canaryKey} {
				if strings.Contains(body.stdout, secret) {
					t.Errorf("raw object %s holds a secret", rel)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d files in the demo folder", files)
	}

	// Re-runnable: a second demo replaces the first.
	r2 := memepipe(t, dir, nil, "run", "--demo", "--tokens", "2")
	if r2.code != 0 || tableRows(t, r2.stdout)["tokens"] != 2 {
		t.Fatalf("second demo: exit %d\n%s\n%s", r2.code, r2.stdout, r2.stderr)
	}
	// A folder that is not a demo's is never replaced.
	os.MkdirAll(filepath.Join(dir, "mine"), 0o755)
	os.WriteFile(filepath.Join(dir, "mine", "notes.txt"), []byte("keep"), 0o644)
	r3 := memepipe(t, dir, nil, "run", "--demo", "--demo-dir", "mine")
	if r3.code != 2 || !strings.Contains(r3.stderr, "is not a memepipe demo folder") {
		t.Errorf("foreign demo dir: exit %d\n%s", r3.code, r3.stderr)
	}
}

// With one request in five failing (5xx, HTML error pages, truncated and
// slow answers), the demo still succeeds with every page collected: the
// streamed tables hold exactly the rows of a fault-free run.
func TestDemoWithFaults(t *testing.T) {
	clean := memepipe(t, t.TempDir(), nil, "run", "--demo", "--tokens", "6", "--seed", "3")
	if clean.code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", clean.code, clean.stdout, clean.stderr)
	}
	faulty := memepipe(t, t.TempDir(), nil, "run", "--demo", "--tokens", "6", "--seed", "3", "--faults", "0.2")
	if faulty.code != 0 {
		t.Fatalf("demo --faults 0.2: exit %d\n%s\n%s", faulty.code, faulty.stdout, faulty.stderr)
	}
	want, got := tableRows(t, clean.stdout), tableRows(t, faulty.stdout)
	for _, table := range []string{"tweets", "price_bars", "transfers", "swaps", "pair_reserves", "liquidity_events", "contracts", "tokens"} {
		if want[table] != got[table] || want[table] == 0 && table != "liquidity_events" {
			t.Errorf("%s: %d rows with faults, %d without", table, got[table], want[table])
		}
	}
	if n := strings.Count(faulty.stderr, `"msg":"http retry"`); n < 5 {
		t.Errorf("%d retries logged: were faults injected?\n%.2000s", n, faulty.stderr)
	}
	if !strings.Contains(faulty.stdout, "(rejected pages, kept apart)") {
		t.Errorf("summary:\n%s", faulty.stdout)
	}
}

// The default pipelines need the user's tokens: running one with the
// empty default watchlist is refused before anything is created, and
// config validate warns.
func TestEmptyWatchlistIsRefusedClearly(t *testing.T) {
	dir := t.TempDir()
	r := memepipe(t, dir, nil, "run", "--pipeline", "onchain")
	if r.code != 2 || !strings.Contains(r.stderr, "collect_etherscan (collect.etherscan): the watchlist is empty: add your tokens under watchlist:") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "memepipe.db")); err == nil {
		t.Error("a database was created for a run that cannot start")
	}
	v := memepipe(t, dir, nil, "config", "validate")
	if v.code != 0 || !strings.Contains(v.stdout, "warning: pipeline social: task collect_twitter (collect.twitter): the watchlist is empty") {
		t.Errorf("config validate: exit %d\n%s", v.code, v.stdout)
	}
}
