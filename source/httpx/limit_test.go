package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"memepipe/pipeline"
)

// maxInWindow returns the largest number of times in any half-open window
// [t, t+per).
func maxInWindow(times []time.Time, per time.Duration) int {
	sorted := append([]time.Time(nil), times...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	best, j := 0, 0
	for i := range sorted {
		for j < len(sorted) && sorted[j].Before(sorted[i].Add(per)) {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// TestRateLimitedSourceRunsAtItsLimitNeverAbove sends more requests than
// one window allows through each real budget and checks, on the fake clock
// the server stamps arrivals with, that no window of the provider's period
// ever holds more than its limit, and that the client does use the whole
// limit (the first window is full and the run takes no longer than the
// limit requires).
func TestRateLimitedSourceRunsAtItsLimitNeverAbove(t *testing.T) {
	cases := []struct {
		name  string
		limit RateLimit
		n     int
	}{
		{"X recent search 450/15m", XRecentSearch, 1000},
		{"Etherscan 3/s", RateLimit{Requests: 3, Per: time.Second}, 100},
		{"Yahoo 2/5s", Yahoo, 50},
		{"burst 10 of 60/min", RateLimit{Requests: 60, Per: time.Minute, Burst: 10}, 300},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Config{Limit: c.limit}, step{body: "ok"})
			for range c.n {
				if _, err := e.get(context.Background(), Request{}); err != nil {
					t.Fatal(err)
				}
			}
			if got := maxInWindow(e.s.times, c.limit.Per); got != c.limit.Requests {
				t.Fatalf("max requests in a %s window = %d, want exactly %d", c.limit.Per, got, c.limit.Requests)
			}
			// At the limit: the run takes what the budget requires, no more.
			rate := float64(c.limit.Requests-c.limit.burst()+1) / c.limit.Per.Seconds()
			want := time.Duration(float64(c.n-c.limit.burst()) / rate * float64(time.Second))
			got := e.s.times[len(e.s.times)-1].Sub(e.s.times[0])
			if got < want-time.Millisecond || got > want+time.Millisecond {
				t.Fatalf("%d requests took %s on the clock, want %s", c.n, got, want)
			}
		})
	}
}

func TestDailyQuota(t *testing.T) {
	e := newEnv(t, Config{Limit: RateLimit{Requests: 3, Per: time.Second, Daily: 5}}, step{body: "ok"})
	e.clock.Advance(11*time.Hour + 59*time.Minute) // 23:59 UTC
	for i := range 5 {
		if _, err := e.get(context.Background(), Request{}); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := e.get(context.Background(), Request{})
	var qe *QuotaError
	if !errors.As(err, &qe) || pipeline.IsPermanent(err) || e.s.count() != 5 {
		t.Fatalf("6th request: err=%v sent=%d", err, e.s.count())
	}
	if want := time.Date(2025, 2, 17, 0, 0, 0, 0, time.UTC); !qe.ResetAt.Equal(want) {
		t.Fatalf("quota resets at %s, want %s", qe.ResetAt, want)
	}
	e.clock.Advance(2 * time.Hour) // past UTC midnight
	if _, err := e.get(context.Background(), Request{}); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestHostPolitenessDelay(t *testing.T) {
	clock := NewFakeClock(t0)
	var arrivals = map[string][]time.Time{}
	mk := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrivals[name] = append(arrivals[name], clock.Now())
		}))
	}
	a, b := mk("a"), mk("b")
	defer a.Close()
	defer b.Close()
	c := New(Config{HostDelay: 5 * time.Second}, WithClock(clock))
	for range 3 {
		for _, u := range []string{a.URL, b.URL} {
			if _, err := c.Do(context.Background(), Request{URL: u}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, ts := range arrivals {
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < 5*time.Second {
				t.Fatalf("host %s: requests %s apart", name, gap)
			}
		}
	}
	// The other host is served in between, not held up.
	if !arrivals["b"][0].Equal(t0) || !arrivals["a"][1].Equal(t0.Add(5*time.Second)) {
		t.Fatalf("arrivals = %v", arrivals)
	}
}

func TestCancelWhileWaitingForBudgetGivesItBack(t *testing.T) {
	e := newEnv(t, Config{Limit: RateLimit{Requests: 1, Per: time.Minute}}, step{body: "ok"})
	if _, err := e.get(context.Background(), Request{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.get(ctx, Request{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// The cancelled reservation was returned: the next request waits one
	// period after the first, not two.
	if _, err := e.get(context.Background(), Request{}); err != nil {
		t.Fatal(err)
	}
	if gap := e.s.times[1].Sub(e.s.times[0]); gap != time.Minute {
		t.Fatalf("gap = %s", gap)
	}
}

func TestParseRateLimit(t *testing.T) {
	cases := map[string]RateLimit{
		"3/s":            {Requests: 3, Per: time.Second},
		"450/15m":        {Requests: 450, Per: 15 * time.Minute},
		"2/5s":           {Requests: 2, Per: 5 * time.Second},
		"3/s, 100000/d":  {Requests: 3, Per: time.Second, Daily: 100000},
		"off":            {},
		"":               {},
		"300/1m":         {Requests: 300, Per: time.Minute},
		"1/5s,100000/1d": {Requests: 1, Per: 5 * time.Second, Daily: 100000},
	}
	for in, want := range cases {
		got, err := ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"3", "x/s", "0/s", "3/fortnight", "-1/s"} {
		if _, err := ParseRateLimit(bad); err == nil {
			t.Errorf("ParseRateLimit(%q) accepted", bad)
		}
	}
}

// fakeBudget is a SharedBudget that hands out the waits it is given and
// records what it was asked.
type fakeBudget struct {
	waits []time.Duration
	err   error
	asked []string
}

func (f *fakeBudget) TakeRateToken(ctx context.Context, name string, perSecond float64, burst int) (time.Duration, error) {
	f.asked = append(f.asked, fmt.Sprintf("%s %.3f/s burst %d", name, perSecond, burst))
	if f.err != nil {
		return 0, f.err
	}
	w := f.waits[0]
	f.waits = f.waits[1:]
	return w, nil
}

// With a SharedBudget the client takes every token from it (and none from
// a bucket of its own) and waits what it says; a budget that fails is a
// transient error that spends nothing of the daily quota.
func TestSharedBudget(t *testing.T) {
	clock := NewFakeClock(t0)
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { arrivals = append(arrivals, clock.Now()) }))
	defer srv.Close()
	b := &fakeBudget{waits: []time.Duration{0, 0, 1500 * time.Millisecond, 0}}
	c := New(Config{Name: "etherscan", Limit: RateLimit{Requests: 5, Per: time.Second, Burst: 2, Daily: 10}}, WithClock(clock), WithSharedBudget(b))
	for range 4 {
		if _, err := c.Do(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Time{t0, t0, t0.Add(1500 * time.Millisecond), t0.Add(1500 * time.Millisecond)}
	if fmt.Sprint(arrivals) != fmt.Sprint(want) {
		t.Errorf("arrivals %v, want %v (the shared budget's waits, no bucket of the client's own)", arrivals, want)
	}
	if len(b.asked) != 4 || b.asked[0] != "etherscan 4.000/s burst 2" {
		t.Errorf("asked %q", b.asked)
	}
	b.err = errors.New("database is down")
	_, err := c.Do(context.Background(), Request{URL: srv.URL})
	if err == nil || pipeline.Classify(err) != pipeline.ClassTransient || len(arrivals) != 4 {
		t.Errorf("failing budget: %v (class %v), %d requests sent", err, pipeline.Classify(err), len(arrivals))
	}
	if c.lim.dayUsed != 4 {
		t.Errorf("daily quota used %d, want 4 (the failed take gives its request back)", c.lim.dayUsed)
	}
}
