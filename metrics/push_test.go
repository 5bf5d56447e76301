package metrics

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// A push is one PUT to /metrics/job/<job>/<label>/<value>... carrying the
// memepipe_* families and nothing of the Go runtime; a failing gateway is
// an error that does not show the URL's password.
func TestPushToAPushgateway(t *testing.T) {
	var (
		mu     sync.Mutex
		method string
		path   string
		body   []byte
		status = http.StatusOK
	)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		method, path = r.Method, r.URL.Path
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(status)
	}))
	defer gw.Close()

	m := New()
	m.RunStarted("hourly", time.Time{}, time.Now())
	m.AttemptFinished("hourly", "clean", "success", 2*time.Second, 10, 20)
	m.RunFinished("hourly", "success")
	if err := m.Push(context.Background(), gw.URL, "", map[string]string{"instance": "hourly", "mode": "cron"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if method != http.MethodPut || path != "/metrics/job/memepipe/instance/hourly/mode/cron" {
		t.Errorf("%s %s, want PUT /metrics/job/memepipe/instance/hourly/mode/cron", method, path)
	}
	fams := pushedFamilies(t, body)
	mu.Unlock()
	if _, ok := fams["memepipe_runs_total"]; !ok {
		t.Errorf("no memepipe_runs_total in the push: %v", names(fams))
	}
	for name := range fams {
		if !strings.HasPrefix(name, "memepipe_") {
			t.Errorf("pushed %s", name)
		}
	}

	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	secretURL := strings.Replace(gw.URL, "http://", "http://ops:hunter22@", 1)
	err := m.Push(context.Background(), secretURL, "memepipe", nil)
	if err == nil || strings.Contains(err.Error(), "hunter22") || !strings.Contains(err.Error(), "500") {
		t.Errorf("push to a failing gateway: %v", err)
	}
}

// pushedFamilies decodes the pushed body (the protobuf delimited format
// the client sends) into its families by name.
func pushedFamilies(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeProtoDelim))
	out := map[string]*dto.MetricFamily{}
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("decode push body: %v", err)
		}
		out[mf.GetName()] = mf
	}
}

func names[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
