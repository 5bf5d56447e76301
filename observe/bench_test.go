package observe

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/alert"
	"memepipe/engine"
	"memepipe/pipeline"
	"memepipe/store/sqlite"
)

// BenchmarkAlertingHandoff measures what alert evaluation costs the engine:
// a chain of 100 in-process tasks on a SQLite store, with no alerting and
// with 5 webhook notifiers on loopback and 10 routes evaluating every task
// end (conditions read from and written to the same SQLite file). One task
// in ten fails once and succeeds on retry, so the engine also retries.
//
//	go test ./observe -run '^$' -bench AlertingHandoff -benchtime 20x
func BenchmarkAlertingHandoff(b *testing.B) {
	for _, withAlerts := range []bool{false, true} {
		name := "none"
		if withAlerts {
			name = "10rules-5notifiers"
		}
		b.Run(name, func(b *testing.B) { benchAlerting(b, withAlerts) })
	}
}

func benchAlerting(b *testing.B, withAlerts bool) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	var al *Alerting
	if withAlerts {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
		defer srv.Close()
		cfg := alert.Config{RenotifyAfter: time.Hour}
		var names []string
		for i := 0; i < 5; i++ {
			n := fmt.Sprint("hook", i)
			names = append(names, n)
			cfg.Notifiers = append(cfg.Notifiers, alert.NotifierConfig{Name: n, Type: "webhook", URL: srv.URL + "/" + n})
		}
		for i := 0; i < 10; i++ {
			cfg.Routes = append(cfg.Routes, alert.Route{Notifiers: names[i%5 : i%5+1], Pipelines: []string{"bench*"}, Rules: []alert.Rule{alert.Rules[i%len(alert.Rules)]}})
		}
		if al, err = NewAlerting(AlertingOptions{Config: cfg, Secret: func(string) (string, error) { return "", nil }, Store: st, Logger: quiet}); err != nil {
			b.Fatal(err)
		}
		defer al.Close(context.Background())
	}

	var mu sync.Mutex
	var handoffs []time.Duration
	record := func(ev engine.Event) {
		if ev.Kind == engine.TaskStarted && !ev.ReadyAt.IsZero() {
			mu.Lock()
			handoffs = append(handoffs, ev.At.Sub(ev.ReadyAt))
			mu.Unlock()
		}
	}
	var failed sync.Map
	flaky := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		if tc.Task[len(tc.Task)-1] == '0' {
			if _, again := failed.LoadOrStore(tc.RunID+tc.Task, true); !again {
				return pipeline.Result{}, fmt.Errorf("first attempt of %s fails", tc.Task)
			}
		}
		return pipeline.Result{RecordsOut: 1}, nil
	})
	dag := &pipeline.DAG{Name: "bench"}
	for i := 0; i < 100; i++ {
		t := pipeline.Task{Name: fmt.Sprint("t", i), Runner: flaky, Retry: pipeline.RetryPolicy{Attempts: 2}}
		if i > 0 {
			t.DependsOn = []string{fmt.Sprint("t", i-1)}
		}
		dag.Tasks = append(dag.Tasks, t)
	}
	eng := engine.New(st, engine.Options{Logger: quiet,
		Observe: Fanout(record, al.Observer(map[string]*pipeline.DAG{"bench": dag}))})
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		iv := pipeline.Interval{Start: t0.Add(time.Duration(i) * time.Hour), End: t0.Add(time.Duration(i+1) * time.Hour)}
		if r, err := eng.Run(context.Background(), dag, iv, engine.RunOptions{}); err != nil || r.State != pipeline.Success {
			b.Fatalf("run: %v %s", err, r.State)
		}
	}
	b.StopTimer()
	slices.Sort(handoffs)
	q := func(p float64) float64 { return float64(handoffs[int(p*float64(len(handoffs)-1))].Microseconds()) }
	b.ReportMetric(q(0.5), "handoff-p50-µs")
	b.ReportMetric(q(0.99), "handoff-p99-µs")
}
