package httpx

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"memepipe/pipeline"
)

// RateLimit is a provider's published budget for one client (an API key, an
// app). The zero value is unlimited.
type RateLimit struct {
	// Requests per Per, as the provider states it: Etherscan 3 per 1s, X
	// recent search 450 per 15m.
	Requests int           `json:"requests" koanf:"requests" yaml:"requests"`
	Per      time.Duration `json:"per" koanf:"per" yaml:"per"`
	// Burst is how many requests may leave at once after a quiet spell
	// (default 1). The refill rate is (Requests-Burst+1)/Per, so that no
	// window of length Per ever holds more than Requests requests, whatever
	// the burst.
	Burst int `json:"burst,omitempty" koanf:"burst" yaml:"burst,omitempty"`
	// Daily caps requests per UTC day (Etherscan free tier: 100,000); 0 is
	// none. The count is per process: it restarts with memepipe.
	Daily int `json:"daily,omitempty" koanf:"daily" yaml:"daily,omitempty"`
}

// The providers' published or observed limits (see FIELD.md).
var (
	// EtherscanFree: 3 calls/s and 100,000 calls/day per account.
	EtherscanFree = RateLimit{Requests: 3, Per: time.Second, Daily: 100_000}
	// XRecentSearch: GET /2/tweets/search/recent, 450 requests per 15
	// minutes per app (bearer token).
	XRecentSearch = RateLimit{Requests: 450, Per: 15 * time.Minute}
	// Yahoo publishes nothing; client libraries keep to about 2 requests
	// per 5 s, and more draws 429s and blocks.
	Yahoo = RateLimit{Requests: 2, Per: 5 * time.Second}
	// DexScreener: 300 requests per minute on the pairs endpoints.
	DexScreener = RateLimit{Requests: 300, Per: time.Minute}
	// Unlimited is for benchmarks and the simulator.
	Unlimited = RateLimit{}
)

// Unlimited reports whether l sets no per-period budget.
func (l RateLimit) unlimited() bool { return l.Requests <= 0 || l.Per <= 0 }

func (l RateLimit) burst() int {
	if l.Burst < 1 {
		return 1
	}
	if l.Burst > l.Requests {
		return l.Requests
	}
	return l.Burst
}

// Rate is the token bucket's refill rate in requests per second.
func (l RateLimit) Rate() rate.Limit {
	if l.unlimited() {
		return rate.Inf
	}
	return rate.Limit(float64(l.Requests-l.burst()+1) / l.Per.Seconds())
}

func (l RateLimit) String() string {
	if l.unlimited() && l.Daily <= 0 {
		return "unlimited"
	}
	var parts []string
	if !l.unlimited() {
		parts = append(parts, fmt.Sprintf("%d per %s", l.Requests, l.Per))
	}
	if l.Daily > 0 {
		parts = append(parts, fmt.Sprintf("%d per day", l.Daily))
	}
	return strings.Join(parts, ", ")
}

// ParseRateLimit reads a budget as written in config: "3/s", "450/15m",
// "2/5s", "100000/d" (a daily quota), several joined by commas
// ("3/s,100000/d"), or "unlimited" / "off" / "". A bare unit means one of it.
func ParseRateLimit(s string) (RateLimit, error) {
	var out RateLimit
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "off", "unlimited", "none":
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		n, per, ok := strings.Cut(part, "/")
		if !ok {
			return RateLimit{}, fmt.Errorf("rate limit %q: want REQUESTS/DURATION, e.g. 3/s, 450/15m or 100000/d", part)
		}
		req, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || req <= 0 {
			return RateLimit{}, fmt.Errorf("rate limit %q: requests must be a positive integer", part)
		}
		per = strings.TrimSpace(per)
		switch per {
		case "d", "1d", "day", "24h":
			out.Daily = req
			continue
		}
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per
		}
		d, err := time.ParseDuration(per)
		if err != nil || d <= 0 {
			return RateLimit{}, fmt.Errorf("rate limit %q: bad duration %q", part, per)
		}
		out.Requests, out.Per = req, d
	}
	return out, nil
}

// QuotaError says a daily quota is spent. It is transient: the task is
// retried once the quota resets.
type QuotaError struct {
	Name    string
	Limit   int
	ResetAt time.Time
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("%s: daily quota of %d requests spent; resets at %s", e.Name, e.Limit, e.ResetAt.UTC().Format(time.RFC3339))
}

// SharedBudget is a token bucket kept outside the process, so that every
// process spending one API key (Temporal workers, a serve and cron runs on
// one database) spends one budget: Take takes a token from the bucket
// named name (refilled at perSecond, holding at most burst) and returns how
// long the caller must wait before using it. The store implements it.
type SharedBudget interface {
	TakeRateToken(ctx context.Context, name string, perSecond float64, burst int) (time.Duration, error)
}

// limiter holds one client's budget: the token bucket (in process, or a
// SharedBudget), the daily quota, a pause the server asked for (429 with
// Retry-After, x-rate-limit-remaining 0), and per-host politeness delays.
type limiter struct {
	name      string
	limit     RateLimit
	hostDelay time.Duration
	shared    SharedBudget // nil: the bucket is this process's

	mu           sync.Mutex
	bucket       *rate.Limiter // nil: unlimited
	dayStart     time.Time
	dayUsed      int
	blockedUntil time.Time
	hosts        map[string]*rate.Limiter
}

func newLimiter(name string, l RateLimit, hostDelay time.Duration, shared SharedBudget) *limiter {
	lim := &limiter{name: name, limit: l, hostDelay: hostDelay, hosts: map[string]*rate.Limiter{}}
	switch {
	case l.unlimited():
	case shared != nil:
		lim.shared = shared
	default:
		lim.bucket = rate.NewLimiter(l.Rate(), l.burst())
	}
	return lim
}

// setHostDelay spaces requests to host by at least d (a robots.txt
// Crawl-delay longer than the configured politeness delay).
func (l *limiter) setHostDelay(host string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d = max(d, l.hostDelay)
	if d <= 0 {
		return
	}
	if hl := l.hosts[host]; hl != nil {
		hl.SetLimit(rate.Every(d))
		return
	}
	l.hosts[host] = rate.NewLimiter(rate.Every(d), 1)
}

// pauseUntil makes every request of the client wait until t.
func (l *limiter) pauseUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.blockedUntil) {
		l.blockedUntil = t
	}
}

// wait takes one request's budget for host, sleeping on clock as needed,
// and returns how long it waited.
func (l *limiter) wait(ctx context.Context, clock Clock, host string) (time.Duration, error) {
	var waited time.Duration
	for {
		now := clock.Now()
		l.mu.Lock()
		if l.limit.Daily > 0 {
			day := now.UTC().Truncate(24 * time.Hour)
			if !day.Equal(l.dayStart) {
				l.dayStart, l.dayUsed = day, 0
			}
			if l.dayUsed >= l.limit.Daily {
				l.mu.Unlock()
				return waited, pipeline.Transient(&QuotaError{Name: l.name, Limit: l.limit.Daily, ResetAt: day.Add(24 * time.Hour)})
			}
		}
		delay := l.blockedUntil.Sub(now)
		if delay > 0 {
			// The server asked for a pause: sleep it off, then look again
			// (the pause may have been extended meanwhile).
			l.mu.Unlock()
			if err := clock.Sleep(ctx, delay); err != nil {
				return waited, err
			}
			waited += delay
			continue
		}
		var reservations []*rate.Reservation
		if l.bucket != nil {
			reservations = append(reservations, l.bucket.ReserveN(now, 1))
		}
		if hl := l.hosts[host]; hl != nil || (l.hostDelay > 0 && host != "") {
			if hl == nil {
				hl = rate.NewLimiter(rate.Every(l.hostDelay), 1)
				l.hosts[host] = hl
			}
			reservations = append(reservations, hl.ReserveN(now, 1))
		}
		for _, r := range reservations {
			if d := r.DelayFrom(now); d > delay {
				delay = d
			}
		}
		if l.limit.Daily > 0 {
			l.dayUsed++
		}
		l.mu.Unlock()
		if l.shared != nil {
			// The shared bucket's token is not given back if the wait is
			// cancelled: a little budget lost, never overspent.
			d, err := l.shared.TakeRateToken(ctx, l.name, float64(l.limit.Rate()), l.limit.burst())
			if err != nil {
				l.mu.Lock()
				for _, r := range reservations {
					r.Cancel()
				}
				if l.limit.Daily > 0 {
					l.dayUsed--
				}
				l.mu.Unlock()
				return waited, pipeline.Transient(fmt.Errorf("%s: shared rate limit: %w", l.name, err))
			}
			delay = max(delay, d)
		}
		if delay <= 0 {
			return waited, nil
		}
		if err := clock.Sleep(ctx, delay); err != nil {
			cancelAt := clock.Now()
			l.mu.Lock()
			for _, r := range reservations {
				r.CancelAt(cancelAt)
			}
			if l.limit.Daily > 0 {
				l.dayUsed--
			}
			l.mu.Unlock()
			return waited, err
		}
		return waited + delay, nil
	}
}
