package web_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"memepipe/internal/servetest"
	"memepipe/server"
	"memepipe/web"
)

// chromium finds a Chromium binary, or "" (the test then skips).
func chromium() string {
	if p := os.Getenv("MEMEPIPE_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// TestBrowserTriggerRunLogs drives the real server and UI in headless
// Chromium: open the overview, click Trigger, watch the run page until the
// run succeeded, open a task's log, then open a token from the tokens
// leaderboard and check its charts and score breakdown. On failure a screenshot of the page is
// saved in the test's artifact directory (kept with go test -artifacts).
func TestBrowserTriggerRunLogs(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium binary (apt-get install -y chromium, or set MEMEPIPE_CHROMIUM): browser test skipped")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	env := servetest.New(t, servetest.Options{Run: true})
	servetest.SeedTokens(t, env.Store, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	ui, err := web.New(web.Options{Store: env.Store, Scheduler: env.Scheduler, Logger: env.Logger})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Metrics: env.Metrics, Addr: ln.Addr().String(), UI: ui, Logger: env.Logger})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln, 5*time.Second) }()
	t.Cleanup(func() { stop(); <-served })
	base := "http://" + ln.Addr().String()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	fail := func(format string, args ...any) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		defer scancel()
		if shot, err := chromedp.Run(sctx, chromedp.FullScreenshot(90)); err == nil {
			p := filepath.Join(t.ArtifactDir(), "failure.jpg")
			if werr := os.WriteFile(p, shot, 0o644); werr == nil {
				t.Logf("screenshot of the page: %s (kept when run with go test -artifacts)", p)
			}
		}
		t.Fatalf(format, args...)
	}

	// The overview lists the pipeline with its Trigger button.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#trigger-memes"))); err != nil {
		fail("open the overview: %v", err)
	}
	overview, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pipelines")))
	if err != nil || !strings.Contains(overview, "memes") || !strings.Contains(overview, "@hourly") {
		fail("overview shows %q (%v)", overview, err)
	}

	// Trigger: the form posts and lands on the run page. The scheduler may
	// already run this interval (a new pipeline's latest slot); the button
	// then shows that run. Either way the run page must reach success.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#trigger-memes")), chromedp.WaitVisible(chromedp.CSS("h1 code"))); err != nil {
		fail("trigger: %v", err)
	}
	runURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(runURL, "/runs/r_") {
		fail("after Trigger the browser is at %s (%v), want a run page", runURL, err)
	}

	// The run page refreshes itself while the run goes on.
	deadline := time.Now().Add(30 * time.Second)
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('h1 .badge') || {}).textContent || ''`))
		if err == nil && strings.TrimSpace(state) == "success" {
			break
		}
		if time.Now().After(deadline) {
			fail("run page still shows %q after 30s (last error %v)", state, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	graph, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#graph g.node[data-state="success"]').length`))
	if err != nil || graph != 4 {
		fail("task graph shows %d succeeded tasks (%v), want 4", graph, err)
	}

	// A task's log, attempt 1.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#task-collect_social a.log-link")), chromedp.WaitVisible(chromedp.CSS("#log"))); err != nil {
		fail("open the log: %v", err)
	}
	logText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#log")))
	if err != nil || !strings.Contains(logText, "collect_social: wrote 120 records") {
		fail("log shows %q (%v)", logText, err)
	}

	// The leaderboard links to a token's page: charts drawn as SVG by the
	// server, the breakdown as a table.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/tokens"), chromedp.WaitVisible(chromedp.CSS("#scores"))); err != nil {
		fail("open the tokens page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#scores a[href$="`+servetest.PepeKey+`"]`)), chromedp.WaitVisible(chromedp.CSS("#price-chart svg"))); err != nil {
		fail("open PEPE from the leaderboard: %v", err)
	}
	type chartInfo struct {
		Width, Height     float64
		LineLen           float64
		Markers, Bars     int
		Components        []string
		Integrated, Title string
	}
	info, err := chromedp.Run(ctx, chromedp.Evaluate[chartInfo](`(() => {
		const svg = document.querySelector('#price-chart svg'), box = svg.getBoundingClientRect();
		return {
			Width: box.width, Height: box.height,
			LineLen: svg.querySelector('path.line').getTotalLength(),
			Markers: svg.querySelectorAll('g.anomaly circle').length,
			Bars: document.querySelectorAll('#sentiment-chart svg rect.bar').length,
			Components: [...document.querySelectorAll('#breakdown tbody tr')].map(r => r.dataset.component),
			Integrated: document.querySelector('#integrated strong').textContent,
			Title: document.title,
		};
	})()`))
	if err != nil {
		fail("read the token page: %v", err)
	}
	if info.Width < 700 || info.Height < 200 || info.LineLen < 700 || info.Markers != 2 || info.Bars != 167 ||
		strings.Join(info.Components, ",") != "sentiment,momentum,anomaly,risk" || info.Integrated != "41.5" || !strings.HasPrefix(info.Title, "PEPE") {
		fail("token page: %+v", info)
	}
}
