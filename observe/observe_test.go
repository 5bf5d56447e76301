package observe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"memepipe/alert"
	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/pipeline"
	"memepipe/store/memstore"
)

// hookServer is a webhook receiver on loopback that keeps bodies and signatures.
type hookServer struct {
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
	srv    *httptest.Server
}

func newHook(t *testing.T) *hookServer {
	h := &hookServer{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.sigs = append(h.sigs, r.Header.Get(alert.SignatureHeader))
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func runDAG(t *testing.T, observe func(engine.Event), dag *pipeline.DAG, iv pipeline.Interval) pipeline.Run {
	t.Helper()
	eng := engine.New(memstore.New(), engine.Options{Observe: observe, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r, err := eng.Run(context.Background(), dag, iv, engine.RunOptions{Trigger: pipeline.TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The contract of the alert issue: a task that fails after its last retry
// makes the webhook receive a signed JSON body with rule, pipeline, task,
// run_id, state and error; a permanent error alerts after one attempt.
func TestEngineFailureReachesSignedWebhook(t *testing.T) {
	hook := newHook(t)
	cfg := alert.Config{Notifiers: []alert.NotifierConfig{{Name: "ops", Type: "webhook", URL: hook.srv.URL + "/hook", SecretEnv: "MEMEPIPE_WEBHOOK_SECRET"}},
		Routes: []alert.Route{{Notifiers: []string{"ops"}}}}
	ns, err := alert.Build(cfg, func(string) (string, error) { return "whsec-test", nil })
	if err != nil {
		t.Fatal(err)
	}
	d := alert.NewDispatcher(ns, cfg.Routes, alert.DispatchOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ev := alert.NewEvaluator(cfg, nil, d.Send, nil)
	m := metrics.New()

	fail := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		return pipeline.Result{}, errors.New("upstream said 502")
	})
	badKey := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		return pipeline.Result{}, pipeline.Permanent(errors.New("Invalid API Key"))
	})
	ok := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		return pipeline.Result{RecordsOut: 7}, nil
	})
	retry := pipeline.RetryPolicy{Attempts: 3, InitialDelay: time.Millisecond}
	dag := &pipeline.DAG{Name: "collect", Tasks: []pipeline.Task{
		{Name: "a", Runner: ok},
		{Name: "b", DependsOn: []string{"a"}, Runner: fail, Retry: retry},
		{Name: "key", Runner: badKey, Retry: retry},
	}}
	iv := pipeline.Interval{Start: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)}
	run := runDAG(t, Fanout(Metrics(m), Alerts(ev, map[string]*pipeline.DAG{"collect": dag}, nil)), dag, iv)
	if run.State != pipeline.Failed {
		t.Fatalf("run %s", run.State)
	}
	// Run returns after its observer drained; Close waits for delivery.
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	byTask := map[string]map[string]any{}
	for i, b := range hook.bodies {
		if !alert.VerifySignature("whsec-test", b, hook.sigs[i]) {
			t.Errorf("body %d: bad signature %q", i, hook.sigs[i])
		}
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		byTask[body["task"].(string)] = body
	}
	if len(hook.bodies) != 2 {
		t.Fatalf("%d webhook calls, want 2 (b and key): %v", len(hook.bodies), byTask)
	}
	b := byTask["b"]
	for k, want := range map[string]any{"rule": "task_failed", "pipeline": "collect", "task": "b", "run_id": run.ID, "state": "failed", "attempt": 3.0} {
		if b[k] != want {
			t.Errorf("b body[%s] = %v, want %v", k, b[k], want)
		}
	}
	if !strings.Contains(b["error"].(string), "upstream said 502") {
		t.Errorf("b error %v", b["error"])
	}
	if k := byTask["key"]; k["rule"] != "permanent_error" || k["attempt"] != 1.0 || k["severity"] != "critical" {
		t.Errorf("key body %v", k)
	}
}

func TestFanoutSkipsNil(t *testing.T) {
	n := 0
	Fanout(nil, func(engine.Event) { n++ }, nil, func(engine.Event) { n += 10 })(engine.Event{})
	if n != 11 {
		t.Errorf("n = %d", n)
	}
}
