package tasks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/config"
	"memepipe/raw"
	"memepipe/source/httpx"
)

// With shared_rate_limits the collectors' clients of two processes (two
// Deps on one database) spend one budget: 10 requests at 20/s (burst 1)
// through two clients take at least 9/20 s, where two budgets of their own
// would let them through in half that.
func TestSharedRateLimitsAcrossProcesses(t *testing.T) {
	st := tempStore(t)
	var (
		mu       sync.Mutex
		arrivals []time.Time
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	zone, err := raw.Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer zone.Close()
	cfg := &config.Config{SharedRateLimits: true}
	limit := httpx.Config{Name: "etherscan", Limit: httpx.RateLimit{Requests: 20, Per: time.Second, Burst: 1}}
	var wg sync.WaitGroup
	for range 2 { // two processes
		sd, err := Deps{Config: cfg, Store: st, Raw: zone}.sourceDeps()
		if err != nil {
			t.Fatal(err)
		}
		if sd.Budget == nil {
			t.Fatal("shared_rate_limits set, but the collectors get no shared budget")
		}
		c := sd.Client(limit, srv.Client())
		wg.Go(func() {
			for range 5 {
				if _, err := c.Do(context.Background(), httpx.Request{URL: srv.URL}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	if len(arrivals) != 10 {
		t.Fatalf("%d requests arrived", len(arrivals))
	}
	if span := arrivals[9].Sub(arrivals[0]); span < 430*time.Millisecond {
		t.Errorf("10 requests in %s: the two clients did not share the 20/s budget (shared: at least 450 ms)", span)
	}
	if sd, _ := (Deps{Config: &config.Config{}, Store: st, Raw: zone}).sourceDeps(); sd.Budget != nil {
		t.Error("a shared budget without shared_rate_limits")
	}
}
