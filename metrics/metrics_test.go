package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"memepipe/source/httpx"
)

var _ httpx.Metrics = Upstream{}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type %q", ct)
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestExposedWithLabels(t *testing.T) {
	m := New()
	m.AttemptFinished("collect", "twitter", "up_for_retry", 2*time.Second, 0, 0)
	m.AttemptFinished("collect", "twitter", "success", 3*time.Second, 10, 250)
	m.APIRequest("twitter.search", 429, 80*time.Millisecond)
	m.APIRequest("etherscan.tokentx", 0, time.Second)
	m.APIRequest("yahoo.chart", 418, time.Millisecond)
	m.RateLimited("etherscan.tokentx", 333*time.Millisecond)
	m.SlotSkipped("onchain", "catchup_window")
	m.DatasetRefreshed("price_bars", time.Unix(1764345600, 0))
	m.RunStarted("collect", time.Unix(1764345600, 0), time.Unix(1764345600, 0).Add(120*time.Millisecond))
	m.RunFinished("collect", "success")
	m.HandedOff(300 * time.Microsecond)
	m.AlertDelivered("ops", false)

	out := scrape(t, m)
	for _, want := range []string{
		`memepipe_task_attempts_total{pipeline="collect",state="success",task="twitter"} 1`,
		`memepipe_task_attempts_total{pipeline="collect",state="up_for_retry",task="twitter"} 1`,
		`memepipe_task_retries_total{pipeline="collect",task="twitter"} 1`,
		`memepipe_task_duration_seconds_count{pipeline="collect",state="success",task="twitter"} 1`,
		`memepipe_task_duration_seconds_sum{pipeline="collect",state="success",task="twitter"} 3`,
		`memepipe_records_total{direction="out",pipeline="collect",task="twitter"} 250`,
		`memepipe_records_total{direction="in",pipeline="collect",task="twitter"} 10`,
		`memepipe_api_requests_total{source="twitter.search",status="429"} 1`,
		`memepipe_api_requests_total{source="etherscan.tokentx",status="error"} 1`,
		`memepipe_api_requests_total{source="yahoo.chart",status="4xx"} 1`,
		`memepipe_rate_limit_wait_seconds_sum{source="etherscan.tokentx"} 0.333`,
		`memepipe_schedule_slots_skipped_total{pipeline="onchain",reason="catchup_window"} 1`,
		`memepipe_dataset_last_success_timestamp_seconds{dataset="price_bars"} 1.7643456e+09`,
		`memepipe_schedule_lag_seconds_sum{pipeline="collect"} 0.12`,
		`memepipe_runs_total{pipeline="collect",state="success"} 1`,
		`memepipe_runs_active{pipeline="collect"} 0`,
		`memepipe_handoff_seconds_count 1`,
		`memepipe_alert_deliveries_total{notifier="ops",result="failed"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		if !strings.HasPrefix(name, "memepipe_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %s has no memepipe_ prefix", name)
		}
	}
}

// Two registries in one process do not collide (each server has its own).
func TestIndependentRegistries(t *testing.T) {
	a, b := New(), New()
	a.RunFinished("p", "failed")
	if strings.Contains(scrape(t, b), `memepipe_runs_total{pipeline="p"`) {
		t.Error("registries share state")
	}
}

// A real source/httpx client reporting to Upstream: its attempts by
// status, its retry and its wait for the rate limiter show up.
func TestUpstreamFromHTTPClient(t *testing.T) {
	var n atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer up.Close()
	m := New()
	c := httpx.New(httpx.Config{Name: "etherscan", Limit: httpx.RateLimit{Requests: 1, Per: 30 * time.Millisecond},
		Retry: httpx.Retry{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond}},
		httpx.WithHTTPClient(up.Client()), httpx.WithMetrics(m.Upstream()))
	for range 2 {
		if _, err := c.Do(context.Background(), httpx.Request{URL: up.URL, Source: "etherscan.tokentx"}); err != nil {
			t.Fatal(err)
		}
	}
	out := scrape(t, m)
	for _, want := range []string{
		`memepipe_api_requests_total{source="etherscan.tokentx",status="503"} 1`,
		`memepipe_api_requests_total{source="etherscan.tokentx",status="200"} 2`,
		`memepipe_api_retries_total{reason="503",source="etherscan.tokentx"} 1`,
		`memepipe_api_request_duration_seconds_count{source="etherscan.tokentx"} 3`,
		`memepipe_rate_limit_wait_seconds_count{source="etherscan.tokentx"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestHTTPRequest(t *testing.T) {
	m := New()
	m.HTTPRequest("GET /runs/{id}", 200, 3*time.Millisecond)
	m.HTTPRequest("GET /runs/{id}", 404, time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`memepipe_http_requests_total{route="GET /runs/{id}",status="200"} 1`,
		`memepipe_http_requests_total{route="GET /runs/{id}",status="404"} 1`,
		`memepipe_http_request_duration_seconds_sum{route="GET /runs/{id}"} 0.004`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}
