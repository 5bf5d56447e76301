package sim

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"memepipe/watchlist"
)

// Options configure a simulator.
type Options struct {
	// Seed makes the market: the same seed (and build hour) gives
	// byte-identical answers.
	Seed int64
	// Tokens is the number of tokens in the market; 0 means 50.
	Tokens int
	// Faults is the probability in [0,1] that a request gets an injected
	// fault (see the package comment).
	Faults float64
	// Now is the clock; nil means time.Now. The market window is fixed from
	// Now() at New; later calls bound which data is visible.
	Now func() time.Time
	// RateLimits turns on each API's rate limits, answered the way the real
	// API answers them.
	RateLimits bool
	// SlowDelay is how long a "slow" fault holds the response (or until the
	// client gives up); 0 means 40 s, past the usual client timeouts.
	SlowDelay time.Duration
}

// DefaultTokens is the market size when Options.Tokens is 0.
const DefaultTokens = 50

// Sim is a simulator: a market and the HTTP APIs over it. It is safe for
// concurrent use.
type Sim struct {
	opts    Options
	m       *market
	cache   *lru
	faults  *faults
	limits  *limits
	handler http.Handler

	cookieSeq atomic.Uint64 // Yahoo session cookies handed out
}

// New builds a simulator. Building is cheap: each token's history is
// computed on first use.
func New(opts Options) *Sim {
	if opts.Tokens <= 0 {
		opts.Tokens = DefaultTokens
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 40 * time.Second
	}
	if opts.Faults < 0 {
		opts.Faults = 0
	}
	if opts.Faults > 1 {
		opts.Faults = 1
	}
	s := &Sim{
		opts:  opts,
		m:     buildMarket(uint64(opts.Seed), opts.Tokens, opts.Now()),
		cache: newLRU(16384),
	}
	s.faults = &faults{rate: opts.Faults, r: rand.New(rand.NewPCG(uint64(opts.Seed), 0xfa17)), slow: opts.SlowDelay}
	s.limits = newLimits(opts.RateLimits)
	s.handler = s.routes()
	return s
}

// Options returns the options in effect (defaults filled in).
func (s *Sim) Options() Options { return s.opts }

// Handler is the HTTP handler of every simulated API.
func (s *Sim) Handler() http.Handler { return s.handler }

// now is the current time in unix seconds.
func (s *Sim) now() int64 { return s.opts.Now().Unix() }

// Serve listens on addr ("127.0.0.1:0" picks a free port) and serves until
// ctx is done. It returns the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Sim) Serve(ctx context.Context, addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sim: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}()
	// Serve only fails once the listener breaks or is closed at shutdown;
	// either way the caller's context owns the server's life.
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// BaseURLs are each source's base URL on a simulator server.
type BaseURLs struct {
	Twitter     string `json:"twitter"`
	Yahoo       string `json:"yahoo"`
	YahooCookie string `json:"yahoo_cookie"`
	Etherscan   string `json:"etherscan"`
	DexScreener string `json:"dexscreener"`
	Pages       string `json:"pages"`
}

// URLs returns the base URL of each source on the server at server (as
// returned by Serve or httptest.Server.URL), in the form the config's
// sources.*.base_url takes: the API root for X and Yahoo, the whole
// endpoint for Etherscan (like https://api.etherscan.io/v2/api, so add
// chainid=1), the cookie URL for Yahoo's crumb flow.
func URLs(server string) BaseURLs {
	server = strings.TrimRight(server, "/")
	return BaseURLs{
		Twitter:     server + "/twitter",
		Yahoo:       server + "/yahoo",
		YahooCookie: server + "/yahoo/fc",
		Etherscan:   server + "/etherscan/v2/api",
		DexScreener: server + "/dexscreener",
		Pages:       server + "/pages",
	}
}

// PageSite is the site name of the fundamentals pages in Token.Pages: the
// simulator's pages are shaped like CoinMarketCap's.
const PageSite = "coinmarketcap"

// Watchlist is the market's tokens as a watchlist. Pages hold the path of
// each token's fundamentals page (join it to the server URL, or use
// WatchlistAt).
func (s *Sim) Watchlist() watchlist.List { return s.WatchlistAt("") }

// WatchlistAt is Watchlist with absolute page URLs on the given server.
func (s *Sim) WatchlistAt(server string) watchlist.List {
	server = strings.TrimRight(server, "/")
	out := make(watchlist.List, 0, len(s.m.tokens))
	for _, t := range s.m.tokens {
		out = append(out, watchlist.Token{
			Symbol:      t.Symbol,
			Name:        t.Name,
			Chain:       "ethereum",
			Address:     ChecksumAddress(t.Address),
			Decimals:    t.Decimals,
			Pair:        ChecksumAddress(t.Pair),
			QuoteSymbol: "WETH",
			YahooTicker: t.YahooTicker,
			Pages:       map[string]string{PageSite: server + "/pages/currencies/" + t.Slug + "/"},
			LaunchBlock: blockAtOrAfter(t.launch),
		})
	}
	return out
}

func (s *Sim) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.faults.wrap(h)) }
	api("GET /twitter/2/tweets/search/recent", s.twitterSearch)
	api("GET /yahoo/fc", s.yahooCookie)
	// The API root hands out the session cookie too, so a client pointed
	// at one base URL (yahoo.Config.PointAt, as for a proxy) needs nothing
	// else.
	api("GET /yahoo/{$}", s.yahooCookie)
	api("GET /yahoo/v1/test/getcrumb", s.yahooCrumb)
	api("GET /yahoo/v8/finance/chart/{ticker}", s.yahooChart)
	api("GET /yahoo/v10/finance/quoteSummary/{ticker}", s.yahooQuoteSummary)
	api("GET /etherscan/api", s.etherscan)
	api("GET /etherscan/v2/api", s.etherscan)
	api("GET /dexscreener/latest/dex/pairs/{chain}/{pairs}", s.dexPairs)
	api("GET /pages/currencies/{slug}/", s.page)
	api("GET /pages/currencies/{slug}", s.page)
	mux.HandleFunc("GET /robots.txt", s.robots)
	mux.HandleFunc("GET /pages/robots.txt", s.robots)
	mux.HandleFunc("GET /sim/truth", s.truthHandler)
	mux.HandleFunc("GET /sim/watchlist", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.WatchlistAt(serverURL(r)))
	})
	return mux
}

func serverURL(r *http.Request) string { return "http://" + r.Host }

// faults injects failures in front of the APIs. Decisions come from one
// seeded stream in request order.
type faults struct {
	mu   sync.Mutex
	rate float64
	r    *rand.Rand
	slow time.Duration
}

type faultKind int

const (
	faultNone faultKind = iota
	fault500
	fault502
	fault503
	faultSlow
	faultTruncate
	faultHTML
)

func (f *faults) draw() faultKind {
	if f.rate <= 0 {
		return faultNone
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.r.Float64() >= f.rate {
		return faultNone
	}
	return faultKind(1 + f.r.IntN(6))
}

// bufferedWriter captures a handler's answer so a fault can reshape it.
type bufferedWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.h }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (f *faults) wrap(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := f.draw()
		switch kind {
		case fault500:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "Internal Server Error\n")
			return
		case fault502:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
			return
		case fault503:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>\n")
			return
		case faultHTML:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title><meta http-equiv=\"refresh\" content=\"35\"></head><body><noscript>Enable JavaScript and cookies to continue</noscript><div id=\"challenge\">Checking if the site connection is secure</div></body></html>\n")
			return
		case faultSlow:
			t := time.NewTimer(f.slow)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if kind != faultTruncate {
			h(w, r)
			return
		}
		bw := &bufferedWriter{h: w.Header()}
		h(bw, r)
		body := bw.body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if bw.status == 0 {
			bw.status = http.StatusOK
		}
		w.WriteHeader(bw.status)
		w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		// Abort the connection: the client sees fewer bytes than promised.
		panic(http.ErrAbortHandler)
	})
}
