package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/store"
)

// testRateBudget: a bucket gives its burst at once, then one token per
// 1/rate, each taker told its own wait, names independent; racing takers
// queue without two being given the same slot. The bucket refills on the
// database's clock while the test runs, so each expected wait may be
// shorter by up to the time elapsed.
func testRateBudget(t *testing.T, s store.Store) {
	ctx := context.Background()
	const rate = 2.0 // tokens a second
	start := time.Now()
	var waits []time.Duration
	for range 5 {
		w, err := s.TakeRateToken(ctx, "etherscan", rate, 3)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
	}
	slack := time.Since(start) + 10*time.Millisecond
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second}
	for i, w := range waits {
		if w > want[i] || w < want[i]-slack {
			t.Fatalf("take %d waits %s, want %s (less at most %s of refill); all %v", i+1, w, want[i], slack, waits)
		}
	}
	if w, err := s.TakeRateToken(ctx, "twitter", rate, 3); err != nil || w != 0 {
		t.Fatalf("another name: %s, %v", w, err)
	}
	if _, err := s.TakeRateToken(ctx, "", rate, 3); err == nil {
		t.Error("a nameless budget was accepted")
	}
	if _, err := s.TakeRateToken(ctx, "x", 0, 3); err == nil {
		t.Error("a zero rate was accepted")
	}

	// 20 takers at once on a fresh bucket of burst 1 at 10/s: the waits
	// are 0, 0.1 s, ... 1.9 s, one each.
	const n, fast = 20, 10.0
	start = time.Now()
	var (
		mu  sync.Mutex
		got []time.Duration
		wg  sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			w, err := s.TakeRateToken(ctx, "race", fast, 1)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, w)
			mu.Unlock()
		})
	}
	wg.Wait()
	slack = time.Since(start) + 10*time.Millisecond
	slices.Sort(got)
	if len(got) != n {
		t.Fatalf("%d takes answered", len(got))
	}
	for i, w := range got {
		ideal := time.Duration(float64(i) / fast * float64(time.Second))
		if w > ideal || w < ideal-slack {
			t.Fatalf("racing taker %d waits %s, want %s (less at most %s of refill); all %v", i, w, ideal, slack, got)
		}
	}
}
