package yahoo

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	btc = watchlist.Token{Symbol: "BTC", YahooTicker: "BTC-USD"}
	// The chart sample covers 2020-01-01..2020-01-03.
	iv = pipeline.Interval{Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 1, 3, 0, 0, 0, 0, time.UTC)}
)

func body(t *testing.T, name string) []byte { return sourcetest.Sample(t, "yahoo", "bodies", name) }

// fakeYahoo mimics the endpoints and the session handshake: "/" sets the
// A3 cookie (answering 404, as fc.yahoo.com does), /v1/test/getcrumb
// answers the crumb for a request carrying the cookie, and quoteSummary
// refuses a missing or stale crumb with 401 "Invalid Crumb".
type fakeYahoo struct {
	t     *testing.T
	mu    sync.Mutex
	crumb string
	paths []string
	// chart and quote answer by ticker; override, when set, answers first.
	chart      map[string][]byte
	quote      map[string][]byte
	override   func(r *http.Request, n int) (int, []byte, bool)
	handshakes int
	requests   []*url.URL
}

func (f *fakeYahoo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	f.requests = append(f.requests, r.URL)
	if f.override != nil {
		if status, b, ok := f.override(r, len(f.requests)); ok {
			w.WriteHeader(status)
			w.Write(b)
			return
		}
	}
	_, cookieErr := r.Cookie("A3")
	switch {
	case r.URL.Path == "/":
		f.handshakes++
		http.SetCookie(w, &http.Cookie{Name: "A3", Value: "d=AQABBCANARYcookie", Path: "/"})
		w.WriteHeader(404)
	case r.URL.Path == "/v1/test/getcrumb":
		if cookieErr != nil {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		w.Write([]byte(f.crumb))
	case strings.HasPrefix(r.URL.Path, "/v8/finance/chart/"):
		b, ok := f.chart[strings.TrimPrefix(r.URL.Path, "/v8/finance/chart/")]
		if !ok {
			w.WriteHeader(404)
			w.Write([]byte(`{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Write(b)
	case strings.HasPrefix(r.URL.Path, "/v10/finance/quoteSummary/"):
		if cookieErr != nil || r.URL.Query().Get("crumb") != f.crumb {
			w.WriteHeader(401)
			w.Write([]byte(`{"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Crumb"}}}`))
			return
		}
		b := f.quote[strings.TrimPrefix(r.URL.Path, "/v10/finance/quoteSummary/")]
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		if bytes.Contains(b, []byte("No fundamentals data found")) {
			w.WriteHeader(404)
		}
		w.Write(b)
	default:
		f.t.Errorf("unexpected %s", r.URL)
		w.WriteHeader(500)
	}
}

type fixture struct {
	api   *fakeYahoo
	c     *Collector
	zone  *raw.Zone
	marks *sourcetest.Watermarks
	logs  *sourcetest.Logs
	clock *httpx.FakeClock
}

func newFixture(t *testing.T, cfg func(*Config)) *fixture {
	t.Helper()
	crumb := strings.TrimSpace(string(body(t, "getCrumb-getcrumb.txt")))
	api := &fakeYahoo{t: t, crumb: crumb,
		chart: map[string][]byte{"BTC-USD": body(t, "chart-BTC-USD-2020-01-01-to-2020-01-03.json")},
		quote: map[string][]byte{"BTC-USD": body(t, "quoteSummary-all-BTC-USD.json"), "DOGE-USD": body(t, "quoteSummary-majorHoldersBreakdown-BTC-USD.json")}}
	hs := httptest.NewServer(api)
	t.Cleanup(hs.Close)
	f := &fixture{api: api, zone: sourcetest.MemZone(t), marks: sourcetest.NewWatermarks(), logs: &sourcetest.Logs{}, clock: httpx.NewFakeClock(iv.End.Add(time.Hour))}
	c := DefaultConfig().PointAt(hs.URL)
	c.HTTP.Retry.Attempts = 2
	if cfg != nil {
		cfg(&c)
	}
	col, err := New(c, source.Deps{Zone: f.zone, Watermarks: f.marks, HTTPClient: hs.Client(), Clock: f.clock, Logger: f.logs.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	f.c = col
	return f
}

func TestChartReplaysRealSample(t *testing.T) {
	f := newFixture(t, nil)
	st, err := f.c.Chart().Collect(context.Background(), btc, iv)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 1 || st.Records != 3 || st.RawNew != 1 {
		t.Fatalf("stats = %+v", st)
	}
	q := f.api.requests[0].Query()
	if f.api.requests[0].Path != "/v8/finance/chart/BTC-USD" || q.Get("period1") != "1577836800" || q.Get("period2") != "1578009599" ||
		q.Get("interval") != "1h" || q.Get("events") != "div|split" {
		t.Fatalf("request = %s", f.api.requests[0])
	}
	obj, err := f.zone.Get(context.Background(), st.RawKeys[0])
	if err != nil || !bytes.Equal(obj.Body, body(t, "chart-BTC-USD-2020-01-01-to-2020-01-03.json")) || obj.Source != SourceChart {
		t.Fatalf("raw = %+v %v", obj.Meta, err)
	}
	if got := f.marks.Get(SourceChart, btc.Key()); got != "2020-01-03T00:00:00Z" {
		t.Fatalf("watermark = %q", got)
	}
	// No session needed for charts.
	if f.api.handshakes != 0 {
		t.Fatal("chart did the crumb handshake")
	}
}

func TestChartSplitsLongSpans(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Interval = "1m" })
	ten := pipeline.Interval{Start: iv.Start, End: iv.Start.Add(10 * 24 * time.Hour)}
	if _, err := f.c.Chart().Collect(context.Background(), btc, ten); err != nil {
		t.Fatal(err)
	}
	if len(f.api.requests) != 2 {
		t.Fatalf("%d requests", len(f.api.requests))
	}
	q1, q2 := f.api.requests[0].Query(), f.api.requests[1].Query()
	if q1.Get("period2") != "1578441599" || q2.Get("period1") != "1578441600" || q2.Get("period2") != "1578700799" {
		t.Fatalf("pieces: %s..%s, %s..%s", q1.Get("period1"), q1.Get("period2"), q2.Get("period1"), q2.Get("period2"))
	}
}

func TestChartNullsAreFineMisalignedArraysAreNot(t *testing.T) {
	f := newFixture(t, nil)
	withNull := bytes.Replace(body(t, "chart-BTC-USD-2020-01-01-to-2020-01-03.json"), []byte(`"volume": [`), []byte(`"volume": [null, `), 1)
	f.api.chart["BTC-USD"] = withNull
	_, err := f.c.Chart().Collect(context.Background(), btc, iv)
	if err == nil || !strings.Contains(err.Error(), "volume has 4 entries for 3 timestamps") {
		t.Fatalf("misaligned arrays: %v", err)
	}
	// Replace a value by null, keeping the length: accepted (the cleaner drops the bar).
	f2 := newFixture(t, nil)
	b := body(t, "chart-BTC-USD-2020-01-01-to-2020-01-03.json")
	i := bytes.Index(b, []byte(`"volume": [`)) + len(`"volume": [`)
	j := i + bytes.IndexByte(b[i:], ',')
	f2.api.chart["BTC-USD"] = append(append(append([]byte{}, b[:i]...), "null"...), b[j:]...)
	if st, err := f2.c.Chart().Collect(context.Background(), btc, iv); err != nil || st.Records != 3 {
		t.Fatalf("null bar: %+v %v", st, err)
	}
}

func TestQuoteCookieCrumbFlow(t *testing.T) {
	f := newFixture(t, nil)
	st, err := f.c.Quote().Collect(context.Background(), btc, iv)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.api.paths, " "); got != "/ /v1/test/getcrumb /v10/finance/quoteSummary/BTC-USD" {
		t.Fatalf("request order: %s", got)
	}
	q := f.api.requests[2].Query()
	if q.Get("modules") != "price,summaryDetail,majorHoldersBreakdown,institutionOwnership" || q.Get("crumb") != f.api.crumb {
		t.Fatalf("quoteSummary query = %v", q)
	}
	if st.Records != 5 || st.RawNew != 1 {
		t.Fatalf("stats = %+v", st)
	}
	// The crumb is reused, not fetched per request.
	if _, err := f.c.Quote().Collect(context.Background(), btc, iv); err != nil || f.api.handshakes != 1 {
		t.Fatalf("second quote: %v, handshakes=%d", err, f.api.handshakes)
	}
	// Only the quote pages are kept: the crumb and cookie are credentials.
	keys, _ := f.zone.Keys(context.Background(), raw.Filter{})
	if len(keys) != 1 {
		t.Fatalf("raw keys = %v", keys)
	}
	for _, secret := range []string{f.api.crumb, "CANARYcookie"} {
		sourcetest.AssertZoneClean(t, f.zone, secret)
		sourcetest.AssertNoSecret(t, secret, "logs", f.logs.String())
	}
}

func TestQuoteRenewsStaleCrumb(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.c.Quote().Collect(context.Background(), btc, iv); err != nil {
		t.Fatal(err)
	}
	f.api.mu.Lock()
	f.api.crumb = "n3wCrumbXyz"
	f.api.mu.Unlock()
	if _, err := f.c.Quote().Collect(context.Background(), btc, iv); err != nil {
		t.Fatal(err)
	}
	if f.api.handshakes != 2 {
		t.Fatalf("handshakes = %d", f.api.handshakes)
	}
	sourcetest.AssertNoSecret(t, "n3wCrumbXyz", "logs", f.logs.String())
}

func TestQuoteNoFundamentalsIsEmpty(t *testing.T) {
	f := newFixture(t, nil)
	doge := watchlist.Token{Symbol: "DOGE", YahooTicker: "DOGE-USD"}
	st, err := f.c.Quote().Collect(context.Background(), doge, iv)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 0 || st.Requests != 1 || st.RawNew != 1 {
		t.Fatalf("stats = %+v", st)
	}
	obj, _ := f.zone.Get(context.Background(), st.RawKeys[0])
	if obj.Status != 404 {
		t.Fatalf("kept status %d", obj.Status)
	}
}

func TestErrors(t *testing.T) {
	html := []byte("<!doctype html><html><head><title>Yahoo</title></head><body>Will be right back...</body></html>")
	cases := []struct {
		name      string
		status    int
		body      []byte
		recovers  bool
		permanent bool
		inErr     []string
	}{
		{"429 then success", 429, []byte("Too Many Requests\r\n"), true, false, nil},
		{"502 then success", 502, html, true, false, nil},
		{"HTML page", 200, html, true, false, nil},
		{"truncated", 200, body(t, "chart-BTC-USD-2020-01-01-to-2020-01-03.json")[:900], true, false, nil},
		{"missing meta", 200, []byte(`{"chart":{"result":[{"timestamp":[]}],"error":null}}`), false, true, []string{"meta.symbol", "raw _rejected/yahoo.chart/"}},
		{"another symbol", 200, body(t, "chart-AAPL.json"), false, true, []string{"chart is for AAPL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.api.override = func(r *http.Request, n int) (int, []byte, bool) { return c.status, c.body, n == 1 }
			st, err := f.c.Chart().Collect(context.Background(), btc, iv)
			if c.recovers {
				if err != nil || st.Records != 3 || len(f.api.requests) != 2 {
					t.Fatalf("stats=%+v err=%v requests=%d", st, err, len(f.api.requests))
				}
				return
			}
			if err == nil || pipeline.IsPermanent(err) != c.permanent {
				t.Fatalf("err = %v", err)
			}
			for _, w := range c.inErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
			var be *httpx.BodyError
			if errors.As(err, &be) {
				if _, gerr := f.zone.Get(context.Background(), be.RawKey); gerr != nil {
					t.Fatal("bad page not kept")
				}
			}
		})
	}
	// An unknown ticker: 404 "No data found, symbol may be delisted" is permanent.
	f := newFixture(t, nil)
	_, err := f.c.Chart().Collect(context.Background(), watchlist.Token{Symbol: "X", YahooTicker: "NOPE-USD"}, iv)
	if !pipeline.IsPermanent(err) || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "delisted") {
		t.Fatalf("unknown ticker: %v", err)
	}
}

func TestNoTicker(t *testing.T) {
	f := newFixture(t, nil)
	st, err := f.c.Collect(context.Background(), watchlist.Token{Symbol: "NEWMEME"}, iv)
	if err != nil || len(f.api.requests) != 0 || len(st.Notes) != 2 {
		t.Fatalf("stats=%+v err=%v", st, err)
	}
}
