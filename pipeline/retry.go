package pipeline

import (
	"math"
	"time"
)

// RetryPolicy says how often and how patiently a task is retried, in the
// shape of Temporal's retry policy.
type RetryPolicy struct {
	// Attempts is the total number of attempts, the first included; 1 means
	// no retries. Config's `retries: N` is Attempts = N+1.
	Attempts int `json:"attempts"`
	// InitialDelay is the wait before the second attempt.
	InitialDelay time.Duration `json:"initial_delay"`
	// MaxDelay caps the wait between attempts (0: no cap).
	MaxDelay time.Duration `json:"max_delay"`
	// Multiplier grows the wait after each failed attempt (< 1 is taken as 1).
	Multiplier float64 `json:"multiplier"`
	// Jitter is the fraction of the wait that is randomised, in [0, 1]: the
	// actual wait is uniform in [d*(1-Jitter), d]. It spreads retries of many
	// tasks hitting one rate-limited API so they do not come back in lockstep.
	Jitter float64 `json:"jitter"`
}

// DefaultRetryPolicy is used where a task sets nothing: one attempt.
var DefaultRetryPolicy = RetryPolicy{Attempts: 1, InitialDelay: 5 * time.Second, MaxDelay: 5 * time.Minute, Multiplier: 2, Jitter: 0.2}

// Backoff returns the wait before attempt next (2 for the first retry), given
// a source of uniform random numbers in [0, 1). The un-jittered delay is
// InitialDelay * Multiplier^(next-2), capped at MaxDelay.
func (p RetryPolicy) Backoff(next int, rand01 func() float64) time.Duration {
	if next < 2 {
		return 0
	}
	m := p.Multiplier
	if m < 1 {
		m = 1
	}
	d := float64(p.InitialDelay) * math.Pow(m, float64(next-2))
	if p.MaxDelay > 0 && d > float64(p.MaxDelay) {
		d = float64(p.MaxDelay)
	}
	// Clamp before jitter: with no MaxDelay, Pow overflows to +Inf after a
	// few hundred attempts, and Inf - Inf*x is NaN, which converts to a
	// negative Duration. float64(MaxInt64) rounds up to 2^63, which does not
	// fit either, hence >= and the largest float64 below it.
	const maxWait = float64(math.MaxInt64 - 1023) // 2^63 - 1024, exactly representable
	if d >= maxWait || math.IsNaN(d) {
		d = maxWait
	}
	if d < 0 {
		d = 0
	}
	j := math.Min(math.Max(p.Jitter, 0), 1)
	if j > 0 && rand01 != nil {
		r := math.Min(math.Max(rand01(), 0), 1)
		d -= d * j * r
	}
	return time.Duration(d)
}

// MoreAttempts reports whether an attempt numbered attempt (1-based) may be
// followed by another.
func (p RetryPolicy) MoreAttempts(attempt int) bool {
	n := p.Attempts
	if n < 1 {
		n = 1
	}
	return attempt < n
}
