package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/raw"
)

var t0 = time.Date(2025, 2, 16, 12, 0, 0, 0, time.UTC)

// step is one scripted answer.
type step struct {
	status int
	header map[string]string
	body   string
	// truncate declares a Content-Length larger than the body sent.
	truncate bool
}

// script serves steps in order (the last one repeats) and records when each
// request arrived on the fake clock.
type script struct {
	mu    sync.Mutex
	steps []step
	n     int
	clock *FakeClock
	times []time.Time
	urls  []string
	heads []http.Header
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := s.steps[min(s.n, len(s.steps)-1)]
	s.n++
	if s.clock != nil {
		s.times = append(s.times, s.clock.Now())
	}
	s.urls = append(s.urls, r.URL.String())
	s.heads = append(s.heads, r.Header.Clone())
	s.mu.Unlock()
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	if st.truncate {
		w.Header().Set("Content-Length", strconv.Itoa(len(st.body)+100))
	}
	if st.status == 0 {
		st.status = 200
	}
	w.WriteHeader(st.status)
	io.WriteString(w, st.body)
}

func (s *script) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

type recMetrics struct {
	mu       sync.Mutex
	requests []string
	waits    []time.Duration
	retries  []string
}

func (m *recMetrics) Request(source string, status int, outcome string, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, fmt.Sprintf("%s %d %s", source, status, outcome))
}
func (m *recMetrics) RateLimitWait(_ string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.waits = append(m.waits, d)
}
func (m *recMetrics) Retry(source, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retries = append(m.retries, source+" "+reason)
}

type env struct {
	srv     *httptest.Server
	s       *script
	clock   *FakeClock
	client  *Client
	logs    *bytes.Buffer
	metrics *recMetrics
}

const canary = "CANARY-5b1f0c9e-not-a-real-key"

func newEnv(t *testing.T, cfg Config, steps ...step) *env {
	t.Helper()
	clock := NewFakeClock(t0)
	s := &script{steps: steps, clock: clock}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	logs := &bytes.Buffer{}
	m := &recMetrics{}
	if cfg.Name == "" {
		cfg.Name = "test"
	}
	c := New(cfg, WithClock(clock), WithHTTPClient(srv.Client()), WithRand(func() float64 { return 0 }),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithMetrics(m), WithSecrets(canary))
	return &env{srv: srv, s: s, clock: clock, client: c, logs: logs, metrics: m}
}

func (e *env) get(ctx context.Context, req Request) (*Response, error) {
	if req.URL == "" {
		req.URL = e.srv.URL + "/api?module=account&apikey=" + canary
	}
	return e.client.Do(ctx, req)
}

func assertNoCanary(t *testing.T, what string, s string) {
	t.Helper()
	if strings.Contains(s, canary) || strings.Contains(s, "5b1f0c9e") {
		t.Fatalf("%s leaks the secret: %s", what, s)
	}
}

func TestRetryTransientThenSuccess(t *testing.T) {
	cases := []struct {
		name      string
		steps     []step
		wantSleep []time.Duration
		wantRetry string
	}{
		{"5xx twice", []step{{status: 503, body: "busy"}, {status: 502}, {body: `{"ok":1}`}},
			[]time.Duration{time.Second, 2 * time.Second}, "test 503"},
		{"429 Retry-After seconds", []step{{status: 429, header: map[string]string{"Retry-After": "7"}}, {body: "ok"}},
			[]time.Duration{7 * time.Second}, "test 429"},
		{"429 Retry-After HTTP date", []step{{status: 429, header: map[string]string{"Retry-After": t0.Add(90 * time.Second).Format(http.TimeFormat)}}, {body: "ok"}},
			[]time.Duration{90 * time.Second}, "test 429"},
		{"429 x-rate-limit-reset", []step{{status: 429, header: map[string]string{"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0",
			"x-rate-limit-reset": strconv.FormatInt(t0.Add(5*time.Minute).Unix(), 10)}}, {body: "ok"}},
			[]time.Duration{5 * time.Minute}, "test 429"},
		// A Retry-After shorter than the backoff does not shorten it.
		{"Retry-After below backoff", []step{{status: 503}, {status: 503, header: map[string]string{"Retry-After": "1"}}, {body: "ok"}},
			[]time.Duration{time.Second, 2 * time.Second}, "test 503"},
		{"truncated body", []step{{body: `{"status":"1","res`, truncate: true}, {body: "ok"}},
			[]time.Duration{time.Second}, "test truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Config{}, c.steps...)
			resp, err := e.get(context.Background(), Request{})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Attempts != len(c.wantSleep)+1 || e.s.count() != resp.Attempts {
				t.Fatalf("attempts = %d, server saw %d", resp.Attempts, e.s.count())
			}
			if got := e.clock.Sleeps(); fmt.Sprint(got) != fmt.Sprint(c.wantSleep) {
				t.Fatalf("sleeps = %v, want %v", got, c.wantSleep)
			}
			if len(e.metrics.retries) == 0 || e.metrics.retries[0] != c.wantRetry {
				t.Fatalf("retries = %v", e.metrics.retries)
			}
			assertNoCanary(t, "logs", e.logs.String())
		})
	}
}

func TestBackoffGrowsCapsAndJitters(t *testing.T) {
	e := newEnv(t, Config{Retry: Retry{Attempts: 6, Initial: time.Second, Max: 5 * time.Second}}, step{status: 500})
	_, err := e.get(context.Background(), Request{})
	if err == nil || pipeline.IsPermanent(err) {
		t.Fatalf("want transient error, got %v", err)
	}
	if !strings.Contains(err.Error(), "after 6 attempts") {
		t.Fatalf("error does not count attempts: %v", err)
	}
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if got := e.clock.Sleeps(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sleeps = %v, want %v", got, want)
	}
	// With jitter, a wait lies in [d/2, d].
	e2 := newEnv(t, Config{}, step{status: 500}, step{body: "ok"})
	e2.client.rand01 = func() float64 { return 0.999 }
	if _, err := e2.get(context.Background(), Request{}); err != nil {
		t.Fatal(err)
	}
	if s := e2.clock.Sleeps(); len(s) != 1 || s[0] < 500*time.Millisecond || s[0] > 501*time.Millisecond {
		t.Fatalf("jittered sleep = %v, want ~500ms", s)
	}
}

func TestPermanentStatusesFailAtOnce(t *testing.T) {
	for _, status := range []int{401, 403, 404, 400} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			e := newEnv(t, Config{}, step{status: status, body: `{"title":"Unauthorized","detail":"key ` + canary + ` refused"}`})
			_, err := e.get(context.Background(), Request{Source: "twitter.search"})
			if !pipeline.IsPermanent(err) {
				t.Fatalf("want permanent, got %v", err)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Status != status || se.Source != "twitter.search" {
				t.Fatalf("StatusError = %+v", se)
			}
			if e.s.count() != 1 || len(e.clock.Sleeps()) != 0 {
				t.Fatalf("retried a permanent error: %d requests", e.s.count())
			}
			if !strings.Contains(err.Error(), "apikey=REDACTED") {
				t.Fatalf("error does not name the redacted URL: %v", err)
			}
			assertNoCanary(t, "error", err.Error())
		})
	}
}

func TestClassifierDecides(t *testing.T) {
	etherscanLike := func(status int, _ http.Header, body []byte) Verdict {
		var b struct{ Status, Message, Result any }
		if status != 200 || json.Unmarshal(body, &b) != nil || b.Status != "0" {
			return Verdict{}
		}
		switch {
		case b.Message == "No transactions found":
			return Verdict{Outcome: Empty}
		case strings.Contains(fmt.Sprint(b.Result), "Max rate limit"):
			return Verdict{Outcome: Transient, Reason: "Max rate limit reached"}
		}
		return Verdict{Outcome: Permanent, Reason: fmt.Sprint(b.Result)}
	}
	e := newEnv(t, Config{},
		step{body: `{"status":"0","message":"NOTOK","result":"Max rate limit reached"}`},
		step{body: `{"status":"0","message":"No transactions found","result":[]}`})
	resp, err := e.get(context.Background(), Request{Classify: etherscanLike})
	if err != nil || !resp.Empty || resp.Attempts != 2 {
		t.Fatalf("resp=%+v err=%v", resp, err)
	}
	e2 := newEnv(t, Config{}, step{body: `{"status":"0","message":"NOTOK","result":"Invalid API Key"}`})
	_, err = e2.get(context.Background(), Request{Classify: etherscanLike})
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "Invalid API Key") || e2.s.count() != 1 {
		t.Fatalf("err = %v after %d requests", err, e2.s.count())
	}
}

func TestDecodeFailureKeepsRawAndRetries(t *testing.T) {
	z, err := raw.Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Config{Retry: Retry{Attempts: 2}},
		step{header: map[string]string{"Content-Type": "text/html"}, body: "<html><body>502 Bad Gateway</body></html>"},
		step{header: map[string]string{"Content-Type": "application/json"}, body: `{"ok":true}`})
	e.client.capture = RawCapture(z)
	iv := pipeline.Interval{Start: t0, End: t0.Add(time.Hour)}
	decode := func(r *Response) error {
		var v struct{ OK *bool }
		if err := json.Unmarshal(r.Body, &v); err != nil {
			return err
		}
		if v.OK == nil {
			return pipeline.Permanent(errors.New(`missing field "ok"`))
		}
		return nil
	}
	resp, err := e.get(context.Background(), Request{Source: "dexscreener.pairs", Token: "T", Interval: iv, Decode: decode})
	if err != nil || resp.Attempts != 2 || resp.RawKey == "" {
		t.Fatalf("resp=%+v err=%v", resp, err)
	}
	keys, _ := z.Keys(context.Background(), raw.Filter{})
	rejected, _ := z.Keys(context.Background(), raw.Filter{Rejected: true})
	if len(keys) != 1 || keys[0] != resp.RawKey || len(rejected) != 1 {
		t.Fatalf("want the good page accepted and the HTML one rejected: %v / %v", keys, rejected)
	}
	if bad, _ := z.Get(context.Background(), rejected[0]); !strings.Contains(bad.Rejected, "invalid character '<'") || !strings.HasPrefix(string(bad.Body), "<html>") {
		t.Fatalf("rejected page = %+v", bad.Meta)
	}
	for _, k := range append(keys, rejected...) {
		obj, err := z.Get(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		assertNoCanary(t, "raw url", obj.URL)
		if !strings.Contains(obj.URL, "apikey=REDACTED") {
			t.Fatalf("raw url = %s", obj.URL)
		}
	}
	// A decode error marked permanent is not retried, and names source, URL and raw key.
	e2 := newEnv(t, Config{}, step{body: `{"other":1}`})
	e2.client.capture = RawCapture(z)
	_, err = e2.get(context.Background(), Request{Source: "dexscreener.pairs", Token: "T", Interval: iv, Decode: decode})
	var be *BodyError
	if !pipeline.IsPermanent(err) || !errors.As(err, &be) || e2.s.count() != 1 {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"dexscreener.pairs", "apikey=REDACTED", be.RawKey, `missing field "ok"`} {
		if be.RawKey == "" || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
}

func TestNetworkErrorIsRedactedAndTransient(t *testing.T) {
	e := newEnv(t, Config{Retry: Retry{Attempts: 3}})
	url := e.srv.URL + "/api?apikey=" + canary
	e.srv.Close() // connection refused
	_, err := e.client.Do(context.Background(), Request{URL: url, Header: http.Header{"Authorization": {"Bearer " + canary}}})
	if err == nil || pipeline.IsPermanent(err) {
		t.Fatalf("want transient, got %v", err)
	}
	assertNoCanary(t, "error", err.Error())
	assertNoCanary(t, "logs", e.logs.String())
	if !strings.Contains(err.Error(), "after 3 attempts") || !strings.Contains(err.Error(), "apikey=REDACTED") {
		t.Fatalf("error = %v", err)
	}
	// Whatever a caller unwraps, no URL in the chain shows the key.
	for u := error(err); u != nil; u = errors.Unwrap(u) {
		assertNoCanary(t, fmt.Sprintf("unwrapped %T", u), u.Error())
	}
}

func TestAttemptTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	defer srv.Close()
	defer close(block)
	clock := NewFakeClock(t0)
	c := New(Config{Timeout: 20 * time.Millisecond, Retry: Retry{Attempts: 2}}, WithClock(clock), WithLogger(slog.New(slog.DiscardHandler)))
	_, err := c.Do(context.Background(), Request{URL: srv.URL + "/?token=" + canary})
	if err == nil || pipeline.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want transient deadline error, got %v", err)
	}
	assertNoCanary(t, "error", err.Error())
	if len(clock.Sleeps()) != 1 {
		t.Fatalf("timeout not retried once: %v", clock.Sleeps())
	}
}

func TestServerPauseBeyondMaxWaitFailsTransient(t *testing.T) {
	e := newEnv(t, Config{Retry: Retry{MaxWait: time.Minute}},
		step{status: 429, header: map[string]string{"Retry-After": "3600"}})
	_, err := e.get(context.Background(), Request{})
	if err == nil || pipeline.IsPermanent(err) || e.s.count() != 1 || len(e.clock.Sleeps()) != 0 {
		t.Fatalf("err=%v requests=%d sleeps=%v", err, e.s.count(), e.clock.Sleeps())
	}
	if !strings.Contains(err.Error(), "1h0m0s") {
		t.Fatalf("error does not say how long: %v", err)
	}
}

// A successful answer that says the budget is spent pauses the next request
// until the reset, instead of spending a request on a 429.
func TestRemainingZeroPausesBudget(t *testing.T) {
	reset := t0.Add(10 * time.Minute)
	e := newEnv(t, Config{Limit: XRecentSearch},
		step{header: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10)}, body: "a"},
		step{body: "b"})
	for range 2 {
		if _, err := e.get(context.Background(), Request{}); err != nil {
			t.Fatal(err)
		}
	}
	if e.s.times[1] != reset {
		t.Fatalf("second request at %s, want %s", e.s.times[1], reset)
	}
	if len(e.metrics.waits) != 1 || e.metrics.waits[0] != 10*time.Minute {
		t.Fatalf("rate-limit waits = %v", e.metrics.waits)
	}
	// With limits off the hint is not acted on (a 429 still would be).
	off := newEnv(t, Config{},
		step{header: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10)}, body: "a"})
	for range 2 {
		if _, err := off.get(context.Background(), Request{}); err != nil {
			t.Fatal(err)
		}
	}
	if !off.s.times[1].Equal(t0) {
		t.Fatalf("limits off, second request at %s", off.s.times[1])
	}
}

func TestUserAgentAndHeaders(t *testing.T) {
	e := newEnv(t, Config{}, step{body: "ok"})
	if _, err := e.get(context.Background(), Request{Header: http.Header{"Authorization": {"Bearer " + canary}}}); err != nil {
		t.Fatal(err)
	}
	h := e.s.heads[0]
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "memepipe/") || !strings.Contains(ua, "(+https://github.com/") {
		t.Fatalf("User-Agent = %q", ua)
	}
	if h.Get("Authorization") != "Bearer "+canary {
		t.Fatal("Authorization header not sent")
	}
	assertNoCanary(t, "logs", e.logs.String())
}

func TestContextCancelDuringBackoff(t *testing.T) {
	e := newEnv(t, Config{}, step{status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	e.client.metrics = &cancelOnRetry{cancel: cancel}
	_, err := e.get(ctx, Request{})
	if !errors.Is(err, context.Canceled) || e.s.count() != 1 {
		t.Fatalf("err=%v requests=%d", err, e.s.count())
	}
	if !strings.Contains(err.Error(), "last failure") {
		t.Fatalf("error hides the failure that was being retried: %v", err)
	}
}

type cancelOnRetry struct {
	nopMetrics
	cancel func()
}

func (c *cancelOnRetry) Retry(string, string) { c.cancel() }
