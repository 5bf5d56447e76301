// Package scrape collects token fundamentals (market cap, FDV, supply,
// holders, liquidity, links, launch date) from configured web pages with
// per-site goquery selectors, honouring robots.txt and a per-host
// politeness delay, and the token's DEX pair from the DexScreener API.
// Every page is kept in the raw zone (scrape.<site>, dexscreener.pairs).
package scrape

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"memepipe/pipeline"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/source/robots"
	"memepipe/watchlist"
)

// SourceDexScreener is the raw source of DexScreener pair pages.
const SourceDexScreener = "dexscreener.pairs"

// SourcePage is the raw source of a site's pages: scrape.<site>.
func SourcePage(site string) string { return "scrape." + site }

// DexScreenerConfig configures the pairs API.
type DexScreenerConfig struct {
	// BaseURL is https://api.dexscreener.com, or the simulator.
	BaseURL string `json:"base_url" koanf:"base_url" yaml:"base_url"`
	// ChainIDs maps watchlist chain names to DexScreener's chainId where
	// they differ (default: the same name).
	ChainIDs map[string]string `json:"chain_ids,omitempty" koanf:"chain_ids" yaml:"chain_ids,omitempty"`
	// Disabled skips DexScreener.
	Disabled bool `json:"disabled,omitempty" koanf:"disabled" yaml:"disabled,omitempty"`
	// HTTP holds the limit (300 requests per minute) and retries.
	HTTP httpx.Config `json:"http" koanf:"http" yaml:"http"`
}

// Config is the collector's configuration (collect.scrape in YAML).
type Config struct {
	// Sites are selectors by site name, merged over DefaultSites. A
	// token's Pages name the site of each page URL.
	Sites map[string]Selectors `json:"sites,omitempty" koanf:"sites" yaml:"sites,omitempty"`
	// RobotsAgent is the product token looked up in robots.txt.
	RobotsAgent string `json:"robots_agent" koanf:"robots_agent" yaml:"robots_agent"`
	// RobotsTTL is how long a host's robots.txt is trusted.
	RobotsTTL time.Duration `json:"robots_ttl" koanf:"robots_ttl" yaml:"robots_ttl"`
	// HTTP holds the per-host politeness delay (HostDelay), timeout and retries.
	HTTP        httpx.Config      `json:"http" koanf:"http" yaml:"http"`
	DexScreener DexScreenerConfig `json:"dexscreener" koanf:"dexscreener" yaml:"dexscreener"`
}

// DefaultConfig scrapes politely: one request per host every 5 s.
func DefaultConfig() Config {
	return Config{
		RobotsAgent: "memepipe",
		RobotsTTL:   24 * time.Hour,
		HTTP:        httpx.Config{Name: "scrape", HostDelay: 5 * time.Second},
		DexScreener: DexScreenerConfig{
			BaseURL: "https://api.dexscreener.com",
			HTTP:    httpx.Config{Name: "dexscreener", Limit: httpx.DexScreener},
		},
	}
}

// Collector fetches pages and DEX pairs.
type Collector struct {
	cfg   Config
	sites map[string]Selectors
	pages *httpx.Client
	dex   *httpx.Client
	deps  source.Deps

	mu     sync.Mutex
	robots map[string]robotsEntry // by scheme://host
}

type robotsEntry struct {
	rules   *robots.Rules
	fetched time.Time
}

// New returns a collector.
func New(cfg Config, deps source.Deps) (*Collector, error) {
	if err := deps.Check("scrape"); err != nil {
		return nil, err
	}
	sites := map[string]Selectors{}
	for k, v := range DefaultSites {
		sites[k] = v
	}
	for k, v := range cfg.Sites {
		sites[k] = v
	}
	for name := range sites {
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return nil, fmt.Errorf("scrape: site name %q: use a-z 0-9 _ -", name)
			}
		}
	}
	if cfg.RobotsAgent == "" {
		cfg.RobotsAgent = "memepipe"
	}
	if cfg.RobotsTTL <= 0 {
		cfg.RobotsTTL = 24 * time.Hour
	}
	if cfg.HTTP.Name == "" {
		cfg.HTTP.Name = "scrape"
	}
	if cfg.DexScreener.HTTP.Name == "" {
		cfg.DexScreener.HTTP.Name = "dexscreener"
	}
	if !cfg.DexScreener.Disabled {
		if u, err := url.Parse(cfg.DexScreener.BaseURL); err != nil || u.Scheme == "" {
			return nil, fmt.Errorf("scrape: dexscreener base_url %q is not a URL", cfg.DexScreener.BaseURL)
		}
	}
	return &Collector{cfg: cfg, sites: sites, deps: deps, robots: map[string]robotsEntry{},
		pages: deps.Client(cfg.HTTP, nil), dex: deps.Client(cfg.DexScreener.HTTP, nil)}, nil
}

// Collect fetches each of the token's pages (in site order) and its DEX pair.
func (c *Collector) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	var st source.Stats
	sites := make([]string, 0, len(token.Pages))
	for s := range token.Pages {
		sites = append(sites, s)
	}
	sort.Strings(sites)
	for _, site := range sites {
		ps, err := c.Page(ctx, token, iv, site, token.Pages[site])
		st.Add(ps)
		if err != nil {
			return st, err
		}
	}
	if !c.cfg.DexScreener.Disabled {
		ds, err := c.Pair(ctx, token, iv)
		st.Add(ds)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// Page fetches one fundamentals page, unless robots.txt forbids it, and
// checks that the site's selectors find something on it.
func (c *Collector) Page(ctx context.Context, token watchlist.Token, iv pipeline.Interval, site, pageURL string) (source.Stats, error) {
	var st source.Stats
	sel, ok := c.sites[site]
	if !ok {
		return st, pipeline.Permanent(fmt.Errorf("scrape: %s page %s: no selectors for site %q (configure collect.scrape.sites)", token.Symbol, httpx.Redact(pageURL), site))
	}
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return st, pipeline.Permanent(fmt.Errorf("scrape: %s page %q is not an http(s) URL", token.Symbol, httpx.Redact(pageURL)))
	}
	rules, err := c.robotsFor(ctx, u)
	if err != nil {
		return st, err
	}
	if !rules.Allowed(pageURL) {
		st.Note("%s: robots.txt of %s disallows %s for %s; not fetched", SourcePage(site), u.Host, u.EscapedPath(), c.cfg.RobotsAgent)
		c.pages.Logger().Info("scrape: disallowed by robots.txt", "site", site, "url", httpx.Redact(pageURL))
		return st, nil
	}
	var f Fundamentals
	resp, err := c.pages.Do(ctx, httpx.Request{
		URL:      pageURL,
		Header:   http.Header{"Accept": {"text/html,application/xhtml+xml"}},
		Source:   SourcePage(site),
		Token:    token.Key(),
		Interval: iv,
		Decode: func(r *httpx.Response) error {
			var err error
			f, err = Extract(sel, pageURL, r.Body)
			if err != nil {
				return pipeline.Permanent(err) // a selector that does not parse is a config error
			}
			if f.Found() == 0 {
				// A bot wall, an error page served with 200, or a new layout:
				// retried first, reported if it persists.
				return fmt.Errorf("none of the %s selectors matched (bot wall, error page, or a changed layout)", site)
			}
			return nil
		},
	})
	if err != nil {
		return st, err
	}
	st.Page(resp, f.Found())
	return st, c.touch(ctx, SourcePage(site), token, iv)
}

// robotsFor returns the robots rules of u's host, fetching robots.txt when
// not cached or stale. A robots.txt that cannot be fetched (5xx, network)
// forbids everything (RFC 9309); rather than silently skip the page, the
// collector fails transiently so the task retries later.
func (c *Collector) robotsFor(ctx context.Context, u *url.URL) (*robots.Rules, error) {
	origin := u.Scheme + "://" + u.Host
	now := c.pages.Clock().Now()
	c.mu.Lock()
	e, ok := c.robots[origin]
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < c.cfg.RobotsTTL {
		return e.rules, nil
	}
	anyAnswer := func(status int, _ http.Header, _ []byte) httpx.Verdict {
		if status < 500 && status != http.StatusTooManyRequests {
			return httpx.Verdict{Outcome: httpx.OK}
		}
		return httpx.Verdict{}
	}
	resp, err := c.pages.Do(ctx, httpx.Request{URL: origin + "/robots.txt", Classify: anyAnswer})
	if err != nil {
		if pipeline.IsPermanent(err) {
			return nil, err
		}
		return nil, pipeline.Transient(fmt.Errorf("scrape: robots.txt of %s unreachable, so nothing may be fetched there yet: %w", u.Host, err))
	}
	rules := robots.ForStatus(resp.Status)
	if resp.Status >= 200 && resp.Status < 300 {
		rules = robots.Parse(resp.Body, c.cfg.RobotsAgent)
	}
	if d := rules.CrawlDelay(); d > 0 {
		c.pages.SetHostDelay(u.Host, d)
	}
	c.mu.Lock()
	c.robots[origin] = robotsEntry{rules: rules, fetched: now}
	c.mu.Unlock()
	return rules, nil
}

// Pair fetches the token's DEX pair from DexScreener:
// GET /latest/dex/pairs/{chainId}/{pairAddress}.
func (c *Collector) Pair(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	var st source.Stats
	if token.Pair == "" {
		st.Note("%s has no DEX pair: DexScreener not asked", token.Symbol)
		return st, nil
	}
	chain := strings.ToLower(token.Chain)
	if id, ok := c.cfg.DexScreener.ChainIDs[chain]; ok {
		chain = id
	}
	var n int
	resp, err := c.dex.Do(ctx, httpx.Request{
		URL:      strings.TrimSuffix(c.cfg.DexScreener.BaseURL, "/") + "/latest/dex/pairs/" + url.PathEscape(chain) + "/" + url.PathEscape(token.Pair),
		Header:   http.Header{"Accept": {"application/json"}},
		Source:   SourceDexScreener,
		Token:    token.Key(),
		Interval: iv,
		Decode: func(r *httpx.Response) error {
			var err error
			n, err = checkPairs(r.Body)
			return err
		},
	})
	if err != nil {
		return st, err
	}
	st.Page(resp, n)
	return st, c.touch(ctx, SourceDexScreener, token, iv)
}

// checkPairs checks a pairs response: an object with "pairs" (a list, or
// null when DexScreener does not know the pair) or, in the newer schema,
// "pair"; every pair has its pairAddress and baseToken.
func checkPairs(body []byte) (int, error) {
	var p struct {
		SchemaVersion string                        `json:"schemaVersion"`
		Pairs         *[]map[string]json.RawMessage `json:"pairs"`
		Pair          map[string]json.RawMessage    `json:"pair"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, fmt.Errorf("not a DexScreener response: %w", err)
	}
	var pairs []map[string]json.RawMessage
	switch {
	case p.Pairs != nil:
		pairs = *p.Pairs
	case p.Pair != nil:
		pairs = []map[string]json.RawMessage{p.Pair}
	case p.SchemaVersion == "":
		return 0, pipeline.Permanent(errors.New(`missing field "pairs"`))
	}
	for i, pr := range pairs {
		for _, f := range []string{"pairAddress", "baseToken"} {
			if _, ok := pr[f]; !ok {
				return 0, pipeline.Permanent(fmt.Errorf("pairs[%d]: missing field %q", i, f))
			}
		}
	}
	return len(pairs), nil
}

// touch records the end of the latest interval collected for a source and
// token (for staleness checks); it never moves back.
func (c *Collector) touch(ctx context.Context, src string, token watchlist.Token, iv pipeline.Interval) error {
	prev, ok, err := c.deps.Watermarks.GetWatermark(ctx, src, token.Key())
	if err != nil {
		return fmt.Errorf("scrape: read watermark %s/%s: %w", src, token.Key(), err)
	}
	if ok {
		if t, err := time.Parse(time.RFC3339, prev); err == nil && !iv.End.After(t) {
			return nil
		}
	}
	if err := c.deps.Watermarks.SetWatermark(ctx, src, token.Key(), iv.End.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("scrape: write watermark %s/%s: %w", src, token.Key(), err)
	}
	return nil
}
