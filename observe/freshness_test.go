package observe

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"memepipe/alert"
	"memepipe/metrics"
	"memepipe/pipeline"
	"memepipe/store/memstore"
)

// A pipeline whose newest successful run is older than its window alerts
// `stale` once, and resolves when a new run succeeds.
func TestFreshnessStaleAndResolve(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cfg := alert.Config{Notifiers: []alert.NotifierConfig{{Name: "ops", Type: "webhook", URL: hook.URL}}, Routes: []alert.Route{{Notifiers: []string{"ops"}}}}
	st := memstore.New()
	al, err := NewAlerting(AlertingOptions{Config: cfg, Secret: func(string) (string, error) { return "", nil }, Store: nil,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	ctx := context.Background()
	addRun := func(hour int, ended time.Time) {
		iv := pipeline.Interval{Start: now.Add(time.Duration(hour) * time.Hour), End: now.Add(time.Duration(hour+1) * time.Hour)}
		r, _, err := st.CreateRun(ctx, pipeline.Run{Pipeline: "market", Interval: iv, State: pipeline.Queued, Trigger: pipeline.TriggerSchedule, CreatedAt: ended})
		if err != nil {
			t.Fatal(err)
		}
		r.State, r.StartedAt, r.EndedAt = pipeline.Success, &ended, &ended
		if err := st.UpdateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	addRun(-5, now.Add(-4*time.Hour))
	f := Freshness{Store: st, Windows: map[string]time.Duration{"market": 2 * time.Hour, "quiet": 0}, Alerts: al, Metrics: m}
	if err := f.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Check(ctx); err != nil { // still stale: no second message
		t.Fatal(err)
	}
	addRun(-1, now)
	if err := f.Check(ctx); err != nil {
		t.Fatal(err)
	}
	al.Close(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || !strings.Contains(bodies[0], `"rule":"stale"`) || !strings.Contains(bodies[0], `"status":"firing"`) ||
		!strings.Contains(bodies[0], "last refreshed 4h0m0s ago") || !strings.Contains(bodies[1], `"status":"resolved"`) {
		t.Fatalf("webhook bodies: %q", bodies)
	}
}
