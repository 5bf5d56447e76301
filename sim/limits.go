package sim

import (
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Real limits the simulator enforces when Options.RateLimits is on.
const (
	// X API v2 recent search: 450 requests per 15-minute window per app.
	TwitterWindowLimit = 450
	TwitterWindow      = 15 * time.Minute
	// Etherscan free tier: 3 calls per second per key; without a key, one
	// call per 5 seconds.
	EtherscanPerSecond = 3
	// Yahoo publishes no limit; the simulator allows a burst of 20 and then
	// one request per second per client, well above the 2 per 5 s clients
	// throttle themselves to.
	YahooBurst     = 20
	YahooPerSecond = 1
)

type twWindow struct {
	start int64
	used  int
}

type limits struct {
	on    bool
	mu    sync.Mutex
	tw    map[[32]byte]*twWindow
	es    map[string]*rate.Limiter
	yahoo *rate.Limiter
}

func newLimits(on bool) *limits {
	return &limits{
		on:    on,
		tw:    map[[32]byte]*twWindow{},
		es:    map[string]*rate.Limiter{},
		yahoo: rate.NewLimiter(YahooPerSecond, YahooBurst),
	}
}

// twitter counts a request for the app (bearer token) and reports the
// x-rate-limit-* values and whether the request may proceed. The token is
// kept only as a hash.
func (l *limits) twitter(bearer string, now time.Time) (remaining int, reset int64, ok bool) {
	key := sha256.Sum256([]byte(bearer))
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.tw[key]
	win := int64(TwitterWindow / time.Second)
	if w == nil || now.Unix() >= w.start+win {
		w = &twWindow{start: now.Unix()}
		l.tw[key] = w
	}
	reset = w.start + win
	if w.used >= TwitterWindowLimit {
		if l.on {
			return 0, reset, false
		}
		return 0, reset, true
	}
	w.used++
	return TwitterWindowLimit - w.used, reset, true
}

func (l *limits) etherscan(apikey string, now time.Time) bool {
	if !l.on {
		return true
	}
	sum := sha256.Sum256([]byte(apikey))
	key := string(sum[:])
	l.mu.Lock()
	lim := l.es[key]
	if lim == nil {
		if apikey == "" {
			lim = rate.NewLimiter(rate.Every(5*time.Second), 1)
		} else {
			lim = rate.NewLimiter(EtherscanPerSecond, EtherscanPerSecond)
		}
		l.es[key] = lim
	}
	l.mu.Unlock()
	return lim.AllowN(now, 1)
}

func (l *limits) yahooAllow(now time.Time) bool {
	if !l.on {
		return true
	}
	return l.yahoo.AllowN(now, 1)
}
