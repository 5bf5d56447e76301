package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"memepipe/alert"
)

// The alert issue's contract, end to end through the real binary: a task
// that fails after its last retry makes the configured webhook receive a
// signed JSON body; the secret appears in no output and not in the database.
func TestAlertWebhookContract(t *testing.T) {
	const secret = "whsec-CANARY-5a4b3c2d1e"
	var mu sync.Mutex
	var bodies [][]byte
	var sigs []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/hook" {
			http.Error(w, "want POST /hook", http.StatusMethodNotAllowed)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		sigs = append(sigs, r.Header.Get("X-Memepipe-Signature"))
		mu.Unlock()
	}))
	defer hook.Close()

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), `
pipelines:
  - name: demo
    tasks:
      - name: a
        command: ["true"]
      - name: b
        command: ["sh", "-c", "echo using key $MEMEPIPE_WEBHOOK_SECRET >&2; exit 1"]
        depends_on: [a]
        retries: 2
        retry_delay: 10ms
      - name: c
        command: ["true"]
        depends_on: [b]
alerts:
  notifiers:
    - name: ops
      type: webhook
      url: `+hook.URL+`/hook
      secret_env: MEMEPIPE_WEBHOOK_SECRET
  routes:
    - notifiers: [ops]
`)
	env := []string{"MEMEPIPE_WEBHOOK_SECRET=" + secret}
	r := memepipe(t, dir, env, "run", "--pipeline", "demo")
	if r.code != 1 {
		t.Fatalf("run exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	if len(bodies) != 1 {
		mu.Unlock()
		t.Fatalf("webhook got %d calls, want 1", len(bodies))
	}
	body, sig := bodies[0], sigs[0]
	mu.Unlock()
	if !alert.VerifySignature(secret, body, sig) || !strings.HasPrefix(sig, "sha256=") {
		t.Errorf("signature %q does not verify", sig)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rule", "pipeline", "task", "run_id", "state", "error"} {
		if _, ok := got[k]; !ok {
			t.Errorf("body lacks %q: %s", k, body)
		}
	}
	if got["rule"] != "task_failed" || got["pipeline"] != "demo" || got["task"] != "b" || got["state"] != "failed" {
		t.Errorf("body %s", body)
	}
	if strings.Contains(string(body), secret) {
		t.Errorf("the webhook body carries the secret: %s", body)
	}

	// The delivery is in the history; a second failing run of the same task
	// within the re-notify interval sends nothing new.
	memepipe(t, dir, env, "run", "--pipeline", "demo", "--rerun")
	mu.Lock()
	if len(bodies) != 1 {
		t.Errorf("re-run of a still-failing task re-alerted: %d calls", len(bodies))
	}
	mu.Unlock()
	h := memepipe(t, dir, env, "alerts", "--json")
	var hist struct {
		Firing     []alert.Condition
		Deliveries []alert.Delivery
	}
	if err := json.Unmarshal([]byte(h.stdout), &hist); err != nil {
		t.Fatalf("alerts --json: %v\n%s", err, h.stdout)
	}
	if len(hist.Deliveries) != 1 || !hist.Deliveries[0].OK || hist.Deliveries[0].Notifier != "ops" || len(hist.Firing) != 1 {
		t.Errorf("alerts --json: %s", h.stdout)
	}

	tr := memepipe(t, dir, env, "alerts", "test", "--notifier", "ops")
	if tr.code != 0 || !strings.Contains(tr.stdout, "test alert delivered to ops (webhook)") {
		t.Errorf("alerts test: exit %d\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	if u := memepipe(t, dir, env, "alerts", "test", "--notifier", "nobody"); u.code != 2 || !strings.Contains(u.stderr, `no notifier "nobody"`) {
		t.Errorf("unknown notifier: exit %d %s", u.code, u.stderr)
	}

	// The task printed the secret into its own log, which is the team's
	// script's doing; memepipe's own outputs must not repeat it.
	for _, out := range []string{r.stdout, r.stderr, h.stdout, tr.stdout, tr.stderr} {
		if strings.Contains(out, secret) {
			t.Errorf("an output carries the secret:\n%s", out)
		}
	}
	// Nor is it stored: the task's error and log are scrubbed before they
	// reach the database (and the WAL).
	for _, f := range []string{"memepipe.db", "memepipe.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s contains the secret", f)
		}
	}
	if logs := memepipe(t, dir, env, "runs", "logs", "latest", "--task", "b"); !strings.Contains(logs.stdout, "using key [redacted]") {
		t.Errorf("task log not scrubbed as expected:\n%s", logs.stdout)
	}
}
