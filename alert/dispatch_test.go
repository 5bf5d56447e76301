package alert

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeNotifier struct {
	name  string
	errs  []error // returned in turn; nil past the end
	block chan struct{}
	mu    sync.Mutex
	got   []Alert
	calls int
}

func (f *fakeNotifier) Name() string { return f.name }
func (f *fakeNotifier) Type() string { return "fake" }
func (f *fakeNotifier) Notify(ctx context.Context, a Alert) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.got = append(f.got, a)
	if f.calls <= len(f.errs) {
		return f.errs[f.calls-1]
	}
	return nil
}

type memHistory struct {
	mu sync.Mutex
	d  []Delivery
}

func (h *memHistory) RecordDelivery(_ context.Context, d Delivery) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.d = append(h.d, d)
	return nil
}

func quietLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestDispatcherRetriesTransientNotPermanent(t *testing.T) {
	flaky := &fakeNotifier{name: "flaky", errs: []error{errors.New("HTTP 503"), errors.New("HTTP 502")}}
	broken := &fakeNotifier{name: "broken", errs: []error{Permanent(errors.New("HTTP 400: bad payload"))}}
	hist := &memHistory{}
	d := NewDispatcher([]Notifier{flaky, broken}, []Route{{Notifiers: []string{"flaky", "broken"}}},
		DispatchOptions{InitialDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, History: hist, Logger: quietLogger(io.Discard)})
	d.Send(sampleAlert())
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if flaky.calls != 3 || broken.calls != 1 {
		t.Errorf("calls: flaky %d (want 3), broken %d (want 1)", flaky.calls, broken.calls)
	}
	byName := map[string]Delivery{}
	for _, r := range hist.d {
		byName[r.Notifier] = r
	}
	if r := byName["flaky"]; !r.OK || r.Attempts != 3 {
		t.Errorf("flaky history %+v", r)
	}
	if r := byName["broken"]; r.OK || r.Attempts != 1 || !strings.Contains(r.Error, "HTTP 400") {
		t.Errorf("broken history %+v", r)
	}
}

// A notifier that hangs must not block Send, nor other notifiers.
func TestDispatcherNeverBlocks(t *testing.T) {
	hung := &fakeNotifier{name: "hung", block: make(chan struct{})}
	fine := &fakeNotifier{name: "fine"}
	d := NewDispatcher([]Notifier{hung, fine}, []Route{{Notifiers: []string{"hung", "fine"}}},
		DispatchOptions{Queue: 2, Logger: quietLogger(io.Discard)})
	done := make(chan struct{})
	go func() {
		for i := 0; i < 50; i++ {
			d.Send(sampleAlert())
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Send blocked on a hung notifier")
	}
	if d.Dropped() == 0 {
		t.Error("a full queue dropped nothing")
	}
	close(hung.block)
	d.Close(context.Background())
	if fine.calls == 0 {
		t.Error("the healthy notifier got nothing")
	}
}

func TestRoutes(t *testing.T) {
	routes := []Route{
		{Notifiers: []string{"pager"}, MinSeverity: SeverityCritical},
		{Notifiers: []string{"chat"}, Pipelines: []string{"collect*"}},
		{Notifiers: []string{"chat", "mail"}, Rules: []Rule{RuleStale}},
	}
	for _, tc := range []struct {
		a    Alert
		want string
	}{
		{Alert{Pipeline: "collect_social", Rule: RuleTaskFailed, Severity: SeverityError}, "chat"},
		{Alert{Pipeline: "analyze", Rule: RuleTaskFailed, Severity: SeverityError}, ""},
		{Alert{Pipeline: "analyze", Rule: RulePermanentError, Severity: SeverityCritical}, "pager"},
		{Alert{Pipeline: "collect", Rule: RuleStale, Severity: SeverityWarning}, "chat,mail"},
	} {
		if got := strings.Join(Recipients(routes, tc.a), ","); got != tc.want {
			t.Errorf("%s/%s/%s: got %q, want %q", tc.a.Pipeline, tc.a.Rule, tc.a.Severity, got, tc.want)
		}
	}
}

// A canary secret that leaks into an error (say, a URL with its API key
// printed by a failing script) must appear in no message and no log line.
func TestCanarySecretInNoMessage(t *testing.T) {
	const canary = "CANARY-9f8e7d6c5b4a"
	rec := newRecorder(t, 500) // first webhook call fails, so the retry path logs
	var logs strings.Builder
	hook := NewWebhook("ops", rec.srv.URL+"/hook", "hmac-secret", newPoster(time.Second))
	hist := &memHistory{}
	d := NewDispatcher([]Notifier{hook}, []Route{{Notifiers: []string{"ops"}}},
		DispatchOptions{InitialDelay: time.Millisecond, History: hist, Logger: quietLogger(&logs), Secrets: []string{canary, "hmac-secret"}})
	var got []Alert
	e := NewEvaluator(Config{}, nil, func(a Alert) { got = append(got, a); d.Send(a) }, nil)
	e.TaskFinished(context.Background(), TaskEvent{Pipeline: "collect", Task: "etherscan", RunID: "r1", Attempt: 2, State: "failed",
		Error: "GET https://api.etherscan.io/api?apikey=" + canary + " failed: 502"})
	d.Close(context.Background())
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d webhook requests, want 2 (one retry)", len(reqs))
	}
	for i, r := range reqs {
		if strings.Contains(string(r.Body), canary) || strings.Contains(string(r.Body), "hmac-secret") {
			t.Errorf("request %d body leaks a secret: %s", i, r.Body)
		}
		if !strings.Contains(string(r.Body), "apikey=[redacted]") {
			t.Errorf("request %d body lost the error context: %s", i, r.Body)
		}
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("logs leak the canary: %s", logs.String())
	}
	for _, h := range hist.d {
		if strings.Contains(h.Alert.Error, canary) || strings.Contains(h.Error, canary) {
			t.Errorf("history leaks the canary: %+v", h)
		}
	}
}

func TestConfigValidateAndBuild(t *testing.T) {
	bad := Config{
		Notifiers: []NotifierConfig{
			{Name: "ops", Type: "webhook", URL: "ftp://x"},
			{Name: "ops", Type: "slack", URL: "https://hooks.slack.com/services/T/B/X"},
			{Name: "m", Type: "email"},
			{Name: "x", Type: "carrier-pigeon"},
		},
		Routes: []Route{{Notifiers: []string{"nobody"}, Rules: []Rule{"task_failz"}, MinSeverity: "urgent"}},
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"alerts.notifiers[0].url: not an http(s) URL",
		"alerts.notifiers[1].name: duplicate notifier \"ops\"",
		"alerts.notifiers[1].url: a Slack webhook URL is a secret",
		"alerts.notifiers[1].url_env: required",
		"alerts.notifiers[2].host: required",
		"alerts.notifiers[2].to: required",
		"alerts.notifiers[3].type: \"carrier-pigeon\"",
		"alerts.routes[0].notifiers: unknown notifier \"nobody\"",
		"alerts.routes[0].rules: unknown rule \"task_failz\"",
		"alerts.routes[0].min_severity: unknown severity \"urgent\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}

	good := Config{Notifiers: []NotifierConfig{{Name: "ops", Type: "webhook", URL: "http://127.0.0.1:9999/hook", SecretEnv: "MEMEPIPE_WEBHOOK_SECRET"},
		{Name: "pd", Type: "pagerduty", RoutingKeyEnv: "PD_KEY"}}}
	env := map[string]string{"MEMEPIPE_WEBHOOK_SECRET": "whsec"}
	secret := func(name string) (string, error) {
		if v, ok := env[name]; ok {
			return v, nil
		}
		return "", errors.New("environment variable " + name + " is not set")
	}
	if _, err := Build(good, secret); err == nil || !strings.Contains(err.Error(), "alerts.notifiers[1].routing_key_env: environment variable PD_KEY is not set") {
		t.Errorf("missing secret: %v", err)
	}
	env["PD_KEY"] = "k"
	ns, err := Build(good, secret)
	if err != nil || len(ns) != 2 || ns[0].Type() != "webhook" || ns[1].Type() != "pagerduty" {
		t.Fatalf("%v %v", ns, err)
	}
	if ns[0].(*Webhook).secret != "whsec" {
		t.Error("webhook secret not resolved")
	}
}

// With no routes configured every notifier gets every alert; with routes,
// only the routed ones.
func TestNoRoutesSendsToEveryNotifier(t *testing.T) {
	a := Alert{Rule: RuleTaskFailed, Severity: SeverityError, Pipeline: "hourly", Task: "clean", Key: "hourly/clean/task_failed"}
	for _, tc := range []struct {
		routes []Route
		want   map[string]int
	}{
		{nil, map[string]int{"team": 1, "oncall": 1}},
		{[]Route{{Notifiers: []string{"oncall"}, MinSeverity: SeverityCritical}}, map[string]int{"team": 0, "oncall": 0}},
		{[]Route{{Notifiers: []string{"team"}}}, map[string]int{"team": 1, "oncall": 0}},
	} {
		team, oncall := &fakeNotifier{name: "team"}, &fakeNotifier{name: "oncall"}
		d := NewDispatcher([]Notifier{team, oncall}, tc.routes, DispatchOptions{Logger: quietLogger(io.Discard)})
		d.Send(a)
		d.Close(context.Background())
		if len(team.got) != tc.want["team"] || len(oncall.got) != tc.want["oncall"] {
			t.Errorf("routes %+v: team got %d, oncall %d; want %v", tc.routes, len(team.got), len(oncall.got), tc.want)
		}
	}
}

// Flush returns once what was queued is delivered, the dispatcher still
// taking alerts; with a hung notifier it returns when its context ends.
func TestDispatcherFlush(t *testing.T) {
	slow := &fakeNotifier{name: "slow", errs: []error{errors.New("HTTP 503")}}
	d := NewDispatcher([]Notifier{slow}, nil, DispatchOptions{InitialDelay: 20 * time.Millisecond, Logger: quietLogger(io.Discard)})
	d.Send(Alert{Rule: RuleTaskFailed, Key: "a"})
	d.Send(Alert{Rule: RuleTaskFailed, Key: "b"})
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	slow.mu.Lock()
	got := len(slow.got)
	slow.mu.Unlock()
	if got != 3 { // a failed once, then a and b
		t.Fatalf("after Flush the notifier saw %d calls, want 3", got)
	}
	d.Send(Alert{Rule: RuleTaskFailed, Key: "c"}) // still open
	if err := d.Flush(context.Background()); err != nil || len(slow.got) != 4 {
		t.Fatalf("second flush: %v, %d calls", err, len(slow.got))
	}
	d.Close(context.Background())

	hung := &fakeNotifier{name: "hung", block: make(chan struct{})}
	d = NewDispatcher([]Notifier{hung}, nil, DispatchOptions{Logger: quietLogger(io.Discard)})
	d.Send(Alert{Rule: RuleTaskFailed, Key: "x"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := d.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("flush with a hung notifier: %v", err)
	}
	close(hung.block)
	d.Close(context.Background())
}
