package lambda

// The function is tested the way AWS runs it: the real binary as the
// bootstrap of the AWS Lambda Runtime Interface Emulator, invoked over HTTP
// on loopback, against PostgreSQL.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/store/storetest"
)

// RIEModule is the emulator's module and version (it has no tags; this
// pseudo-version is what the module proxy serves).
const RIEModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// rieBinary finds the emulator in ~/.cache/memepipe/bin (where .ci/run
// installs it), or installs it there with go install.
func rieBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MEMEPIPE_RIE"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skipf("no cache directory for the emulator: %v", err)
	}
	dir := filepath.Join(cache, "memepipe", "bin")
	p := filepath.Join(dir, "aws-lambda-rie")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	cmd := exec.Command("go", "install", RIEModule)
	cmd.Dir = t.TempDir() // outside this module: go install pkg@version builds on its own
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install the Lambda Runtime Interface Emulator: %v\n%s", err, out)
	}
	return p
}

func buildMemepipe(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "memepipe")
	if out, err := exec.Command("go", "build", "-o", p, "memepipe/cmd/memepipe").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

const functionYAML = `
pipelines:
  - name: hourly
    schedule: "0 * * * *"
    tasks:
      - name: collect
        command: [sh, -c, 'echo "collect $MEMEPIPE_INTERVAL_START" >> out.log']
      - name: clean
        depends_on: [collect]
        command: [sh, -c, 'echo "clean $MEMEPIPE_INTERVAL_START" >> out.log']
  - name: paging
    schedule: "0 * * * *"
    tasks:
      - name: broken
        retries: 0
        command: [sh, -c, 'echo "disk full" >&2; exit 3']
alerts:
  notifiers:
    - {name: hook, type: webhook, url: "%s"}
metrics:
  pushgateway: "%s"
`

func TestFunctionThroughRuntimeInterfaceEmulator(t *testing.T) {
	db := storetest.PostgresURL(t)
	rie := rieBinary(t)
	bin := buildMemepipe(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "memepipe.yaml")
	// The alerts' webhook: a run's alerts must arrive before its
	// invocation returns (the environment freezes after it).
	var (
		hookMu sync.Mutex
		hooked []string
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a struct{ Rule, Task, Status string }
		_ = json.NewDecoder(r.Body).Decode(&a)
		hookMu.Lock()
		hooked = append(hooked, a.Rule+" "+a.Task+" "+a.Status)
		hookMu.Unlock()
	}))
	defer hook.Close()
	// The Pushgateway: each invocation pushes its own run's counts.
	var pushes []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		runs := 0
		dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeProtoDelim))
		for {
			mf := &dto.MetricFamily{}
			if dec.Decode(mf) != nil {
				break
			}
			if mf.GetName() == "memepipe_runs_total" {
				for _, m := range mf.GetMetric() {
					runs += int(m.GetCounter().GetValue())
				}
			}
		}
		hookMu.Lock()
		pushes = append(pushes, fmt.Sprintf("%s %s runs=%d", r.Method, r.URL.Path, runs))
		hookMu.Unlock()
	}))
	defer gw.Close()
	if err := os.WriteFile(config, []byte(fmt.Sprintf(functionYAML, hook.URL, gw.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, runtimeAPI := freePort(t), freePort(t)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", runtimeAPI, bin, "lambda")
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEMEPIPE_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "MEMEPIPE_DB="+db, "MEMEPIPE_CONFIG="+config, "MEMEPIPE_LOG_FORMAT=json", "AWS_LAMBDA_FUNCTION_TIMEOUT=60")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator did not listen on %s", addr)
		}
	}

	invoke := func(event string) (Response, map[string]any) {
		t.Helper()
		resp, err := http.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader(event))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("invoke %s: HTTP %d, body %q", event, resp.StatusCode, body)
		}
		var r Response
		_ = json.Unmarshal(body, &r)
		return r, raw
	}
	tasks := func(r Response) string {
		var s []string
		for _, ts := range r.Tasks {
			s = append(s, fmt.Sprintf("%s %s/%d", ts.Task, ts.State, ts.Attempts))
		}
		return strings.Join(s, ", ")
	}
	at := func(h int) time.Time { return time.Date(2026, 11, 28, h, 0, 0, 0, time.UTC) }

	// A whole run for an explicit interval.
	r1, raw := invoke(`{"pipeline": "hourly", "interval_start": "2026-11-28T17:00:00Z", "interval_end": "2026-11-28T18:00:00Z"}`)
	if r1.State != pipeline.Success || r1.RunID == "" || !r1.IntervalStart.Equal(at(17)) || tasks(r1) != "collect success/1, clean success/1" {
		t.Fatalf("run invocation: %+v (%v)", r1, raw)
	}
	// The same event again resumes the one run: nothing runs twice.
	r1b, _ := invoke(`{"pipeline": "hourly", "interval_start": "2026-11-28T17:00:00Z", "interval_end": "2026-11-28T18:00:00Z"}`)
	if r1b.RunID != r1.RunID || tasks(r1b) != "collect success/1, clean success/1" {
		t.Errorf("repeated invocation: %+v, want run %s unchanged", r1b, r1.RunID)
	}
	// EventBridge's event: the interval that ends at the slot.
	r2, raw := invoke(`{"pipeline": "hourly", "scheduled_time": "2026-11-28T19:00:00Z"}`)
	if r2.State != pipeline.Success || !r2.IntervalStart.Equal(at(18)) || !r2.IntervalEnd.Equal(at(19)) {
		t.Fatalf("scheduled invocation: %+v (%v)", r2, raw)
	}
	// One task of a run.
	r3, raw := invoke(`{"pipeline": "hourly", "task": "collect", "interval_start": "2026-11-28T20:00:00Z", "interval_end": "2026-11-28T21:00:00Z"}`)
	if r3.State != pipeline.Success || tasks(r3) != "collect success/1" {
		t.Fatalf("task invocation: %+v (%v)", r3, raw)
	}
	// A bad event is a function error naming the problem.
	_, raw = invoke(`{"pipeline": "nope", "scheduled_time": "2026-11-28T19:00:00Z"}`)
	if msg, _ := raw["errorMessage"].(string); msg != `bad event: no pipeline "nope" (configured: hourly, paging)` {
		t.Errorf("bad event: %v", raw)
	}
	_, raw = invoke(`{"pipeline": "hourly", "scheduled_time": "yesterday"}`)
	if msg, _ := raw["errorMessage"].(string); msg != `bad event: scheduled_time "yesterday" is not an RFC 3339 time` {
		t.Errorf("bad time: %v", raw)
	}

	// A failed run pages through the webhook before the invocation returns.
	r4, raw := invoke(`{"pipeline": "paging", "interval_start": "2026-11-28T17:00:00Z", "interval_end": "2026-11-28T18:00:00Z"}`)
	hookMu.Lock()
	got := strings.Join(hooked, "|")
	hookMu.Unlock()
	if r4.State != pipeline.Failed || got != "task_failed broken firing" {
		t.Errorf("failing run: %+v (%v); webhook received %q by the time the invocation returned, want the task_failed alert", r4, raw, got)
	}
	// One push per invocation that ran, each with only its own run.
	hookMu.Lock()
	gotPushes := strings.Join(pushes, "|")
	hookMu.Unlock()
	wantPushes := strings.Join([]string{
		"PUT /metrics/job/memepipe/instance/hourly runs=1", "PUT /metrics/job/memepipe/instance/hourly runs=1",
		"PUT /metrics/job/memepipe/instance/hourly runs=1", "PUT /metrics/job/memepipe/instance/hourly runs=1",
		"PUT /metrics/job/memepipe/instance/paging runs=1",
	}, "|")
	if gotPushes != wantPushes {
		t.Errorf("pushes\n%s\nwant\n%s", strings.ReplaceAll(gotPushes, "|", "\n"), strings.ReplaceAll(wantPushes, "|", "\n"))
	}

	st, err := open.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.ListRuns(context.Background(), store.RunFilter{Pipeline: "hourly"})
	if err != nil || len(runs) != 3 {
		t.Fatalf("runs %v %v, want 3", runs, err)
	}
	triggers := map[string]pipeline.RunTrigger{}
	for _, r := range runs {
		triggers[r.Interval.Start.Format("15")] = r.Trigger
		if r.Owner != "" {
			t.Errorf("run %s still owned by %s", r.ID, r.Owner)
		}
	}
	if triggers["17"] != pipeline.TriggerManual || triggers["18"] != pipeline.TriggerSchedule || triggers["20"] != pipeline.TriggerManual {
		t.Errorf("triggers %v", triggers)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "out.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	sort.Strings(lines)
	want := []string{"clean 2026-11-28T17:00:00Z", "clean 2026-11-28T18:00:00Z", "collect 2026-11-28T17:00:00Z", "collect 2026-11-28T18:00:00Z", "collect 2026-11-28T20:00:00Z"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("out.log %q, want %q", lines, want)
	}
}
