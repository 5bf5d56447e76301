package scrape

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/source/sourcetest"
	"memepipe/watchlist"
)

var (
	t0 = time.Date(2025, 7, 10, 12, 0, 0, 0, time.UTC)
	iv = pipeline.Interval{Start: t0.Add(-time.Hour), End: t0}
)

func TestExtractRealCoinMarketCapPage(t *testing.T) {
	page := sourcetest.Sample(t, "html", "coinmarketcap_currencies_bitcoin.html")
	f, err := Extract(DefaultSites["coinmarketcap"], "https://coinmarketcap.com/currencies/bitcoin/", page)
	if err != nil {
		t.Fatal(err)
	}
	want := Fundamentals{MarketCap: "$1.26T", FDV: "$1.32T", TotalSupply: "20.05M BTC", CirculatingSupply: "20.05M BTC"}
	if f.MarketCap != want.MarketCap || f.FDV != want.FDV || f.TotalSupply != want.TotalSupply || f.CirculatingSupply != want.CirculatingSupply ||
		f.Holders != "" || f.Liquidity != "" || f.LaunchDate != "" {
		t.Fatalf("fundamentals = %+v", f)
	}
	links := strings.Join(f.Links, " ")
	for _, l := range []string{"https://bitcoin.org/", "https://github.com/bitcoin/bitcoin", "https://reddit.com/r/bitcoin", "https://blockchain.info/"} {
		if !strings.Contains(links, l) {
			t.Errorf("links lack %s: %v", l, f.Links)
		}
	}
	if f.Found() != 5 {
		t.Fatalf("found %d fields", f.Found())
	}
	// The listing page is not a currency page: nothing matches.
	g, err := Extract(DefaultSites["coinmarketcap"], "https://coinmarketcap.com/", sourcetest.Sample(t, "html", "coinmarketcap_homepage_listing.html"))
	if err != nil || g.MarketCap != "" || g.FDV != "" {
		t.Fatalf("listing page: %+v %v", g, err)
	}
}

func TestParseAmount(t *testing.T) {
	cases := map[string]float64{
		"$1.26T": 1.26e12, "20.05M BTC": 20.05e6, "$20.53B": 20.53e9, "1,234,567": 1234567,
		"$0.0000123": 0.0000123, "95.5%": 95.5, "12.3K": 12300, "5 BTC": 5, "  $879,284.45 ": 879284.45,
	}
	for in, want := range cases {
		got, err := ParseAmount(in)
		if err != nil || got < want*0.999999 || got > want*1.000001 {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "N/A", "--"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
}

// site serves robots.txt, two currency pages and DexScreener.
type site struct {
	t        *testing.T
	mu       sync.Mutex
	robots   string
	robotsSt int
	page     []byte
	pairs    []byte
	clock    *httpx.FakeClock
	hits     map[string][]time.Time
	override func(path string, n int) (int, []byte, bool)
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[r.URL.Path] = append(s.hits[r.URL.Path], s.clock.Now())
	if s.override != nil {
		if st, b, ok := s.override(r.URL.Path, len(s.hits[r.URL.Path])); ok {
			w.WriteHeader(st)
			w.Write(b)
			return
		}
	}
	switch {
	case r.URL.Path == "/robots.txt":
		if s.robotsSt != 0 {
			w.WriteHeader(s.robotsSt)
		}
		w.Write([]byte(s.robots))
	case strings.HasPrefix(r.URL.Path, "/currencies/"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(s.page)
	case strings.HasPrefix(r.URL.Path, "/latest/dex/pairs/"):
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.pairs)
	default:
		w.WriteHeader(404)
	}
}

type fixture struct {
	site  *site
	srv   *httptest.Server
	c     *Collector
	zone  *raw.Zone
	marks *sourcetest.Watermarks
	clock *httpx.FakeClock
	token watchlist.Token
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := httpx.NewFakeClock(t0.Add(time.Minute))
	s := &site{t: t, clock: clock, hits: map[string][]time.Time{},
		robots: "User-agent: *\nDisallow: /currencies/secret/\nAllow: /\n",
		page:   sourcetest.Sample(t, "html", "coinmarketcap_currencies_bitcoin.html"),
		pairs:  sourcetest.Sample(t, "dexscreener", "dexscreener_pairs_babydojo_injective.json")}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	f := &fixture{site: s, srv: srv, zone: sourcetest.MemZone(t), marks: sourcetest.NewWatermarks(), clock: clock}
	cfg := DefaultConfig()
	cfg.DexScreener.BaseURL = srv.URL
	cfg.HTTP.Retry.Attempts, cfg.DexScreener.HTTP.Retry.Attempts = 2, 2
	col, err := New(cfg, source.Deps{Zone: f.zone, Watermarks: f.marks, HTTPClient: srv.Client(), Clock: clock, Logger: (&sourcetest.Logs{}).Logger()})
	if err != nil {
		t.Fatal(err)
	}
	f.c = col
	f.token = watchlist.Token{Symbol: "BABYDOJO", Chain: "injective", Pair: "inj17ufy5gqw33t0prwhkwa6ensv0jpj3xfvylgx8j",
		Pages: map[string]string{"coinmarketcap": srv.URL + "/currencies/bitcoin/"}}
	return f
}

func TestCollectPagesAndPair(t *testing.T) {
	f := newFixture(t)
	st, err := f.c.Collect(context.Background(), f.token, iv)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 2 || st.Records != 5+2 || st.RawNew != 2 {
		t.Fatalf("stats = %+v", st)
	}
	if len(f.site.hits["/robots.txt"]) != 1 || len(f.site.hits["/latest/dex/pairs/injective/inj17ufy5gqw33t0prwhkwa6ensv0jpj3xfvylgx8j"]) != 1 {
		t.Fatalf("hits = %v", f.site.hits)
	}
	for src, n := range map[string]int{"scrape.coinmarketcap": 1, SourceDexScreener: 1} {
		keys, _ := f.zone.Keys(context.Background(), raw.Filter{Source: src, Interval: iv})
		if len(keys) != n {
			t.Fatalf("%s: %v", src, keys)
		}
		obj, _ := f.zone.Get(context.Background(), keys[0])
		if (src == SourceDexScreener && string(obj.Body) != string(f.site.pairs)) || (src != SourceDexScreener && len(obj.Body) != len(f.site.page)) {
			t.Fatalf("%s body not kept as served", src)
		}
	}
	if f.marks.Get("scrape.coinmarketcap", f.token.Key()) != "2025-07-10T12:00:00Z" {
		t.Fatalf("watermarks: %s", f.marks.Dump())
	}
}

func TestPolitenessDelayAndRobots(t *testing.T) {
	f := newFixture(t)
	f.token.Pair = ""
	base := f.srv.URL
	ctx := context.Background()
	for _, p := range []string{"/currencies/bitcoin/", "/currencies/ethereum/", "/currencies/secret/x"} {
		st, err := f.c.Page(ctx, f.token, iv, "coinmarketcap", base+p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p, "secret") && (st.Requests != 0 || !strings.Contains(strings.Join(st.Notes, ""), "disallows")) {
			t.Fatalf("disallowed page: %+v", st)
		}
	}
	if len(f.site.hits["/currencies/secret/x"]) != 0 {
		t.Fatal("fetched a page robots.txt disallows")
	}
	// robots.txt once; then the two pages, each 5 s after the previous request to the host.
	all := append(append(f.site.hits["/robots.txt"], f.site.hits["/currencies/bitcoin/"]...), f.site.hits["/currencies/ethereum/"]...)
	for i := 1; i < len(all); i++ {
		if gap := all[i].Sub(all[i-1]); gap != 5*time.Second {
			t.Fatalf("requests %d and %d to one host %s apart, want 5s", i-1, i, gap)
		}
	}
}

func TestCrawlDelayRaisesSpacing(t *testing.T) {
	f := newFixture(t)
	f.site.robots = "User-agent: memepipe\nCrawl-delay: 12\nDisallow:\n"
	for _, p := range []string{"/currencies/a/", "/currencies/b/"} {
		if _, err := f.c.Page(context.Background(), f.token, iv, "coinmarketcap", f.srv.URL+p); err != nil {
			t.Fatal(err)
		}
	}
	if gap := f.site.hits["/currencies/b/"][0].Sub(f.site.hits["/currencies/a/"][0]); gap != 12*time.Second {
		t.Fatalf("gap = %s, want the 12 s crawl-delay", gap)
	}
}

func TestScrapeErrors(t *testing.T) {
	wall := []byte(`<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>`)
	cases := []struct {
		name      string
		path      string
		status    int
		body      []byte
		recovers  bool
		permanent bool
		inErr     string
	}{
		{"bot wall then page", "/currencies/bitcoin/", 200, wall, true, false, ""},
		{"502 then page", "/currencies/bitcoin/", 502, wall, true, false, ""},
		{"robots.txt 503 then ok", "/robots.txt", 503, nil, true, false, ""},
		{"robots.txt 404 allows", "/robots.txt", 404, nil, true, false, ""},
		{"dexscreener 429 then ok", "/latest/dex/pairs/injective/inj17ufy5gqw33t0prwhkwa6ensv0jpj3xfvylgx8j", 429, nil, true, false, ""},
		{"dexscreener truncated", "/latest/dex/pairs/injective/inj17ufy5gqw33t0prwhkwa6ensv0jpj3xfvylgx8j", 200, []byte(`{"schemaVersion":"1.0.0","pairs":[{"chainId":"inj`), true, false, ""},
		{"dexscreener missing fields", "/latest/dex/pairs/injective/inj17ufy5gqw33t0prwhkwa6ensv0jpj3xfvylgx8j", 200, []byte(`{"schemaVersion":"1.0.0","pairs":[{"chainId":"injective"}]}`), false, true, `missing field "pairAddress"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.site.override = func(path string, n int) (int, []byte, bool) {
				if path == c.path && (n == 1 || !c.recovers) {
					return c.status, c.body, true
				}
				return 0, nil, false
			}
			st, err := f.c.Collect(context.Background(), f.token, iv)
			if c.recovers {
				if err != nil || st.Requests != 2 {
					t.Fatalf("stats=%+v err=%v", st, err)
				}
				return
			}
			if err == nil || pipeline.IsPermanent(err) != c.permanent || !strings.Contains(err.Error(), c.inErr) {
				t.Fatalf("err = %v", err)
			}
			var be *httpx.BodyError
			if errors.As(err, &be) && be.RawKey == "" {
				t.Fatal("bad page not kept")
			}
		})
	}
	// robots.txt unreachable for good: transient failure, page not fetched.
	f := newFixture(t)
	f.site.override = func(path string, n int) (int, []byte, bool) { return 503, nil, path == "/robots.txt" }
	_, err := f.c.Collect(context.Background(), f.token, iv)
	if err == nil || pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "robots.txt") || len(f.site.hits["/currencies/bitcoin/"]) != 0 {
		t.Fatalf("err = %v, page hits %d", err, len(f.site.hits["/currencies/bitcoin/"]))
	}
	// An unknown pair: DexScreener answers "pairs": null, an empty result.
	f = newFixture(t)
	f.site.pairs = []byte(`{"schemaVersion":"1.0.0","pairs":null}`)
	st, err := f.c.Pair(context.Background(), f.token, iv)
	if err != nil || st.Records != 0 || st.RawNew != 1 {
		t.Fatalf("null pairs: %+v %v", st, err)
	}
	// A page for a site without selectors is a config error.
	_, err = f.c.Page(context.Background(), f.token, iv, "nosuchsite", f.srv.URL+"/currencies/x/")
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "no selectors") {
		t.Fatalf("unknown site: %v", err)
	}
}
