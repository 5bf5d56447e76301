package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"memepipe/internal/servetest"
	"memepipe/pipeline"
	"memepipe/runview"
	"memepipe/server"
	"memepipe/store"
)

type fixture struct {
	env *servetest.Env
	srv *httptest.Server
	tok string
}

func newFixture(t *testing.T, o servetest.Options, token string) *fixture {
	t.Helper()
	env := servetest.New(t, o)
	s, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Metrics: env.Metrics, Token: token,
		Addr: "127.0.0.1:0", Logger: env.Logger,
		UI: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ui page") })})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &fixture{env: env, srv: srv, tok: token}
}

// do sends a request and returns the status and body.
func (f *fixture) do(t *testing.T, method, path, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if f.tok != "" {
		req.Header.Set("Authorization", "Bearer "+f.tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (f *fixture) json(t *testing.T, method, path, body string, want int, v any) {
	t.Helper()
	code, got, hdr := f.do(t, method, path, body)
	if code != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, code, got, want)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: content type %q", method, path, ct)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(got), v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
}

// expectError checks a JSON error answer.
func (f *fixture) expectError(t *testing.T, method, path, body string, want int, msg string) {
	t.Helper()
	var e struct{ Error string }
	f.json(t, method, path, body, want, &e)
	if !strings.Contains(e.Error, msg) {
		t.Errorf("%s %s: error %q, want it to contain %q", method, path, e.Error, msg)
	}
}

func TestPipelines(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	var ps []map[string]any
	f.json(t, "GET", "/api/v1/pipelines", "", 200, &ps)
	if len(ps) != 2 || ps[0]["name"] != "memes" || ps[1]["name"] != "daily" {
		t.Fatalf("pipelines %v", ps)
	}
	m := ps[0]
	if m["schedule"] != "@hourly" || m["timezone"] != "UTC" || m["paused"] != false || m["last_run"] != nil || m["max_active_runs"] != 2.0 {
		t.Errorf("memes = %v", m)
	}
	next, err := time.Parse(time.RFC3339, m["next_run"].(string))
	if err != nil || next.Minute() != 0 || next.Before(time.Now()) || next.After(time.Now().Add(time.Hour)) {
		t.Errorf("next_run %v: %v", m["next_run"], err)
	}
	if d := ps[1]; d["schedule"] != "" || d["interval"] != "24h0m0s" || d["next_run"] != nil {
		t.Errorf("daily = %v", d)
	}
	var one map[string]any
	f.json(t, "GET", "/api/v1/pipelines/daily", "", 200, &one)
	if one["name"] != "daily" || len(one["tasks"].([]any)) != 1 {
		t.Errorf("daily = %v", one)
	}
	f.expectError(t, "GET", "/api/v1/pipelines/nope", "", 404, `unknown pipeline "nope"`)
}

func TestTriggerRunAndLogs(t *testing.T) {
	f := newFixture(t, servetest.Options{FailTask: "score"}, "")
	var tr server.TriggerResponse
	f.json(t, "POST", "/api/v1/pipelines/memes/trigger", "", 202, &tr)
	if tr.ID == "" || !tr.Created || tr.Trigger != "manual" || tr.IntervalEnd.Sub(tr.IntervalStart) != time.Hour || tr.URL != "/api/v1/runs/"+tr.ID {
		t.Fatalf("trigger = %+v", tr)
	}
	f.env.WaitRun(t, tr.ID)

	var run runview.Run
	f.json(t, "GET", "/api/v1/runs/"+tr.ID, "", 200, &run)
	if run.State != pipeline.Failed || run.Pipeline != "memes" || len(run.Tasks) != 4 || run.Trigger != "manual" {
		t.Fatalf("run = %+v", run)
	}
	if cs := run.Tasks[0]; cs.Name != "collect_social" || cs.State != pipeline.Success || cs.RecordsOut != 120 || cs.Attempts != 1 || cs.StartedAt == nil || cs.EndedAt == nil || cs.DurationMS == nil {
		t.Errorf("collect_social = %+v", cs)
	}
	if sc := run.Tasks[3]; sc.State != pipeline.Failed || !strings.Contains(sc.Error, "401 Unauthorized") {
		t.Errorf("score = %+v", sc)
	}

	var runs []runview.Run
	f.json(t, "GET", "/api/v1/runs?pipeline=memes", "", 200, &runs)
	if len(runs) != 1 || runs[0].ID != tr.ID || len(runs[0].Tasks) != 4 {
		t.Fatalf("runs = %+v", runs)
	}
	f.json(t, "GET", "/api/v1/runs?pipeline=memes&state=success", "", 200, &runs)
	if len(runs) != 0 {
		t.Errorf("state=success lists %d runs", len(runs))
	}

	code, log, hdr := f.do(t, "GET", "/api/v1/runs/"+tr.ID+"/tasks/score/logs", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || !strings.Contains(log, "score: upstream said 401 Unauthorized") {
		t.Errorf("score log = %d %q", code, log)
	}
	code, log, _ = f.do(t, "GET", "/api/v1/runs/"+tr.ID+"/tasks/clean/logs?attempt=1", "")
	if code != 200 || !strings.Contains(log, "clean: wrote 160 records") {
		t.Errorf("clean log attempt 1 = %d %q", code, log)
	}
	f.expectError(t, "GET", "/api/v1/runs/"+tr.ID+"/tasks/clean/logs?attempt=2", "", 404, "not found")
	f.expectError(t, "GET", "/api/v1/runs/"+tr.ID+"/tasks/clean/logs?attempt=x", "", 400, `attempt: "x"`)
	f.expectError(t, "GET", "/api/v1/runs/"+tr.ID+"/tasks/clean/logs?tail=1", "", 400, `unknown query parameter "tail"`)
	f.expectError(t, "GET", "/api/v1/runs/"+tr.ID+"/tasks/nope/logs", "", 404, "not found")
	f.expectError(t, "GET", "/api/v1/runs/r_nosuchrun/tasks/clean/logs", "", 404, "not found")
	f.expectError(t, "GET", "/api/v1/runs/r_nosuchrun", "", 404, "not found")

	// Triggering the ended interval again resumes the same run.
	f.json(t, "POST", "/api/v1/pipelines/memes/trigger", `{"rerun": true}`, 202, &tr)
	if tr.Created || tr.ID != run.ID {
		t.Errorf("second trigger = %+v", tr)
	}
	f.env.WaitRun(t, tr.ID)
}

func TestTriggerBadInput(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	for _, tc := range []struct {
		path, body string
		code       int
		msg        string
	}{
		{"/api/v1/pipelines/nope/trigger", "", 404, `unknown pipeline "nope"`},
		{"/api/v1/pipelines/memes/trigger", `{"start": "2026-11-01T00:00:00Z"`, 400, "malformed JSON body"},
		{"/api/v1/pipelines/memes/trigger", `{"begin": "2026-11-01T00:00:00Z"}`, 400, `unknown field "begin"`},
		{"/api/v1/pipelines/memes/trigger", `{"start": "yesterday", "end": "today"}`, 400, "malformed JSON body"},
		{"/api/v1/pipelines/memes/trigger", `{"start": "2026-11-01T00:00:00Z"}`, 400, "give both start and end"},
		{"/api/v1/pipelines/memes/trigger", `{"start": "2026-11-02T00:00:00Z", "end": "2026-11-01T00:00:00Z"}`, 400, "is not after start"},
		{"/api/v1/pipelines/memes/trigger", `{} {}`, 400, "data after the object"},
		{"/api/v1/pipelines/memes/trigger", `{"rerun": true, "x": "` + strings.Repeat("a", server.MaxBody) + `"}`, 413, "request body over 1048576 bytes"},
		{"/api/v1/pipelines/memes/backfill", "", 400, "backfill needs a JSON body"},
		{"/api/v1/pipelines/memes/backfill", `{"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}`, 400, "is not after from"},
		{"/api/v1/pipelines/memes/backfill", `{"from": "2026-11-02T00:00:00Z", "to": "2999-11-01T00:00:00Z"}`, 400, "in the future"},
		{"/api/v1/pipelines/nope/backfill", `{"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}`, 404, `unknown pipeline "nope"`},
		{"/api/v1/pipelines/nope/pause", "", 404, `unknown pipeline "nope"`},
		{"/api/v1/pipelines/nope/unpause", "", 404, `unknown pipeline "nope"`},
	} {
		f.expectError(t, "POST", tc.path, tc.body, tc.code, tc.msg)
	}
	code, body, _ := f.do(t, "POST", "/api/v1/pipelines/memes/trigger", "start=x", "Content-Type", "application/x-www-form-urlencoded")
	if code != 400 || !strings.Contains(body, "must be JSON") {
		t.Errorf("form body: %d %s", code, body)
	}
	// Nothing was changed by any of it.
	if n, _ := f.env.Store.CountRuns(context.Background(), storeFilterAll()); n != 0 {
		t.Errorf("%d runs after bad requests", n)
	}
	var tr server.TriggerResponse
	f.json(t, "POST", "/api/v1/pipelines/daily/trigger", `{"start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}`, 202, &tr)
	if !tr.IntervalStart.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || tr.Pipeline != "daily" {
		t.Errorf("explicit trigger = %+v", tr)
	}
	f.env.WaitRun(t, tr.ID)
}

func TestTriggerWhileActive(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	// A queued run of the latest interval, owned by a live peer.
	p, _ := f.env.Scheduler.Pipeline("memes")
	iv := p.LatestInterval(time.Now())
	if _, _, err := f.env.Store.CreateRun(context.Background(), pipeline.Run{Pipeline: "memes", Interval: iv, Owner: "peer:1"}); err != nil {
		t.Fatal(err)
	}
	f.expectError(t, "POST", "/api/v1/pipelines/memes/trigger", "", 409, "is queued")
}

func TestBackfillAndPause(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	var b map[string]any
	f.json(t, "POST", "/api/v1/pipelines/daily/backfill", `{"from": "2026-11-01T00:00:00Z", "to": "2026-11-04T00:00:00Z"}`, 202, &b)
	if b["slots"] != 3.0 || b["created"] != 3.0 || b["pipeline"] != "daily" {
		t.Errorf("backfill = %v", b)
	}
	var runs []runview.Run
	f.json(t, "GET", "/api/v1/runs?pipeline=daily&trigger=backfill&state=queued,running,success", "", 200, &runs)
	if len(runs) != 3 || runs[0].Trigger != "backfill" || !runs[2].IntervalStart.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("backfill runs %+v", runs)
	}
	var st map[string]any
	f.json(t, "POST", "/api/v1/pipelines/memes/pause", "", 200, &st)
	if st["paused"] != true || st["next_run"] != nil {
		t.Errorf("paused = %v", st)
	}
	f.json(t, "POST", "/api/v1/pipelines/memes/unpause", "", 200, &st)
	if st["paused"] != false || st["next_run"] == nil {
		t.Errorf("unpaused = %v", st)
	}
}

func TestRunsListing(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	end := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	servetest.SeedRuns(t, f.env.Store, 9, end)
	var page1, page2, page3 []runview.Run
	f.json(t, "GET", "/api/v1/runs?pipeline=memes&limit=4", "", 200, &page1)
	f.json(t, "GET", "/api/v1/runs?pipeline=memes&limit=4&before="+page1[3].ID, "", 200, &page2)
	f.json(t, "GET", "/api/v1/runs?pipeline=memes&limit=4&before="+page2[3].ID, "", 200, &page3)
	if len(page1) != 4 || len(page2) != 4 || len(page3) != 1 {
		t.Fatalf("pages of %d, %d, %d", len(page1), len(page2), len(page3))
	}
	if !page1[0].IntervalEnd.Equal(end) || !page3[0].IntervalStart.Equal(end.Add(-9*time.Hour)) {
		t.Errorf("first %s, last %s", page1[0].IntervalEnd, page3[0].IntervalStart)
	}
	if len(page1[0].Tasks) != 4 || page1[0].Tasks[0].Name != "collect_social" {
		t.Errorf("tasks of a listed run: %+v", page1[0].Tasks)
	}
	var failed []runview.Run
	f.json(t, "GET", "/api/v1/runs?state=failed", "", 200, &failed)
	if len(failed) != 1 || failed[0].Tasks[2].State != pipeline.Failed || failed[0].Tasks[3].State != pipeline.UpstreamFailed {
		t.Errorf("failed runs %+v", failed)
	}
	for _, tc := range []struct{ q, msg string }{
		{"limit=0", `limit: "0"`}, {"limit=501", `limit: "501"`}, {"limit=ten", `limit: "ten"`},
		{"state=bogus", `unknown state "bogus"`}, {"trigger=cron", `unknown trigger "cron"`},
		{"pipelines=memes", `unknown query parameter "pipelines"`}, {"before=r_nosuchrun", `no run "r_nosuchrun"`},
	} {
		f.expectError(t, "GET", "/api/v1/runs?"+tc.q, "", 400, tc.msg)
	}
	f.expectError(t, "GET", "/api/v1/runs?pipeline=nope", "", 404, `unknown pipeline "nope"`)
	f.expectError(t, "GET", "/api/v1/nothing", "", 404, "no API endpoint GET /api/v1/nothing")
}

func TestDataEndpoints(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	var d server.Datasets
	f.json(t, "GET", "/api/v1/datasets", "", 200, &d)
	if len(d.Tables) < 10 || d.Tasks == nil || len(d.Tasks) != 0 {
		t.Errorf("datasets on an empty store = %+v", d)
	}
	for _, tb := range d.Tables {
		if tb.Rows != 0 || tb.Latest != nil {
			t.Errorf("table %+v", tb)
		}
	}
	servetest.SeedRuns(t, f.env.Store, 3, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	f.json(t, "GET", "/api/v1/datasets", "", 200, &d)
	if len(d.Tasks) != 4 || d.Tasks[0].Pipeline != "memes" || d.Tasks[0].Task != "clean" {
		t.Errorf("task freshness = %+v", d.Tasks)
	}
	f.expectError(t, "GET", "/api/v1/datasets?x=1", "", 400, `unknown query parameter "x"`)
	for _, p := range []string{"/api/v1/scores", "/api/v1/anomalies", "/api/v1/flags"} {
		code, body, _ := f.do(t, "GET", p, "")
		if code != 200 || strings.TrimSpace(body) != "[]" {
			t.Errorf("%s = %d %s, want []", p, code, body)
		}
	}
	f.expectError(t, "GET", "/api/v1/scores?at=yesterday", "", 400, `at: "yesterday"`)
	f.expectError(t, "GET", "/api/v1/anomalies?limit=0", "", 400, `limit: "0"`)
}

func TestHealthReadyMetrics(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	var h map[string]string
	f.json(t, "GET", "/healthz", "", 200, &h)
	// The scheduler loop is not running in this fixture: not ready.
	f.json(t, "GET", "/readyz", "", 503, &h)
	if h["scheduler"] != "not ready" || h["store"] != "ok" {
		t.Errorf("readyz = %v", h)
	}
	live := newFixture(t, servetest.Options{Run: true}, "")
	live.json(t, "GET", "/readyz", "", 200, &h)
	if h["status"] != "ready" {
		t.Errorf("readyz = %v", h)
	}
	// The loop's first tick started memes' latest slot (a new pipeline).
	var runs []runview.Run
	for len(runs) == 0 {
		live.json(t, "GET", "/api/v1/runs?pipeline=memes", "", 200, &runs)
	}
	live.env.WaitRun(t, runs[0].ID)
	code, body, hdr := live.do(t, "GET", "/metrics", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics %d %s", code, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`memepipe_task_attempts_total{pipeline="memes",state="success",task="clean"} 1`,
		`memepipe_runs_total{pipeline="memes",state="success"} 1`,
		`memepipe_records_total{direction="out",pipeline="memes",task="collect_social"} 120`,
		`memepipe_dataset_last_success_timestamp_seconds{dataset="memes.score"}`,
		`memepipe_handoff_seconds_count`,
		`memepipe_schedule_lag_seconds_count{pipeline="memes"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The database goes away: readyz says so.
	live.env.Store.Close()
	live.json(t, "GET", "/readyz", "", 503, &h)
	if h["store"] != "unreachable" {
		t.Errorf("readyz with the store closed = %v", h)
	}
}

func TestAuth(t *testing.T) {
	env := servetest.New(t, servetest.Options{})
	if _, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Addr: "0.0.0.0:8080"}); err == nil || !strings.Contains(err.Error(), "refusing to serve on 0.0.0.0:8080 without an API token") {
		t.Errorf("non-loopback without a token: %v", err)
	}
	if _, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Addr: ":8080"}); err == nil {
		t.Errorf("all interfaces without a token: no error")
	}
	if _, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Addr: "nonsense"}); err == nil || !strings.Contains(err.Error(), `listen address "nonsense"`) {
		t.Errorf("bad address: %v", err)
	}
	const token = "s3cret-token-value"
	s, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Metrics: env.Metrics, Addr: "0.0.0.0:8080", Token: token, Logger: env.Logger,
		UI: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ui page") })})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	f := &fixture{env: env, srv: srv}

	code, body, hdr := f.do(t, "GET", "/api/v1/pipelines", "")
	if code != 401 || hdr.Get("WWW-Authenticate") == "" || !strings.Contains(body, "missing or wrong API token") {
		t.Errorf("no token: %d %s", code, body)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/pipelines", "", "Authorization", "Bearer wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/pipelines", "", "Authorization", "Basic "+token); code != 401 {
		t.Errorf("basic scheme: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "/metrics", ""); code != 401 {
		t.Errorf("metrics without a token: %d", code)
	}
	if code, _, _ := f.do(t, "POST", "/api/v1/pipelines/memes/pause", ""); code != 401 {
		t.Errorf("pause without a token: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/pipelines", "", "Authorization", "Bearer "+token); code != 200 {
		t.Errorf("right token: %d", code)
	}
	for _, p := range []string{"/healthz", "/readyz", "/login"} {
		if code, body, _ := f.do(t, "GET", p, ""); code == 401 || strings.Contains(body, "missing or wrong API token") {
			t.Errorf("%s needs a token: %d", p, code)
		}
	}
	// The UI sends browsers to the login form, which sets a session cookie
	// derived from (not equal to) the token.
	code, _, hdr = f.do(t, "GET", "/runs?x=1", "")
	if code != 303 || hdr.Get("Location") != "/login?next=%2Fruns%3Fx%3D1" {
		t.Errorf("UI without a session: %d %s", code, hdr.Get("Location"))
	}
	code, _, _ = f.do(t, "POST", "/login", "token=wrong&next=/", "Content-Type", "application/x-www-form-urlencoded")
	if code != 401 {
		t.Errorf("login with a wrong token: %d", code)
	}
	code, _, hdr = f.do(t, "POST", "/login", "token="+token+"&next=//evil.example/", "Content-Type", "application/x-www-form-urlencoded")
	cookie := hdr.Get("Set-Cookie")
	if code != 303 || hdr.Get("Location") != "/" || !strings.Contains(cookie, "memepipe_session=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("login: %d %s %s", code, hdr.Get("Location"), cookie)
	}
	if strings.Contains(cookie, token) {
		t.Errorf("the session cookie holds the token: %s", cookie)
	}
	session := strings.Split(cookie, ";")[0]
	if code, body, _ := f.do(t, "GET", "/runs", "", "Cookie", session); code != 200 || body != "ui page" {
		t.Errorf("UI with the session: %d %s", code, body)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/pipelines", "", "Cookie", "memepipe_session=forged"); code != 401 {
		t.Errorf("forged session: %d", code)
	}
}

func TestCSRFAndHosts(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	code, body, _ := f.do(t, "POST", "/api/v1/pipelines/memes/pause", "", "Sec-Fetch-Site", "cross-site")
	if code != 403 || !strings.Contains(body, "cross-origin request refused") {
		t.Errorf("cross-site POST: %d %s", code, body)
	}
	if code, _, _ := f.do(t, "POST", "/api/v1/pipelines/memes/pause", "", "Origin", "https://evil.example"); code != 403 {
		t.Errorf("cross-origin POST: %d", code)
	}
	if rec, _ := f.env.Store.GetSchedule(context.Background(), "memes"); rec.Paused {
		t.Fatal("a refused request paused the pipeline")
	}
	if code, _, _ := f.do(t, "POST", "/api/v1/pipelines/memes/pause", "", "Sec-Fetch-Site", "same-origin"); code != 200 {
		t.Errorf("same-origin POST: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/pipelines", "", "Sec-Fetch-Site", "cross-site"); code != 200 {
		t.Errorf("cross-site GET: %d", code)
	}
	// DNS rebinding: a foreign name pointing at loopback.
	code, body, _ = f.do(t, "GET", "/api/v1/pipelines", "", "Host", "evil.example:8080")
	if code != 403 || !strings.Contains(body, "host evil.example:8080 refused") {
		t.Errorf("foreign Host: %d %s", code, body)
	}
	for _, h := range []string{"localhost:8080", "127.0.0.1", "[::1]:8080"} {
		if code, _, _ := f.do(t, "GET", "/healthz", "", "Host", h); code != 200 {
			t.Errorf("Host %s: %d", h, code)
		}
	}
}

func TestChecksEndpoint(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	var rows []store.CheckResult
	f.json(t, "GET", "/api/v1/checks", "", 200, &rows)
	if rows == nil || len(rows) != 0 {
		t.Errorf("checks of an empty store = %v, want []", rows)
	}
	servetest.SeedRuns(t, f.env.Store, 3, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	runs, err := f.env.Store.ListRuns(context.Background(), store.RunFilter{Pipeline: "memes", OldestFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	servetest.SeedChecks(t, f.env.Store, runs, 2)

	// Default: each task's latest results, failing first.
	f.json(t, "GET", "/api/v1/checks", "", 200, &rows)
	if len(rows) != 12 || rows[0].Check != "keys_unique" || rows[0].Dataset != "tweets" || rows[0].Passed ||
		rows[0].Observed == nil || *rows[0].Observed != 3 || rows[0].RunID != runs[2].ID ||
		rows[1].Check != "freshness" || rows[1].Severity != "warn" || !rows[2].Passed {
		t.Fatalf("latest checks = %+v", rows)
	}
	for _, c := range []struct {
		query string
		n     int
	}{
		{"?failing=true", 2},
		{"?failing=false", 12},
		{"?pipeline=memes&failing=1", 2},
		{"?run=" + runs[0].ID, 12},
		{"?run=" + runs[0].ID + "&failing=true", 1},
		{"?latest=false", 36},
		{"?latest=false&failing=true", 4},
		{"?latest=false&limit=5", 5},
		{"?dataset=transfers", 4},
		{"?task=clean&dataset=tweets&failing=true", 1},
		{"?pipeline=daily", 0},
	} {
		f.json(t, "GET", "/api/v1/checks"+c.query, "", 200, &rows)
		if len(rows) != c.n {
			t.Errorf("checks%s: %d rows, want %d", c.query, len(rows), c.n)
		}
	}
	f.json(t, "GET", "/api/v1/checks?run="+runs[0].ID+"&failing=true", "", 200, &rows)
	if rows[0].Dataset != "price_bars" || rows[0].Check != "freshness" || rows[0].Interval != runs[0].Interval {
		t.Errorf("the oldest run's failing check = %+v", rows[0])
	}

	for _, c := range []struct {
		query string
		code  int
		msg   string
	}{
		{"?failing=maybe", 400, `failing: "maybe" is not true or false`},
		{"?latest=sometimes", 400, `latest: "sometimes"`},
		{"?limit=0", 400, `limit: "0" is not a number from 1 to 5000`},
		{"?limit=lots", 400, `limit: "lots"`},
		{"?state=failed", 400, `unknown query parameter "state"`},
		{"?pipeline=nope", 404, `unknown pipeline "nope"`},
		{"?run=r_nosuchrun", 404, "r_nosuchrun"},
	} {
		f.expectError(t, "GET", "/api/v1/checks"+c.query, "", c.code, c.msg)
	}

	// The datasets answer carries the latest checks and counts per table.
	var d server.Datasets
	f.json(t, "GET", "/api/v1/datasets", "", 200, &d)
	if len(d.Checks) != 12 || d.Checks[0].Check != "keys_unique" {
		t.Errorf("datasets checks = %+v", d.Checks)
	}
	for _, tb := range d.Tables {
		want := map[string][2]int{"tweets": {4, 1}, "price_bars": {4, 1}, "transfers": {4, 0}}[tb.Table]
		if tb.Checks != want[0] || tb.ChecksFailing != want[1] {
			t.Errorf("table %s: %d checks, %d failing; want %v", tb.Table, tb.Checks, tb.ChecksFailing, want)
		}
	}
}

func TestTokenEndpoint(t *testing.T) {
	f := newFixture(t, servetest.Options{}, "")
	servetest.SeedTokens(t, f.env.Store, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	var v struct {
		Token, Symbol string
		Score         struct {
			IntegratedScore float64 `json:"integrated_score"`
		}
		Flags     []struct{ Flag string }
		Anomalies []struct{ Kind string }
		Price     []struct {
			T         time.Time
			V, Lo, Hi float64
		}
		PriceSource string `json:"price_source"`
		Sentiment   []struct{ Volume int }
		Scores      []struct{ V float64 }
	}
	// Two days back from the newest score (12:00:01 on the 26th on): the
	// pump at 12:00 is just outside, the volume spike ten minutes later in.
	f.json(t, "GET", "/api/v1/tokens/"+servetest.PepeKey+"?days=2", "", 200, &v)
	if v.Symbol != "PEPE" || v.Score.IntegratedScore != 41.5 || len(v.Flags) != 2 || len(v.Anomalies) != 1 || v.Anomalies[0].Kind != "volume_spike" ||
		len(v.Price) != 47 || v.PriceSource != "price bars (1h), close" || len(v.Sentiment) != 47 || len(v.Scores) != 48 {
		t.Errorf("token view: %s %+v flags %d anomalies %d price %d sentiment %d scores %d", v.Symbol, v.Score, len(v.Flags),
			len(v.Anomalies), len(v.Price), len(v.Sentiment), len(v.Scores))
	}
	f.expectError(t, "GET", "/api/v1/tokens/"+servetest.PepeKey+"?days=100", "", 400, `days: "100" is not a number from 1 to 90`)
	f.expectError(t, "GET", "/api/v1/tokens/"+servetest.PepeKey+"?window=7d", "", 400, `unknown query parameter "window"`)
	f.expectError(t, "GET", "/api/v1/tokens/ethereum:0xnope", "", 404, `token "ethereum:0xnope": not found`)
}

// memepipe's own requests are counted by route pattern and status; the
// raw path (run ids, token addresses) never becomes a label.
func TestHTTPRequestMetrics(t *testing.T) {
	env := servetest.New(t, servetest.Options{})
	ui := http.NewServeMux()
	ui.HandleFunc("GET /tokens/{token}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "token page") })
	ui.HandleFunc("/", http.NotFound)
	s, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Metrics: env.Metrics, Addr: "127.0.0.1:0", Logger: env.Logger, UI: ui})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	f := &fixture{env: env, srv: srv}
	servetest.SeedRuns(t, env.Store, 2, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	runs, err := env.Store.ListRuns(context.Background(), store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		f.json(t, "GET", "/api/v1/runs/"+r.ID, "", 200, nil)
	}
	f.json(t, "GET", "/api/v1/runs/r_nosuchrun", "", 404, nil)
	f.json(t, "GET", "/api/v1/checks?failing=maybe", "", 400, nil)
	f.json(t, "GET", "/api/v2/whatever", "", 404, nil)
	if code, _, _ := f.do(t, "GET", "/tokens/ethereum:0x6982508145454Ce325dDbE47a25d4ec3d2311933", ""); code != 200 {
		t.Fatalf("UI page: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "/healthz", "", "Host", "evil.example"); code != 403 {
		t.Fatalf("foreign host: %d", code)
	}
	_, body, _ := f.do(t, "GET", "/metrics", "")
	for _, want := range []string{
		`memepipe_http_requests_total{route="GET /api/v1/runs/{id}",status="200"} 2`,
		`memepipe_http_requests_total{route="GET /api/v1/runs/{id}",status="404"} 1`,
		`memepipe_http_requests_total{route="GET /api/v1/checks",status="400"} 1`,
		`memepipe_http_requests_total{route="/api/",status="404"} 1`,
		`memepipe_http_requests_total{route="GET /tokens/{token}",status="200"} 1`, // the UI's own pattern
		`memepipe_http_requests_total{route="unrouted",status="403"} 1`,
		`memepipe_http_request_duration_seconds_count{route="GET /api/v1/runs/{id}"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, runs[0].ID) || strings.Contains(body, "0x6982508145454Ce325dDbE47a25d4ec3d2311933") {
		t.Error("a raw path became a label")
	}
}
