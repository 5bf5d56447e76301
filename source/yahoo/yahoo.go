// Package yahoo collects market data from Yahoo Finance: chart bars
// (/v8/finance/chart) and quote modules (/v10/finance/quoteSummary, behind
// the cookie + crumb handshake), one raw page per response.
package yahoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"memepipe/pipeline"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/watchlist"
)

// Raw source names (also the watermark sources).
const (
	SourceChart        = "yahoo.chart"
	SourceQuoteSummary = "yahoo.quotesummary"
)

// Config is the collector's configuration (collect.yahoo in YAML).
type Config struct {
	// BaseURL serves chart and quoteSummary: https://query2.finance.yahoo.com.
	BaseURL string `json:"base_url" koanf:"base_url" yaml:"base_url"`
	// CookieURL hands out the session cookie (https://fc.yahoo.com); empty:
	// BaseURL + "/".
	CookieURL string `json:"cookie_url" koanf:"cookie_url" yaml:"cookie_url"`
	// CrumbURL returns the crumb for that cookie; empty: BaseURL +
	// "/v1/test/getcrumb".
	CrumbURL string `json:"crumb_url" koanf:"crumb_url" yaml:"crumb_url"`
	// Interval is the bar size (1m, 5m, 15m, 1h, 1d, ...).
	Interval string `json:"interval" koanf:"interval" yaml:"interval"`
	// Events asks for corporate events with the bars (div|split).
	Events string `json:"events" koanf:"events" yaml:"events"`
	// Modules are the quoteSummary modules asked for, in one request.
	Modules []string `json:"modules" koanf:"modules" yaml:"modules"`
	// HTTP holds the limit (about 2 requests per 5 s), timeout and retries.
	HTTP httpx.Config `json:"http" koanf:"http" yaml:"http"`
}

// DefaultConfig is Yahoo's real endpoints at the pace client libraries keep.
func DefaultConfig() Config {
	return Config{
		BaseURL:   "https://query2.finance.yahoo.com",
		CookieURL: "https://fc.yahoo.com",
		CrumbURL:  "https://query2.finance.yahoo.com/v1/test/getcrumb",
		Interval:  "1h",
		Events:    "div|split",
		Modules:   []string{"price", "summaryDetail", "majorHoldersBreakdown", "institutionOwnership"},
		HTTP:      httpx.Config{Name: "yahoo", Limit: httpx.Yahoo},
	}
}

// PointAt returns cfg with every endpoint on base (the simulator, a proxy).
func (c Config) PointAt(base string) Config {
	base = strings.TrimSuffix(base, "/")
	c.BaseURL, c.CookieURL, c.CrumbURL = base, base+"/", base+"/v1/test/getcrumb"
	return c
}

// maxSpan is how much one chart request may cover per bar size: Yahoo
// serves 1-minute bars 7 days at a time, other intraday sizes 60 days, hourly
// 730 days. Longer intervals are fetched in pieces.
var maxSpan = map[string]time.Duration{
	"1m": 7 * 24 * time.Hour, "2m": 60 * 24 * time.Hour, "5m": 60 * 24 * time.Hour, "15m": 60 * 24 * time.Hour,
	"30m": 60 * 24 * time.Hour, "90m": 60 * 24 * time.Hour, "60m": 730 * 24 * time.Hour, "1h": 730 * 24 * time.Hour,
}

// Collector fetches Yahoo pages. Chart and quote share one budget.
type Collector struct {
	cfg  Config
	http *httpx.Client
	deps source.Deps

	mu    sync.Mutex
	crumb string
	// handshake makes concurrent callers share one cookie + crumb
	// handshake: each handshake replaces the session cookie in the jar,
	// which invalidates the crumbs of any handshake racing it.
	handshake sync.Mutex
}

// New returns a collector. Yahoo needs no key; the session cookie lives in a
// cookie jar added to a copy of deps.HTTPClient.
func New(cfg Config, deps source.Deps) (*Collector, error) {
	if err := deps.Check("yahoo"); err != nil {
		return nil, err
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("yahoo: base_url %q is not a URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.CookieURL == "" {
		cfg.CookieURL = cfg.BaseURL + "/"
	}
	if cfg.CrumbURL == "" {
		cfg.CrumbURL = cfg.BaseURL + "/v1/test/getcrumb"
	}
	if cfg.Interval == "" {
		cfg.Interval = "1h"
	}
	if len(cfg.Modules) == 0 {
		return nil, errors.New("yahoo: no quoteSummary modules configured")
	}
	if cfg.HTTP.Name == "" {
		cfg.HTTP.Name = "yahoo"
	}
	hc := &http.Client{}
	if deps.HTTPClient != nil {
		c := *deps.HTTPClient
		hc = &c
	}
	if hc.Jar == nil {
		hc.Jar, _ = cookiejar.New(nil)
	}
	return &Collector{cfg: cfg, deps: deps, http: deps.Client(cfg.HTTP, hc)}, nil
}

// Collect fetches the token's chart bars and quote modules for iv.
func (c *Collector) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	st, err := c.Chart().Collect(ctx, token, iv)
	if err != nil {
		return st, err
	}
	qs, err := c.Quote().Collect(ctx, token, iv)
	st.Add(qs)
	return st, err
}

// ChartCollector collects chart bars (task collect.yahoo.chart).
type ChartCollector struct{ c *Collector }

// QuoteCollector collects quoteSummary modules (task collect.yahoo.quote).
type QuoteCollector struct{ c *Collector }

// Chart returns the chart half of the collector.
func (c *Collector) Chart() ChartCollector { return ChartCollector{c} }

// Quote returns the quoteSummary half of the collector.
func (c *Collector) Quote() QuoteCollector { return QuoteCollector{c} }

// chartPage is what the collector checks of a chart response.
type chartPage struct {
	Chart *struct {
		Result []struct {
			Meta *struct {
				Symbol string `json:"symbol"`
			} `json:"meta"`
			Timestamp  []int64 `json:"timestamp"`
			Indicators struct {
				Quote []map[string][]*float64 `json:"quote"`
			} `json:"indicators"`
		} `json:"result"`
		Error *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"chart"`
}

// Collect fetches the bars of iv: period1 = start, period2 = end - 1 s, in pieces
// when the bar size limits a request's span. The watermark
// (yahoo.chart, token) is the end of the latest interval collected.
func (cc ChartCollector) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	c := cc.c
	var st source.Stats
	if token.YahooTicker == "" {
		st.Note("%s has no Yahoo ticker: no chart", token.Symbol)
		return st, nil
	}
	span := maxSpan[c.cfg.Interval]
	for start := iv.Start; start.Before(iv.End); {
		end := iv.End
		if span > 0 && end.Sub(start) > span {
			end = start.Add(span)
		}
		q := url.Values{}
		q.Set("period1", strconv.FormatInt(start.Unix(), 10))
		// Yahoo answers with every bar that has started by period2, so
		// period2 = end would add the next interval's first bar, still
		// in progress (partial OHLCV, outside [start, end)); one second
		// earlier ends the answer with the interval's own last bar.
		q.Set("period2", strconv.FormatInt(end.Unix()-1, 10))
		q.Set("interval", c.cfg.Interval)
		if c.cfg.Events != "" {
			q.Set("events", c.cfg.Events)
		}
		q.Set("includePrePost", "false")
		var bars int
		resp, err := c.http.Do(ctx, httpx.Request{
			URL:      c.cfg.BaseURL + "/v8/finance/chart/" + url.PathEscape(token.YahooTicker) + "?" + q.Encode(),
			Header:   http.Header{"Accept": {"application/json"}},
			Source:   SourceChart,
			Token:    token.Key(),
			Interval: iv,
			Decode: func(r *httpx.Response) error {
				n, err := checkChart(r.Body, token.YahooTicker)
				bars = n
				return err
			},
		})
		if err != nil {
			return st, err
		}
		st.Page(resp, bars)
		start = end
	}
	if err := advance(ctx, c.deps, SourceChart, token.Key(), iv.End); err != nil {
		return st, err
	}
	st.Watermark = iv.End.UTC().Format(time.RFC3339)
	return st, nil
}

func checkChart(body []byte, ticker string) (int, error) {
	var p chartPage
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, fmt.Errorf("not a chart response: %w", err)
	}
	if p.Chart == nil {
		return 0, pipeline.Permanent(errors.New(`missing field "chart"`))
	}
	if p.Chart.Error != nil {
		return 0, pipeline.Permanent(fmt.Errorf("chart error %s: %s", p.Chart.Error.Code, p.Chart.Error.Description))
	}
	if len(p.Chart.Result) == 0 {
		return 0, pipeline.Permanent(errors.New(`empty "chart.result"`))
	}
	r := p.Chart.Result[0]
	if r.Meta == nil || r.Meta.Symbol == "" {
		return 0, pipeline.Permanent(errors.New(`missing field "chart.result[0].meta.symbol"`))
	}
	if !strings.EqualFold(r.Meta.Symbol, ticker) {
		return 0, pipeline.Permanent(fmt.Errorf("chart is for %s, asked for %s", r.Meta.Symbol, ticker))
	}
	if len(r.Timestamp) == 0 {
		return 0, nil // no trading in the period
	}
	if len(r.Indicators.Quote) == 0 {
		return 0, pipeline.Permanent(errors.New(`missing field "indicators.quote"`))
	}
	for _, f := range []string{"open", "high", "low", "close", "volume"} {
		arr, ok := r.Indicators.Quote[0][f]
		if !ok {
			return 0, pipeline.Permanent(fmt.Errorf("missing field \"indicators.quote[0].%s\"", f))
		}
		// Entries may be null (no trade in the bar); the arrays must still line up.
		if len(arr) != len(r.Timestamp) {
			return 0, fmt.Errorf("indicators.quote[0].%s has %d entries for %d timestamps", f, len(arr), len(r.Timestamp))
		}
	}
	return len(r.Timestamp), nil
}

// Collect fetches the quote modules once for iv (they describe "now", not
// the interval; the page is filed under the interval it was fetched for).
// A 404 "No fundamentals data found" (Yahoo's answer for crypto tickers'
// holder modules) is an empty result. The crumb is fetched on first use and
// again when Yahoo refuses it.
func (qc QuoteCollector) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	c := qc.c
	var st source.Stats
	if token.YahooTicker == "" {
		st.Note("%s has no Yahoo ticker: no quote", token.Symbol)
		return st, nil
	}
	var resp *httpx.Response
	for try := 1; ; try++ {
		crumb, err := c.ensureCrumb(ctx)
		if err != nil {
			return st, err
		}
		q := url.Values{}
		q.Set("modules", strings.Join(c.cfg.Modules, ","))
		q.Set("formatted", "false")
		q.Set("crumb", crumb)
		resp, err = c.http.Do(ctx, httpx.Request{
			URL:      c.cfg.BaseURL + "/v10/finance/quoteSummary/" + url.PathEscape(token.YahooTicker) + "?" + q.Encode(),
			Header:   http.Header{"Accept": {"application/json"}},
			Source:   SourceQuoteSummary,
			Token:    token.Key(),
			Interval: iv,
			Classify: classifyQuote,
			Decode:   func(r *httpx.Response) error { return checkQuote(r) },
		})
		var se *httpx.StatusError
		if err != nil && try == 1 && errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			// Invalid Crumb / Invalid Cookie: the session expired. Start a new one once.
			c.resetCrumb(crumb)
			continue
		}
		if err != nil {
			return st, err
		}
		break
	}
	n := 0
	if !resp.Empty {
		n = countModules(resp.Body)
	}
	st.Page(resp, n)
	if err := advance(ctx, c.deps, SourceQuoteSummary, token.Key(), iv.End); err != nil {
		return st, err
	}
	st.Watermark = iv.End.UTC().Format(time.RFC3339)
	return st, nil
}

func classifyQuote(status int, _ http.Header, body []byte) httpx.Verdict {
	if status == http.StatusNotFound && bytes.Contains(body, []byte("No fundamentals data found")) {
		return httpx.Verdict{Outcome: httpx.Empty, Reason: "no fundamentals data"}
	}
	return httpx.Verdict{}
}

type quotePage struct {
	QuoteSummary *struct {
		Result []map[string]json.RawMessage `json:"result"`
		Error  *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"quoteSummary"`
}

func checkQuote(r *httpx.Response) error {
	var p quotePage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return fmt.Errorf("not a quoteSummary response: %w", err)
	}
	if p.QuoteSummary == nil {
		return pipeline.Permanent(errors.New(`missing field "quoteSummary"`))
	}
	if r.Empty {
		return nil
	}
	if p.QuoteSummary.Error != nil {
		return pipeline.Permanent(fmt.Errorf("quoteSummary error %s: %s", p.QuoteSummary.Error.Code, p.QuoteSummary.Error.Description))
	}
	if len(p.QuoteSummary.Result) == 0 {
		return pipeline.Permanent(errors.New(`empty "quoteSummary.result"`))
	}
	return nil
}

func countModules(body []byte) int {
	var p quotePage
	if json.Unmarshal(body, &p) != nil || p.QuoteSummary == nil || len(p.QuoteSummary.Result) == 0 {
		return 0
	}
	return len(p.QuoteSummary.Result[0])
}

// ensureCrumb runs the handshake real clients use: a request to the cookie
// URL sets the session cookie (the answer itself may well be a 404), then
// the crumb URL returns the crumb bound to it, as plain text. Neither
// answer is kept in the raw zone: both are credentials.
func (c *Collector) ensureCrumb(ctx context.Context) (string, error) {
	c.handshake.Lock()
	defer c.handshake.Unlock()
	c.mu.Lock()
	crumb := c.crumb
	c.mu.Unlock()
	if crumb != "" {
		return crumb, nil
	}
	anyAnswer := func(status int, _ http.Header, _ []byte) httpx.Verdict {
		if status < 500 && status != http.StatusTooManyRequests {
			return httpx.Verdict{Outcome: httpx.OK}
		}
		return httpx.Verdict{}
	}
	if _, err := c.http.Do(ctx, httpx.Request{URL: c.cfg.CookieURL, Classify: anyAnswer}); err != nil {
		return "", fmt.Errorf("yahoo: session cookie: %w", err)
	}
	resp, err := c.http.Do(ctx, httpx.Request{
		URL:    c.cfg.CrumbURL,
		Header: http.Header{"Accept": {"text/plain, */*"}},
		Decode: func(r *httpx.Response) error {
			s := strings.TrimSpace(string(r.Body))
			if s == "" || len(s) > 64 || strings.ContainsAny(s, " \t\r\n<>{}\"") {
				return errors.New("crumb endpoint did not answer a crumb")
			}
			return nil
		},
	})
	if err != nil {
		return "", fmt.Errorf("yahoo: crumb: %w", err)
	}
	crumb = strings.TrimSpace(string(resp.Body))
	c.http.Secrets().Add(crumb)
	c.mu.Lock()
	c.crumb = crumb
	c.mu.Unlock()
	return crumb, nil
}

// resetCrumb forgets the crumb stale, unless another caller has already
// replaced it; the next handshake visits the cookie URL again, which
// replaces the session cookie in the jar.
func (c *Collector) resetCrumb(stale string) {
	c.mu.Lock()
	if c.crumb == stale {
		c.crumb = ""
	}
	c.mu.Unlock()
}

// advance moves a time watermark forward (never back).
func advance(ctx context.Context, d source.Deps, src, key string, t time.Time) error {
	prev, ok, err := d.Watermarks.GetWatermark(ctx, src, key)
	if err != nil {
		return fmt.Errorf("yahoo: read watermark %s/%s: %w", src, key, err)
	}
	if ok {
		if pt, err := time.Parse(time.RFC3339, prev); err == nil && !t.After(pt) {
			return nil
		}
	}
	if err := d.Watermarks.SetWatermark(ctx, src, key, t.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("yahoo: write watermark %s/%s: %w", src, key, err)
	}
	return nil
}
