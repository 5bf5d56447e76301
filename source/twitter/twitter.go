// Package twitter collects posts about each token from X's recent search
// (GET /2/tweets/search/recent), one raw page per response, for the run's
// data interval.
package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"memepipe/pipeline"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/watchlist"
)

// Source is the raw source (and watermark source) name.
const Source = "twitter.search"

// The recent-search endpoint only reaches back seven days, and rejects an
// end_time less than 10 s before the request.
const (
	searchWindow = 7 * 24 * time.Hour
	// windowMargin keeps start_time safely inside the window while the
	// request travels.
	windowMargin = time.Minute
	endMargin    = 10 * time.Second
)

// Config is the collector's configuration (collect.twitter in YAML).
type Config struct {
	// BaseURL is the API root: https://api.x.com, or the simulator.
	BaseURL string `json:"base_url" koanf:"base_url" yaml:"base_url"`
	// MaxResults per page: 10..100 (X's maximum, and the best use of the
	// request budget).
	MaxResults int `json:"max_results" koanf:"max_results" yaml:"max_results"`
	// MaxPages caps the pages per token and interval: X bills per post
	// read, so a token that goes viral must not spend the month's budget.
	MaxPages    int    `json:"max_pages" koanf:"max_pages" yaml:"max_pages"`
	TweetFields string `json:"tweet_fields" koanf:"tweet_fields" yaml:"tweet_fields"`
	Expansions  string `json:"expansions" koanf:"expansions" yaml:"expansions"`
	UserFields  string `json:"user_fields" koanf:"user_fields" yaml:"user_fields"`
	// HTTP holds the limit (X: 450 requests per 15 min per app), timeout
	// and retry settings.
	HTTP httpx.Config `json:"http" koanf:"http" yaml:"http"`
}

// DefaultConfig is X's real API with its real limits.
func DefaultConfig() Config {
	return Config{
		BaseURL:     "https://api.x.com",
		MaxResults:  100,
		MaxPages:    50,
		TweetFields: "created_at,author_id,public_metrics,lang,entities,referenced_tweets",
		Expansions:  "author_id",
		UserFields:  "public_metrics,created_at,verified",
		HTTP:        httpx.Config{Name: "twitter", Limit: httpx.XRecentSearch},
	}
}

// Collector fetches recent-search pages for tokens.
type Collector struct {
	cfg    Config
	bearer string
	http   *httpx.Client
	deps   source.Deps
}

// New returns a collector. bearer is the app's bearer token
// (MEMEPIPE_TWITTER_BEARER_TOKEN); empty sends no Authorization header,
// which only the simulator accepts.
func New(cfg Config, bearer string, deps source.Deps) (*Collector, error) {
	if err := deps.Check("twitter"); err != nil {
		return nil, err
	}
	if _, err := url.Parse(cfg.BaseURL); err != nil || cfg.BaseURL == "" {
		return nil, fmt.Errorf("twitter: base_url %q is not a URL", cfg.BaseURL)
	}
	if cfg.MaxResults < 10 || cfg.MaxResults > 100 {
		return nil, fmt.Errorf("twitter: max_results %d outside X's 10..100", cfg.MaxResults)
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 50
	}
	if cfg.HTTP.Name == "" {
		cfg.HTTP.Name = "twitter"
	}
	return &Collector{cfg: cfg, bearer: bearer, deps: deps, http: deps.Client(cfg.HTTP, nil, bearer)}, nil
}

// page is the part of a search response the collector checks. The cleaner
// parses the full page from the raw zone.
type page struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
	Meta *struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

// Collect fetches every page of the token's search for iv, clamped to what
// recent search can reach. The watermark (source twitter.search, key the
// token) is the newest post id collected; it is sent as since_id only when
// that post lies inside the interval (a re-run resumes), never to skip an
// older interval being backfilled.
func (c *Collector) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	var st source.Stats
	now := c.http.Clock().Now()
	start, end := iv.Start, iv.End
	if earliest := now.Add(-searchWindow + windowMargin); start.Before(earliest) {
		start = earliest.Truncate(time.Second).Add(time.Second)
		st.Note("start_time clamped from %s to %s: X recent search reaches back 7 days only", iv.Start.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	if latest := now.Add(-endMargin); end.After(latest) {
		end = latest.Truncate(time.Second)
		st.Note("end_time clamped to %s: X wants it at least 10 s in the past", end.Format(time.RFC3339))
	}
	if !end.After(start) {
		st.Note("interval %s is outside X's 7-day recent-search window: nothing to collect", iv)
		c.http.Logger().Warn("twitter: interval outside the recent-search window", "token", token.Symbol, "interval", iv.String())
		return st, nil
	}
	if len(st.Notes) > 0 {
		c.http.Logger().Warn("twitter: interval clamped", "token", token.Symbol, "notes", strings.Join(st.Notes, "; "))
	}

	mark, _, err := c.deps.Watermarks.GetWatermark(ctx, Source, token.Key())
	if err != nil {
		return st, fmt.Errorf("twitter: read watermark of %s: %w", token.Symbol, err)
	}
	sinceID := ""
	if t, ok := SnowflakeTime(mark); ok && !t.Before(start) && t.Before(end) {
		sinceID = mark
	}

	q := url.Values{}
	q.Set("query", token.SearchQuery())
	q.Set("start_time", start.UTC().Format(time.RFC3339))
	q.Set("end_time", end.UTC().Format(time.RFC3339))
	q.Set("max_results", strconv.Itoa(c.cfg.MaxResults))
	if c.cfg.TweetFields != "" {
		q.Set("tweet.fields", c.cfg.TweetFields)
	}
	if c.cfg.Expansions != "" {
		q.Set("expansions", c.cfg.Expansions)
	}
	if c.cfg.UserFields != "" {
		q.Set("user.fields", c.cfg.UserFields)
	}
	if sinceID != "" {
		q.Set("since_id", sinceID)
	}
	hdr := http.Header{"Accept": {"application/json"}}
	if c.bearer != "" {
		hdr.Set("Authorization", "Bearer "+c.bearer)
	}
	newest := mark
	for n := 1; ; n++ {
		var p page
		resp, err := c.http.Do(ctx, httpx.Request{
			URL:      strings.TrimSuffix(c.cfg.BaseURL, "/") + "/2/tweets/search/recent?" + q.Encode(),
			Header:   hdr,
			Source:   Source,
			Token:    token.Key(),
			Interval: iv,
			Decode:   func(r *httpx.Response) error { return decodePage(r.Body, &p) },
		})
		if err != nil {
			return st, err
		}
		st.Page(resp, len(p.Data))
		newest = maxID(newest, p.Meta.NewestID)
		if p.Meta.NextToken == "" {
			break
		}
		if n >= c.cfg.MaxPages {
			st.Note("stopped after max_pages=%d pages (%d posts); older posts of the interval not collected", n, st.Records)
			break
		}
		q.Set("next_token", p.Meta.NextToken)
	}
	if newest != "" && newest != mark {
		if err := c.deps.Watermarks.SetWatermark(ctx, Source, token.Key(), newest); err != nil {
			return st, fmt.Errorf("twitter: write watermark of %s: %w", token.Symbol, err)
		}
	}
	st.Watermark = newest
	return st, nil
}

// decodePage checks a search page: JSON, with meta, a result count that
// matches the posts, and ids on the posts.
func decodePage(body []byte, p *page) error {
	if err := json.Unmarshal(body, p); err != nil {
		return fmt.Errorf("not a search response: %w", err)
	}
	if p.Meta == nil {
		return pipeline.Permanent(errors.New(`missing field "meta"`))
	}
	if p.Meta.ResultCount != len(p.Data) {
		return fmt.Errorf("meta.result_count is %d but the page holds %d posts", p.Meta.ResultCount, len(p.Data))
	}
	for i, d := range p.Data {
		if _, err := strconv.ParseUint(d.ID, 10, 64); err != nil {
			return pipeline.Permanent(fmt.Errorf("data[%d].id %q is not a post id", i, d.ID))
		}
	}
	if len(p.Data) > 0 && p.Meta.NewestID == "" {
		return pipeline.Permanent(errors.New(`missing field "meta.newest_id"`))
	}
	return nil
}

// maxID returns the larger of two post ids (decimal strings).
func maxID(a, b string) string {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errB != nil:
		return a
	case errA != nil || y > x:
		return b
	}
	return a
}

// twitterEpoch is the snowflake epoch, 2010-11-04T01:42:54.657Z, in ms.
const twitterEpoch = 1288834974657

// SnowflakeTime returns the creation time encoded in a post id (ids since
// late 2010 are snowflakes: the top 41 bits are ms since twitterEpoch).
func SnowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n < 1<<22 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(n>>22) + twitterEpoch).UTC(), true
}
