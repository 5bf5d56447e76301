package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/internal/servetest"
	"memepipe/store"
	"memepipe/web"
)

type uiFixture struct {
	env *servetest.Env
	srv *httptest.Server
}

func newUI(t *testing.T, o servetest.Options) *uiFixture {
	t.Helper()
	env := servetest.New(t, o)
	ui, err := web.New(web.Options{Store: env.Store, Scheduler: env.Scheduler, Logger: env.Logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui)
	t.Cleanup(srv.Close)
	return &uiFixture{env, srv}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (f *uiFixture) get(t *testing.T, path string, want int) string {
	t.Helper()
	resp, err := noRedirect.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s = %d, want %d: %s", path, resp.StatusCode, want, b)
	}
	return string(b)
}

func (f *uiFixture) post(t *testing.T, path string, form url.Values, want int) (string, string) {
	t.Helper()
	resp, err := noRedirect.PostForm(f.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s = %d, want %d: %s", path, resp.StatusCode, want, b)
	}
	return resp.Header.Get("Location"), string(b)
}

func contains(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestOverviewTriggerRunLogs(t *testing.T) {
	f := newUI(t, servetest.Options{FailTask: "score"})
	page := f.get(t, "/", 200)
	contains(t, page, `<a href="/pipelines/memes">memes</a>`, `<code>@hourly</code>`, "on demand, 24h0m0s intervals",
		`action="/pipelines/memes/trigger"`, `id="pause-memes"`, "No failed runs.", `<script src="/static/memepipe.js" defer>`)

	loc, _ := f.post(t, "/pipelines/memes/trigger", nil, 303)
	id, ok := strings.CutPrefix(loc, "/runs/")
	if !ok {
		t.Fatalf("trigger redirected to %q", loc)
	}
	f.env.WaitRun(t, id)
	run := f.get(t, loc, 200)
	contains(t, run, "Run <code>"+id+"</code>", `<span class="badge s-failed">failed</span>`,
		`<svg id="graph"`, `data-task="clean" data-state="success"`, `data-task="score" data-state="failed"`,
		`<svg id="gantt"`, "401 Unauthorized: invalid API key",
		`href="/runs/`+id+`/tasks/score/logs?attempt=1"`)
	if strings.Contains(run, "data-refresh") {
		t.Errorf("a finished run's page refreshes itself")
	}
	if n := strings.Count(run, `<path class="edge"`); n != 3 {
		t.Errorf("%d edges drawn, want 3", n)
	}
	logs := f.get(t, "/runs/"+id+"/tasks/score/logs?attempt=1", 200)
	contains(t, logs, `<pre class="log" id="log">`, "score: working on [", "score: upstream said 401 Unauthorized")
	f.get(t, "/runs/"+id+"/tasks/score/logs?attempt=zero", 400)
	f.get(t, "/runs/"+id+"/tasks/score/logs?attempt=5", 404)
	f.get(t, "/runs/"+id+"/tasks/nope/logs", 404)
	f.get(t, "/runs/r_nosuchrun", 404)
	f.get(t, "/runs/r_nosuchrun/tasks/score/logs", 404)

	page = f.get(t, "/", 200)
	contains(t, page, `<tr class="failing" data-pipeline="memes">`, `<a href="/runs/`+id+`">`+id+`</a>`)

	// A second trigger of the same interval while idle resumes that run.
	loc2, _ := f.post(t, "/pipelines/memes/trigger", nil, 303)
	if loc2 != loc {
		t.Errorf("second trigger went to %s, want %s", loc2, loc)
	}
	f.env.WaitRun(t, id)
	f.post(t, "/pipelines/nope/trigger", nil, 404)
}

func TestPauseAndBackfillForms(t *testing.T) {
	f := newUI(t, servetest.Options{})
	loc, _ := f.post(t, "/pipelines/memes/pause", nil, 303)
	if loc != "/pipelines/memes" {
		t.Errorf("pause redirected to %s", loc)
	}
	page := f.get(t, "/pipelines/memes", 200)
	contains(t, page, `<span class="badge paused">paused</span>`, `id="unpause-memes"`, "No runs yet.")
	f.post(t, "/pipelines/memes/unpause", nil, 303)
	if !strings.Contains(f.get(t, "/pipelines/memes", 200), `id="pause-memes"`) {
		t.Error("not unpaused")
	}
	loc, _ = f.post(t, "/pipelines/daily/backfill", url.Values{"from": {"2026-11-01T00:00"}, "to": {"2026-11-03T00:00"}}, 303)
	if !strings.Contains(loc, "flash=Backfill+queued%3A+2+new+runs+for+2+intervals.") {
		t.Errorf("backfill redirected to %s", loc)
	}
	contains(t, f.get(t, loc, 200), `<p class="flash" role="alert">Backfill queued: 2 new runs for 2 intervals.</p>`, "2 in all")
	_, body := f.post(t, "/pipelines/daily/backfill", url.Values{"from": {"last week"}, "to": {"2026-11-03T00:00"}}, 400)
	contains(t, body, `time &#34;last week&#34; is not like 2026-11-28T18:00`)
	_, body = f.post(t, "/pipelines/daily/backfill", url.Values{"from": {"2026-11-03T00:00"}, "to": {"2026-11-01T00:00"}}, 400)
	contains(t, body, "is not after from")
	f.post(t, "/pipelines/nope/pause", nil, 404)
}

func TestRunGridPages(t *testing.T) {
	f := newUI(t, servetest.Options{})
	end := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	servetest.SeedRuns(t, f.env.Store, 45, end)
	page := f.get(t, "/pipelines/memes", 200)
	contains(t, page, "45 in all", `<table id="grid">`, `<th class="task">collect_social</th>`, `<th class="task">score</th>`,
		"Intervals 2026-11-28 11:00 → 12:00", `title="score: upstream_failed`)
	if n := strings.Count(page, `<th class="run">`); n != web.GridRuns {
		t.Errorf("%d run columns, want %d", n, web.GridRuns)
	}
	if n := strings.Count(page, `<a class="cell s-`); n != 4*web.GridRuns {
		t.Errorf("%d cells, want %d", n, 4*web.GridRuns)
	}
	older := regexp.MustCompile(`<a id="older" href="([^"]+)"`).FindStringSubmatch(page)
	if older == nil {
		t.Fatal("no link to older runs")
	}
	page2 := f.get(t, strings.ReplaceAll(older[1], "&amp;", "&"), 200)
	if n := strings.Count(page2, `<th class="run">`); n != 15 {
		t.Errorf("second page has %d runs, want 15", n)
	}
	contains(t, page2, "back to 2026-11-28 00:00 → 01:00"[:0]+"2026-11-26 15:00 → 16:00", `href="/pipelines/memes">« newest</a>`)
	if strings.Contains(page2, `id="older"`) {
		t.Error("the last page links to older runs")
	}
	f.get(t, "/pipelines/memes?before=r_nosuchrun", 400)
	f.get(t, "/pipelines/nope", 404)
	f.get(t, "/no/such/page", 404)
}

func TestDatasetsAndTokens(t *testing.T) {
	f := newUI(t, servetest.Options{})
	page := f.get(t, "/datasets", 200)
	contains(t, page, "<code>price_bars</code>", "No task has succeeded yet.")
	tokens := f.get(t, "/tokens", 200)
	contains(t, tokens, `id="no-scores"`, "No scores yet", "No risk flags.", "No anomalies found.")

	servetest.SeedRuns(t, f.env.Store, 2, time.Now().Add(-48*time.Hour))
	contains(t, f.get(t, "/datasets", 200), `<table id="freshness">`, `<tr class="failing"><td>memes</td><td>clean</td>`)
	contains(t, f.get(t, "/", 200), "Stale datasets", "<td>memes</td><td>collect_onchain</td>")

	asOf := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	err := f.env.Store.ReplaceIntegratedScores(context.Background(), asOf, []analytics.IntegratedScore{
		{Token: "ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933", Symbol: "PEPE", Chain: "ethereum", AsOf: asOf, IntegratedScore: 71.25, Rank: 1,
			SentimentScore: analytics.F(64), MomentumScore: analytics.F(80), Flags: []string{}, Breakdown: []byte(`{}`)},
		{Token: "ethereum:0x000000000000000000000000000000000000dead", Symbol: "RUGME", Chain: "ethereum", AsOf: asOf, IntegratedScore: 12.5, Rank: 2,
			RiskScore: analytics.F(95), Flags: []string{"lp_removed_by_creator"}, Breakdown: []byte(`{}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens = f.get(t, "/tokens", 200)
	contains(t, tokens, `<table id="scores">`, "<strong>PEPE</strong>", "<strong>71.2</strong>", "<td class=\"num\">64.0</td>", `<span class="badge s-failed">lp_removed_by_creator</span>`)
	if strings.Contains(tokens, "No scores yet") {
		t.Error("scores exist, yet the page says none")
	}
}

func TestStaticAssetsEmbedded(t *testing.T) {
	f := newUI(t, servetest.Options{})
	for _, p := range []string{"/static/memepipe.css", "/static/memepipe.js"} {
		resp, err := http.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) < 200 || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("%s: %d, %d bytes", p, resp.StatusCode, len(b))
		}
	}
	// No page pulls anything from another origin.
	page := f.get(t, "/", 200)
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(page) {
		t.Error("the overview loads something from another origin")
	}
}

func TestTokenPage(t *testing.T) {
	f := newUI(t, servetest.Options{})
	servetest.SeedTokens(t, f.env.Store, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	// The tokens table has rows but no time column: no newest row, no error.
	contains(t, f.get(t, "/datasets", 200), `<tr data-table="tokens"><td><code>tokens</code></td><td class="num">2</td><td><span class="muted">—</span>`,
		`<tr data-table="price_bars"><td><code>price_bars</code></td><td class="num">240</td><td>2026-11-28 11:00:00 UTC <span class="muted">(`)
	list := f.get(t, "/tokens", 200)
	contains(t, list, `<a href="/tokens/`+servetest.PepeKey+`"><strong>PEPE</strong></a>`, `<a href="/tokens/`+servetest.SwappyKey+`">`)

	page := f.get(t, "/tokens/"+servetest.PepeKey, 200)
	contains(t, page, "<h1>PEPE <span class=\"muted\">Pepe</span></h1>",
		`<dd id="integrated"><strong>41.5</strong> <span class="muted">rank 2, as of 2026-11-28 12:00:00 UTC`,
		`<dd id="risk">72 / 100, rug probability 81%`,
		`<tr data-component="sentiment"><td>sentiment</td><td class="num">66.0</td>`,
		`<code>reach_weighted_compound=0.31</code>`,
		`<tr data-component="risk"><td>risk</td><td class="num">72.0</td><td class="num">28.0</td>`+"\n"+`<td class="num">0.20</td>`,
		`capped at <strong>41.5</strong> by <code class="override">lp_removed_by_creator</code> (critical)`,
		"price bars (1h), close in USD, 167 rows in 167 points",
		`<figure id="price-chart"><svg class="chart" width="760" height="220"`, `data-points="167"`,
		`<path class="band" d="M`, `<path class="line" d="M`,
		`<g class="anomaly" data-severity="critical">`, `<title>price_pump (critical, score 6.20) at 2026-11-26 12:00 UTC</title>`,
		`<figure id="sentiment-chart">`, `<rect class="bar"`, `<line class="zero"`,
		`<figure id="score-chart">`, `data-points="72"`,
		`<code>lp_removed_by_creator</code></td><td><span class="badge s-failed">critical</span>`,
		`&#34;share_removed&#34;: 0.93`, // evidence, indented
		`<td>volume_spike</td><td><span class="badge s-up_for_retry">warn</span>`,
		`<a href="?days=7" class="current">7d</a>`)
	if strings.Contains(page, "wash_trading") {
		t.Error("an anomaly from before the window is shown")
	}
	if n := strings.Count(page, `<g class="anomaly"`); n != 2 {
		t.Errorf("%d anomaly markers, want 2", n)
	}
	if regexp.MustCompile(`<script(?: [^>]*)?>[^<]`).MatchString(page) || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the token page carries inline script or an external reference")
	}

	// One day: fewer points, the anomalies (two days back) out of view.
	day := f.get(t, "/tokens/"+servetest.PepeKey+"?days=1", 200)
	contains(t, day, `data-points="24"`, "No anomalies found in this window.", `<a href="?days=1" class="current">1d</a>`)

	swappy := f.get(t, "/tokens/"+servetest.SwappyKey, 200)
	contains(t, swappy, "DEX swaps, volume-weighted price in WETH, 400 rows", "Stored with a formula this version does not read",
		"&#34;formula&#34;: &#34;other-v0&#34;", "No risk flags.", `<text class="empty"`)

	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/tokens/ethereum:0xnope", 404, "not on the watchlist, never scored"},
		{"/tokens/" + servetest.PepeKey + "?days=0", 400, "days: &#34;0&#34; is not a number from 1 to 90"},
		{"/tokens/" + servetest.PepeKey + "?days=91", 400, "from 1 to 90"},
		{"/tokens/" + servetest.PepeKey + "?days=week", 400, "is not a number"},
		{"/tokens/" + servetest.PepeKey + "?from=2026-01-01", 400, "unknown query parameter &#34;from&#34;"},
	} {
		contains(t, f.get(t, c.path, c.code), c.want)
	}
}

func TestChecksOnDatasetsAndRunPages(t *testing.T) {
	f := newUI(t, servetest.Options{})
	contains(t, f.get(t, "/datasets", 200), "No checks have run yet")
	servetest.SeedRuns(t, f.env.Store, 3, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	runs, err := f.env.Store.ListRuns(context.Background(), store.RunFilter{Pipeline: "memes", OldestFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	// The newest run's clean found duplicate tweet keys; older ones did not.
	servetest.SeedChecks(t, f.env.Store, runs, 2)
	page := f.get(t, "/datasets", 200)
	contains(t, page,
		`<tr data-table="tweets" class="failing"><td><code>tweets</code></td>`, `<span class="badge s-failed">1 failing</span> of 4`,
		`<tr data-table="transfers"><td><code>transfers</code></td>`, `<span class="badge s-success">4 passed</span>`,
		`<tr data-dataset="tweets" data-check="keys_unique" class="failing"><td><code>tweets</code></td><td>keys_unique</td>`+"\n"+`<td><span class="badge s-failed">error</span>`,
		"3 rows share a key (tweet id)", `<a href="/runs/`+runs[2].ID+`">`)
	// Failing first: the error, then the warning, then the passes.
	iErr := strings.Index(page, `data-dataset="tweets" data-check="keys_unique"`)
	iWarn := strings.Index(page, `data-dataset="price_bars" data-check="freshness"`)
	iPass := strings.Index(page, `data-dataset="price_bars" data-check="keys_not_null"`)
	if iErr < 0 || iWarn < iErr || iPass < iWarn {
		t.Errorf("checks out of order: error at %d, warning at %d, pass at %d", iErr, iWarn, iPass)
	}
	// Only each task's latest run: 12 rows, not 36.
	if n := strings.Count(page, `<tr data-dataset=`); n != 12 {
		t.Errorf("%d check rows on the datasets page, want 12", n)
	}

	run := f.get(t, "/runs/"+runs[0].ID, 200)
	contains(t, run, "<h2>Data-quality checks</h2>", "1 of 12 failing.", `data-dataset="price_bars" data-check="freshness" class="failing"`,
		`<span class="badge s-up_for_retry">warn</span>`, "<td>memes.clean</td>")
	if strings.Contains(run, "3 rows share a key") {
		t.Error("the oldest run's page shows the newest run's failure")
	}
	contains(t, f.get(t, "/runs/"+runs[2].ID, 200), "2 of 12 failing.", "3 rows share a key")
}
