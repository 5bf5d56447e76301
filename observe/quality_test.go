package observe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"memepipe/alert"
	"memepipe/pipeline"
	"memepipe/store"
)

// fakeChecks answers what a clean task stored for its run.
type fakeChecks struct{ rs []store.CheckResult }

func (f *fakeChecks) PutChecks(context.Context, string, string, []store.CheckResult) error {
	return errors.New("not used")
}

func (f *fakeChecks) ListChecks(_ context.Context, q store.CheckFilter) ([]store.CheckResult, error) {
	var out []store.CheckResult
	for _, r := range f.rs {
		if r.RunID == q.RunID && r.Task == q.Task {
			out = append(out, r)
		}
	}
	return out, nil
}

// A failed error-severity check that a clean task stored with its run
// reaches the notifier as quality_check; a failed warn check does not.
func TestStoredQualityCheckReachesWebhook(t *testing.T) {
	hook := newHook(t)
	checks := &fakeChecks{}
	cfg := alert.Config{Notifiers: []alert.NotifierConfig{{Name: "ops", Type: "webhook", URL: hook.srv.URL + "/hook", SecretEnv: "MEMEPIPE_WEBHOOK_SECRET"}},
		Routes: []alert.Route{{Notifiers: []string{"ops"}}}}
	al, err := NewAlerting(AlertingOptions{
		Config: cfg, Secret: func(string) (string, error) { return "whsec-q", nil },
		Checks: checks, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	clean := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		checks.rs = []store.CheckResult{
			{RunID: tc.RunID, Pipeline: tc.Pipeline, Task: tc.Task, Dataset: "tweets", Check: "ts_not_future", Severity: "error", Message: "1 of 9 rows fail"},
			{RunID: tc.RunID, Pipeline: tc.Pipeline, Task: tc.Task, Dataset: "tweets", Check: "ts_in_interval", Severity: "warn", Message: "2 of 9 rows fail"},
			{RunID: tc.RunID, Pipeline: tc.Pipeline, Task: tc.Task, Dataset: "tweets", Check: "keys_unique", Severity: "error", Passed: true},
		}
		return pipeline.Result{}, pipeline.Permanent(errors.New("clean: 1 data-quality checks of severity error failed"))
	})
	dag := &pipeline.DAG{Name: "social", Tasks: []pipeline.Task{{Name: "clean", Runner: clean}}}
	iv := pipeline.Interval{Start: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)}
	run := runDAG(t, al.Observer(map[string]*pipeline.DAG{"social": dag}), dag, iv)
	if err := al.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	rules := map[string]map[string]any{}
	for _, b := range hook.bodies {
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		rules[body["rule"].(string)] = body
	}
	q, ok := rules["quality_check"]
	if !ok || q["dataset"] != "tweets" || q["run_id"] != run.ID || q["pipeline"] != "social" || len(hook.bodies) != 2 {
		t.Fatalf("webhook bodies: %v", rules)
	}
}
