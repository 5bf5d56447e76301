package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// memepipe run pushes its metrics to the configured Pushgateway when the
// run ends, grouped by pipeline; a dead gateway is a warning, not a
// failed run.
func TestRunPushesMetrics(t *testing.T) {
	var (
		mu    sync.Mutex
		paths []string
		fams  = map[string]*dto.MetricFamily{}
	)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeProtoDelim))
		for {
			mf := &dto.MetricFamily{}
			if dec.Decode(mf) != nil {
				break
			}
			fams[mf.GetName()] = mf
		}
	}))
	defer gw.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), `
pipelines:
  - name: nightly
    tasks:
      - name: a
        command: ["true"]
      - name: b
        command: ["true"]
        depends_on: [a]
`)
	r := memepipe(t, dir, []string{"MEMEPIPE_METRICS_PUSHGATEWAY=" + gw.URL}, "run", "--pipeline", "nightly")
	if r.code != 0 {
		t.Fatalf("run exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 1 || paths[0] != "PUT /metrics/job/memepipe/instance/nightly" {
		t.Fatalf("pushes %v, want one PUT /metrics/job/memepipe/instance/nightly", paths)
	}
	attempts := 0.0
	for _, m := range fams["memepipe_task_attempts_total"].GetMetric() {
		attempts += m.GetCounter().GetValue()
	}
	runs := fams["memepipe_runs_total"].GetMetric()
	if attempts != 2 || len(runs) != 1 || runs[0].GetCounter().GetValue() != 1 {
		t.Errorf("pushed %v attempts and runs %v, want 2 attempts and one run", attempts, runs)
	}
	if _, ok := fams["go_goroutines"]; ok {
		t.Error("the Go runtime's metrics were pushed")
	}

	gw.Close()
	r = memepipe(t, dir, []string{"MEMEPIPE_METRICS_PUSHGATEWAY=" + gw.URL}, "run", "--pipeline", "nightly", "--rerun")
	if r.code != 0 || !bytes.Contains([]byte(r.stderr), []byte("metrics not pushed")) {
		t.Errorf("run with a dead gateway: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
