package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a loopback HTTP server that keeps every request it gets.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
	// status answers requests in turn; past its end, 200.
	status []int
}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

func newRecorder(t *testing.T, status ...int) *recorder {
	r := &recorder{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
		b, _ := io.ReadAll(q.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{q.Method, q.URL.Path, q.URL.RawQuery, q.Header.Clone(), b})
		code := 200
		if n := len(r.reqs); n <= len(r.status) {
			code = r.status[n-1]
		}
		r.mu.Unlock()
		w.WriteHeader(code)
		io.WriteString(w, `{"status":"ok"}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func sampleAlert() Alert {
	return Alert{
		Rule: RuleTaskFailed, Status: Firing, Severity: SeverityError,
		Key: "collect/etherscan/task_failed", Pipeline: "collect", Task: "etherscan",
		RunID: "r_123", Attempt: 3, State: "failed", Error: "HTTP 502 from etherscan.tokentx",
		IntervalStart: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC), IntervalEnd: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC),
		Summary: "Task etherscan of pipeline collect ended failed after 3 attempt(s).",
		URL:     "http://ui.local/runs/r_123", At: time.Date(2026, 11, 28, 18, 5, 0, 0, time.UTC),
	}
}

func TestWebhookSignsBody(t *testing.T) {
	rec := newRecorder(t)
	w := NewWebhook("ops", rec.srv.URL+"/hook", "s3cret-shared", newPoster(time.Second))
	if err := w.Notify(context.Background(), sampleAlert()); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/hook" {
		t.Errorf("got %s %s, want POST /hook", r.Method, r.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	sig := r.Header.Get(SignatureHeader)
	if !strings.HasPrefix(sig, "sha256=") || !VerifySignature("s3cret-shared", r.Body, sig) {
		t.Errorf("signature %q does not verify", sig)
	}
	if VerifySignature("other", r.Body, sig) {
		t.Error("signature verifies with the wrong secret")
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"rule": "task_failed", "pipeline": "collect", "task": "etherscan", "run_id": "r_123", "state": "failed", "error": "HTTP 502 from etherscan.tokentx", "status": "firing"} {
		if body[k] != want {
			t.Errorf("body[%q] = %v, want %v", k, body[k], want)
		}
	}
}

func TestSlackMessage(t *testing.T) {
	rec := newRecorder(t)
	s := NewSlack("team", rec.srv.URL+"/services/T0/B0/XYZ", newPoster(time.Second))
	if err := s.Notify(context.Background(), sampleAlert()); err != nil {
		t.Fatal(err)
	}
	r := rec.all()[0]
	if r.Path != "/services/T0/B0/XYZ" {
		t.Errorf("path %q", r.Path)
	}
	var m slackMessage
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Text != "[FIRING] task_failed: collect/etherscan" {
		t.Errorf("text %q", m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Color != "#d62728" || len(m.Attachments[0].Blocks) != 2 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	detail := m.Attachments[0].Blocks[1].Text.Text
	for _, want := range []string{"r_123", "attempt 3", "<http://ui.local/runs/r_123|Open the run>", "HTTP 502"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q lacks %q", detail, want)
		}
	}
}

func TestPagerDutyTriggerAndResolve(t *testing.T) {
	rec := newRecorder(t)
	p := NewPagerDuty("pd", rec.srv.URL+"/v2/enqueue", "R0UT1NGKEY", newPoster(time.Second))
	a := sampleAlert()
	if err := p.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	a.Status = Resolved
	if err := p.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	var trig, res pdEvent
	json.Unmarshal(reqs[0].Body, &trig)
	json.Unmarshal(reqs[1].Body, &res)
	if reqs[0].Path != "/v2/enqueue" || trig.EventAction != "trigger" || trig.RoutingKey != "R0UT1NGKEY" || trig.DedupKey != a.Key {
		t.Errorf("trigger %+v at %s", trig, reqs[0].Path)
	}
	if trig.Payload == nil || trig.Payload.Severity != "error" || trig.Payload.Source != "memepipe/collect" || trig.Payload.Timestamp != "2026-11-28T18:05:00Z" {
		t.Errorf("payload %+v", trig.Payload)
	}
	if res.EventAction != "resolve" || res.DedupKey != trig.DedupKey || res.Payload != nil {
		t.Errorf("resolve %+v", res)
	}
}

func TestOpsgenieCreateAndClose(t *testing.T) {
	rec := newRecorder(t)
	o := NewOpsgenie("og", rec.srv.URL, "GK-123", newPoster(time.Second))
	a := sampleAlert()
	if err := o.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	a.Status = Resolved
	if err := o.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if reqs[0].Path != "/v2/alerts" || reqs[0].Header.Get("Authorization") != "GenieKey GK-123" {
		t.Errorf("create at %s with auth %q", reqs[0].Path, reqs[0].Header.Get("Authorization"))
	}
	var c ogCreate
	json.Unmarshal(reqs[0].Body, &c)
	if c.Alias != a.Key || c.Priority != "P2" || c.Message != "[FIRING] task_failed: collect/etherscan" || c.Details["run_id"] != "r_123" {
		t.Errorf("create body %+v", c)
	}
	if reqs[1].Path != "/v2/alerts/collect/etherscan/task_failed/close" && reqs[1].Path != "/v2/alerts/collect%2Fetherscan%2Ftask_failed/close" {
		t.Errorf("close path %q", reqs[1].Path)
	}
	if reqs[1].Query != "identifierType=alias" {
		t.Errorf("close query %q", reqs[1].Query)
	}
}

func TestPostClassifiesStatus(t *testing.T) {
	for _, tc := range []struct {
		code      int
		permanent bool
	}{{400, true}, {401, true}, {404, true}, {429, false}, {500, false}, {503, false}} {
		rec := newRecorder(t, tc.code)
		err := newPoster(time.Second).postJSON(context.Background(), rec.srv.URL+"/secret-path-token", map[string]int{"a": 1}, nil)
		if err == nil {
			t.Fatalf("%d: no error", tc.code)
		}
		if IsPermanent(err) != tc.permanent {
			t.Errorf("%d: permanent=%v, want %v", tc.code, IsPermanent(err), tc.permanent)
		}
		if strings.Contains(err.Error(), "secret-path-token") {
			t.Errorf("%d: error leaks the URL: %v", tc.code, err)
		}
	}
	// A refused connection: the error must not carry the URL either.
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/T0/B0/xoxb-secret"
	srv.Close()
	err := newPoster(time.Second).postJSON(context.Background(), u, 1, nil)
	if err == nil || strings.Contains(err.Error(), "xoxb-secret") || IsPermanent(err) {
		t.Errorf("refused connection: %v (permanent=%v)", err, IsPermanent(err))
	}
}
