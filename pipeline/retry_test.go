package pipeline

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoffDeterministic(t *testing.T) {
	p := RetryPolicy{Attempts: 10, InitialDelay: time.Second, MaxDelay: 10 * time.Second, Multiplier: 2, Jitter: 0.5}
	tests := []struct {
		next int
		r    float64
		want time.Duration
	}{
		{0, 0.9, 0}, // no wait before the first attempt
		{1, 0.9, 0},
		{2, 0, time.Second}, // r=0: the full delay
		{3, 0, 2 * time.Second},
		{4, 0, 4 * time.Second},
		{5, 0, 8 * time.Second},
		{6, 0, 10 * time.Second}, // capped at MaxDelay
		{60, 0, 10 * time.Second},
		{2, 0.5, 750 * time.Millisecond}, // 1s - 1s*0.5*0.5
		{6, 0.5, 7500 * time.Millisecond},
		{6, 1, 5 * time.Second}, // the lower bound d*(1-Jitter)
		{3, 2, 1 * time.Second}, // rand out of [0,1] is clamped to 1
		{3, -1, 2 * time.Second},
	}
	for _, tt := range tests {
		if got := p.Backoff(tt.next, func() float64 { return tt.r }); got != tt.want {
			t.Errorf("Backoff(%d, r=%v) = %v, want %v", tt.next, tt.r, got, tt.want)
		}
	}
}

// TestBackoffJitterBounds draws many waits and checks each lies in
// [d*(1-Jitter), d], and that jitter actually spreads them.
func TestBackoffJitterBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	policies := []RetryPolicy{
		{InitialDelay: 100 * time.Millisecond, MaxDelay: time.Minute, Multiplier: 2, Jitter: 0.2},
		{InitialDelay: time.Second, MaxDelay: 5 * time.Second, Multiplier: 3, Jitter: 1},
		{InitialDelay: 10 * time.Millisecond, Multiplier: 0.5, Jitter: 0.3}, // multiplier < 1 is 1
		{InitialDelay: time.Second, Multiplier: 2, Jitter: 7},               // jitter > 1 is 1
		{InitialDelay: time.Second, Multiplier: 2, Jitter: -1},              // jitter < 0 is 0
	}
	for _, p := range policies {
		for next := 2; next <= 8; next++ {
			m := math.Max(p.Multiplier, 1)
			full := float64(p.InitialDelay) * math.Pow(m, float64(next-2))
			if p.MaxDelay > 0 {
				full = math.Min(full, float64(p.MaxDelay))
			}
			j := math.Min(math.Max(p.Jitter, 0), 1)
			lo, hi := time.Duration(full*(1-j)), time.Duration(full)
			seen := map[time.Duration]bool{}
			for range 500 {
				got := p.Backoff(next, rng.Float64)
				if got < lo || got > hi {
					t.Fatalf("%+v Backoff(%d) = %v, outside [%v, %v]", p, next, got, lo, hi)
				}
				seen[got] = true
			}
			if j > 0 && len(seen) < 100 {
				t.Errorf("%+v Backoff(%d): only %d distinct waits in 500 draws; jitter is not spreading", p, next, len(seen))
			}
			if j == 0 && len(seen) != 1 {
				t.Errorf("%+v Backoff(%d): %d distinct waits without jitter", p, next, len(seen))
			}
		}
	}
}

// TestBackoffHuge covers the overflow cases: without MaxDelay the delay
// grows past what a Duration holds; it must saturate, never go negative.
func TestBackoffHuge(t *testing.T) {
	p := RetryPolicy{InitialDelay: time.Second, Multiplier: 10, Jitter: 0.5}
	for _, next := range []int{20, 400, 5000} {
		for _, r := range []float64{0, 0.5, 0.999} {
			got := p.Backoff(next, func() float64 { return r })
			if got <= 0 {
				t.Errorf("Backoff(%d, r=%v) = %v, want a large positive wait", next, r, got)
			}
			if next > 20 && got < time.Duration(math.MaxInt64/2)-time.Second {
				t.Errorf("Backoff(%d, r=%v) = %v, want near the maximum Duration", next, r, got)
			}
		}
	}
	if got := p.Backoff(5000, nil); got != time.Duration(math.MaxInt64-1023) {
		t.Errorf("Backoff(5000, nil) = %d, want %d", got, int64(math.MaxInt64-1023))
	}
	neg := RetryPolicy{InitialDelay: -time.Second, Multiplier: 2}
	if got := neg.Backoff(3, nil); got != 0 {
		t.Errorf("negative InitialDelay: Backoff = %v, want 0", got)
	}
}

func TestMoreAttempts(t *testing.T) {
	tests := []struct {
		attempts, attempt int
		want              bool
	}{
		{0, 1, false}, // zero is one attempt
		{1, 1, false},
		{3, 1, true},
		{3, 2, true},
		{3, 3, false},
		{3, 4, false},
	}
	for _, tt := range tests {
		if got := (RetryPolicy{Attempts: tt.attempts}).MoreAttempts(tt.attempt); got != tt.want {
			t.Errorf("Attempts=%d MoreAttempts(%d) = %v, want %v", tt.attempts, tt.attempt, got, tt.want)
		}
	}
}
