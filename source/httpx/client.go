// Package httpx is the one HTTP client every collector uses, so that rate
// limits, retries, timeouts, raw capture and secret redaction are one
// mechanism rather than five copies.
//
// A Client belongs to one upstream budget (an Etherscan key, an X app, the
// Yahoo host, a scraper's hosts) and is shared by every task that spends it.
// Each request waits for the budget, is sent with a per-attempt timeout,
// and is classified: success, empty success (Etherscan's "No transactions
// found", Yahoo's 404 "No fundamentals data found"), transient (network,
// timeouts, 429, 5xx, "Max rate limit reached", a truncated or HTML body)
// or permanent (401/403, "Invalid API Key", other 4xx). Transient failures
// are retried with exponential backoff and jitter, never sooner than the
// server asked (Retry-After, x-rate-limit-reset); permanent ones come back
// at once, marked with pipeline.Permanent. Every usable response is handed
// to the raw-capture hook once the caller's decoder has judged it: accepted
// pages where cleaners read them, rejected ones (an HTML error page served
// with 200, a truncated body) apart, still kept for replay.
//
// Secrets never leave the client in clear: URLs are shown through Redact,
// errors from net/http (which quote the full URL) are rewritten, and known
// secret values are scrubbed from every message.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"memepipe/pipeline"
)

// Version is memepipe's version in the User-Agent; the build sets it.
var Version = "dev"

// ProjectURL is where the User-Agent points people who see memepipe in
// their logs.
const ProjectURL = "https://github.com/memepipe/memepipe"

// DefaultUserAgent is memepipe/<version> (+<project url>).
func DefaultUserAgent() string { return "memepipe/" + Version + " (+" + ProjectURL + ")" }

// Retry says how a client retries transient failures.
type Retry struct {
	// Attempts is the total number of tries per request, the first
	// included (default 5).
	Attempts int `json:"attempts" koanf:"attempts" yaml:"attempts"`
	// Initial is the backoff before the second try (default 1s); each
	// further retry doubles it, up to Max (default 1m), with up to half of
	// it randomised so that many clients do not come back in lockstep.
	Initial time.Duration `json:"initial" koanf:"initial" yaml:"initial"`
	Max     time.Duration `json:"max" koanf:"max" yaml:"max"`
	// MaxWait is the longest pause a server may impose (Retry-After,
	// x-rate-limit-reset) that the client sits out in process (default
	// 15m, one X window). A longer one fails the request as transient so
	// the engine reschedules the task instead of holding a worker.
	MaxWait time.Duration `json:"max_wait" koanf:"max_wait" yaml:"max_wait"`
}

// Config is one client's settings; collectors embed it in their own config.
type Config struct {
	// Name labels the client in logs, errors and metrics ("etherscan").
	Name string `json:"name" koanf:"name" yaml:"name"`
	// Limit is the upstream budget this client spends.
	Limit RateLimit `json:"limit" koanf:"limit" yaml:"limit"`
	// HostDelay spaces requests to one host (scrapers' politeness).
	HostDelay time.Duration `json:"host_delay,omitempty" koanf:"host_delay" yaml:"host_delay,omitempty"`
	// Timeout bounds one attempt, headers and body (default 30s).
	Timeout time.Duration `json:"timeout" koanf:"timeout" yaml:"timeout"`
	Retry   Retry         `json:"retry" koanf:"retry" yaml:"retry"`
	// UserAgent defaults to DefaultUserAgent().
	UserAgent string `json:"user_agent,omitempty" koanf:"user_agent" yaml:"user_agent,omitempty"`
	// MaxBody caps a response body (default 64 MiB); larger is permanent.
	MaxBody int64 `json:"max_body,omitempty" koanf:"max_body" yaml:"max_body,omitempty"`
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = "http"
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Retry.Attempts <= 0 {
		c.Retry.Attempts = 5
	}
	if c.Retry.Initial <= 0 {
		c.Retry.Initial = time.Second
	}
	if c.Retry.Max <= 0 {
		c.Retry.Max = time.Minute
	}
	if c.Retry.MaxWait <= 0 {
		c.Retry.MaxWait = 15 * time.Minute
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent()
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 64 << 20
	}
	return c
}

// Client sends requests within one budget. It is safe for concurrent use.
type Client struct {
	cfg     Config
	http    *http.Client
	clock   Clock
	log     *slog.Logger
	metrics Metrics
	capture Capture
	secrets *Secrets
	rand01  func() float64
	shared  SharedBudget
	lim     *limiter
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the underlying http.Client (a cookie jar for Yahoo, a
// test server's client). Its Timeout is left alone; Config.Timeout applies
// per attempt.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithClock sets the clock the limiter and backoff wait on.
func WithClock(clk Clock) Option { return func(c *Client) { c.clock = clk } }

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithMetrics sets the metrics sink.
func WithMetrics(m Metrics) Option { return func(c *Client) { c.metrics = m } }

// WithCapture sets the raw-capture hook.
func WithCapture(cp Capture) Option { return func(c *Client) { c.capture = cp } }

// WithSecrets registers secret values (API keys, bearer tokens) to scrub
// from every message the client produces.
func WithSecrets(vals ...string) Option { return func(c *Client) { c.secrets.Add(vals...) } }

// WithSharedBudget takes the client's rate-limit tokens from b instead of
// an in-process bucket, so every process on b spends one budget per
// client name (the daily quota and server-requested pauses stay per
// process).
func WithSharedBudget(b SharedBudget) Option { return func(c *Client) { c.shared = b } }

// WithRand sets the source of jitter, uniform in [0, 1).
func WithRand(f func() float64) Option { return func(c *Client) { c.rand01 = f } }

// New returns a client for cfg.
func New(cfg Config, opts ...Option) *Client {
	cfg = cfg.withDefaults()
	c := &Client{
		cfg:     cfg,
		http:    &http.Client{},
		clock:   RealClock{},
		log:     slog.Default(),
		metrics: nopMetrics{},
		secrets: NewSecrets(),
		rand01:  rand.Float64,
	}
	for _, o := range opts {
		o(c)
	}
	c.lim = newLimiter(cfg.Name, cfg.Limit, cfg.HostDelay, c.shared)
	return c
}

// Config returns the client's effective settings.
func (c *Client) Config() Config { return c.cfg }

// Clock returns the client's clock (collectors use it for "now").
func (c *Client) Clock() Clock { return c.clock }

// Logger returns the client's logger.
func (c *Client) Logger() *slog.Logger { return c.log }

// SetHostDelay spaces this client's requests to host ("example.com:443"
// form as in a URL's Host) by at least d, e.g. for a robots.txt Crawl-delay.
func (c *Client) SetHostDelay(host string, d time.Duration) { c.lim.setHostDelay(host, d) }

// Secrets returns the client's scrubber, for collectors building their own
// messages.
func (c *Client) Secrets() *Secrets { return c.secrets }

// Outcome is what a response means.
type Outcome int

const (
	// Undecided leaves the decision to the HTTP status.
	Undecided Outcome = iota
	// OK is data.
	OK
	// Empty is a successful answer with nothing in it.
	Empty
	// Transient is worth retrying.
	Transient
	// Permanent is not.
	Permanent
)

func (o Outcome) String() string {
	return [...]string{"undecided", "ok", "empty", "transient", "permanent"}[o]
}

// Verdict is a classifier's reading of a response.
type Verdict struct {
	Outcome Outcome
	// Reason is shown in errors and logs ("Max rate limit reached").
	Reason string
	// RetryAfter asks for a pause before the retry (0: backoff only).
	RetryAfter time.Duration
	// Code is a short label for metrics ("rate_limited"); default: the
	// HTTP status.
	Code string
}

// Classifier reads a response the transport delivered (any status) and
// says what it means; Undecided falls back to the status rules. Etherscan
// answers errors with HTTP 200 and a status "0" body, Yahoo an empty result
// with a 404: each collector knows its API's habits.
type Classifier func(status int, header http.Header, body []byte) Verdict

// Request is one logical request; the client may send it several times.
type Request struct {
	Method string // default GET
	// URL is the full URL, secrets included; it is only ever shown redacted.
	URL    string
	Header http.Header
	// Source is the raw source the response belongs to
	// ("etherscan.tokentx"); with Token and Interval it places the page in
	// the raw zone. Empty: the response is not captured (auth handshakes,
	// robots.txt), and logs and errors name the client instead.
	Source   string
	Token    string
	Interval pipeline.Interval
	// NoCapture skips the capture hook for a request that has a Source:
	// the caller keeps the page itself (only when it changed, say).
	NoCapture bool
	// Classify overrides the status rules for this request.
	Classify Classifier
	// Decode parses and checks the body. An error makes the attempt fail:
	// transient (and retried) unless marked pipeline.Permanent. The page is
	// captured after Decode either way, as rejected when it failed.
	Decode func(*Response) error
}

// Response is a usable answer.
type Response struct {
	Status      int
	Header      http.Header
	Body        []byte
	ContentType string
	// URL is the request URL, redacted.
	URL       string
	FetchedAt time.Time
	// Empty is set when the classifier called it an empty success.
	Empty bool
	// Attempts is how many tries it took.
	Attempts int
	// RawKey is the raw-zone key the capture hook stored it under, and
	// RawExisted whether that page was already there.
	RawKey     string
	RawExisted bool
	// Rejected is set (to the decoder's complaint) on a page Decode
	// refused; the capture hook files it apart (raw.RejectedPrefix).
	Rejected string
}

// StatusError is an answer that is not data: an HTTP error status, or a
// 200 whose body says error. It is wrapped in pipeline.Transient or
// pipeline.Permanent.
type StatusError struct {
	Source string
	Method string
	URL    string // redacted
	Status int
	Reason string
	// RetryAfter is the pause the server asked for, if any.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: %s %s: HTTP %d", e.Source, e.Method, e.URL, e.Status)
	if t := http.StatusText(e.Status); t != "" {
		msg += " " + t
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// BodyError is a usable status whose body is not what was expected (an
// HTML error page, truncated JSON, a missing field). The page is in the raw
// zone under RawKey for replay.
type BodyError struct {
	Source string
	URL    string // redacted
	Status int
	RawKey string
	Err    error
}

func (e *BodyError) Error() string {
	where := e.RawKey
	if where == "" {
		where = "not captured"
	}
	return fmt.Sprintf("%s: unexpected body from GET %s (HTTP %d, raw %s): %v", e.Source, e.URL, e.Status, where, e.Err)
}

func (e *BodyError) Unwrap() error { return e.Err }

// Do sends req, retrying transient failures, and returns a usable response
// (data or empty) or an error classed with pipeline.Transient or
// pipeline.Permanent whose message names the source and the redacted URL.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("%s: bad request URL %s: %s", c.label(req), Redact(req.URL), c.secrets.Scrub(err.Error())))
	}
	shown := Redact(req.URL)
	label := c.label(req)
	var lastErr error
	for attempt := 1; ; attempt++ {
		waited, err := c.lim.wait(ctx, c.clock, u.Host)
		if waited > 0 {
			c.metrics.RateLimitWait(label, waited)
		}
		if err != nil {
			if lastErr != nil && ctx.Err() != nil {
				err = fmt.Errorf("%w (last failure: %w)", err, lastErr)
			}
			return nil, c.secrets.scrubError(err)
		}

		resp, v, err := c.attempt(ctx, req, u, shown, label, attempt)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, c.secrets.scrubError(fmt.Errorf("%s: %s %s: %w", label, req.Method, shown, ctx.Err()))
		}
		lastErr = err
		if pipeline.Classify(err) == pipeline.ClassPermanent {
			return nil, err
		}
		if attempt >= c.cfg.Retry.Attempts {
			return nil, pipeline.Transient(fmt.Errorf("after %d attempts: %w", attempt, err))
		}
		wait := c.backoff(attempt + 1)
		if v.RetryAfter > 0 {
			if v.RetryAfter > c.cfg.Retry.MaxWait {
				return nil, pipeline.Transient(fmt.Errorf("server asks to wait %s, more than the %s this client waits: %w",
					v.RetryAfter.Round(time.Second), c.cfg.Retry.MaxWait, err))
			}
			// Every request of this budget honours the pause, not just this one.
			c.lim.pauseUntil(c.clock.Now().Add(v.RetryAfter))
			wait = max(wait, v.RetryAfter)
		}
		c.metrics.Retry(label, v.Code)
		c.log.Warn("http retry", "source", label, "url", shown, "attempt", attempt, "wait", wait, "error", err.Error())
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return nil, c.secrets.scrubError(fmt.Errorf("%s: %s %s: %w (last failure: %w)", label, req.Method, shown, err, lastErr))
		}
	}
}

func (c *Client) label(req Request) string {
	if req.Source != "" {
		return req.Source
	}
	return c.cfg.Name
}

func (c *Client) backoff(next int) time.Duration {
	p := pipeline.RetryPolicy{InitialDelay: c.cfg.Retry.Initial, MaxDelay: c.cfg.Retry.Max, Multiplier: 2, Jitter: 0.5}
	return p.Backoff(next, c.rand01)
}

// attempt sends req once. On failure it returns the verdict (for the
// retry's reason and pause) and an error classed transient or permanent.
func (c *Client) attempt(ctx context.Context, req Request, u *url.URL, shown, label string, attempt int) (*Response, Verdict, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, req.Method, u.String(), nil)
	if err != nil {
		return nil, Verdict{}, pipeline.Permanent(c.secrets.scrubError(fmt.Errorf("%s: %s %s: %w", label, req.Method, shown, err)))
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	hreq.Header.Set("User-Agent", c.cfg.UserAgent)

	start := c.clock.Now()
	hresp, err := c.http.Do(hreq)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(hresp.Body, c.cfg.MaxBody+1))
		hresp.Body.Close()
	}
	elapsed := c.clock.Now().Sub(start)
	if err != nil {
		status := 0
		if hresp != nil {
			status = hresp.StatusCode
		}
		reason := "network"
		if errors.Is(err, context.DeadlineExceeded) {
			reason = "timeout"
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			reason = "truncated"
		}
		c.metrics.Request(label, status, "transient", elapsed)
		c.log.Debug("http request", "source", label, "url", shown, "attempt", attempt, "status", status, "error", reason)
		return nil, Verdict{Outcome: Transient, Code: reason}, pipeline.Transient(c.transportError(label, req.Method, shown, err))
	}
	if int64(len(body)) > c.cfg.MaxBody {
		c.metrics.Request(label, hresp.StatusCode, "permanent", elapsed)
		return nil, Verdict{Outcome: Permanent}, pipeline.Permanent(fmt.Errorf("%s: %s %s: body larger than %d bytes", label, req.Method, shown, c.cfg.MaxBody))
	}

	now := c.clock.Now()
	v := Verdict{}
	if req.Classify != nil {
		v = req.Classify(hresp.StatusCode, hresp.Header, body)
	}
	if v.Outcome == Undecided {
		v = statusVerdict(hresp.StatusCode, body)
	}
	if v.Outcome == Transient && v.RetryAfter == 0 {
		v.RetryAfter = serverPause(hresp, now)
	}
	c.notePause(hresp, now)
	c.metrics.Request(label, hresp.StatusCode, v.Outcome.String(), elapsed)
	c.log.Debug("http request", "source", label, "url", shown, "attempt", attempt, "status", hresp.StatusCode,
		"outcome", v.Outcome.String(), "bytes", len(body), "duration", elapsed)

	switch v.Outcome {
	case Transient, Permanent:
		se := &StatusError{Source: label, Method: req.Method, URL: shown, Status: hresp.StatusCode,
			Reason: c.secrets.Scrub(v.Reason), RetryAfter: v.RetryAfter}
		if v.Outcome == Permanent {
			return nil, v, pipeline.Permanent(se)
		}
		if v.Code == "" {
			v.Code = strconv.Itoa(hresp.StatusCode)
		}
		return nil, v, pipeline.Transient(se)
	}

	resp := &Response{
		Status:      hresp.StatusCode,
		Header:      hresp.Header,
		Body:        body,
		ContentType: hresp.Header.Get("Content-Type"),
		URL:         shown,
		FetchedAt:   now.UTC(),
		Empty:       v.Outcome == Empty,
		Attempts:    attempt,
	}
	// Decode first, so the page is filed as accepted or rejected; keep it
	// either way, so a bad page can be replayed and the error can name it.
	var decodeErr error
	if req.Decode != nil {
		decodeErr = req.Decode(resp)
		if decodeErr != nil {
			resp.Rejected = c.secrets.Scrub(decodeErr.Error())
		}
	}
	if req.Source != "" && !req.NoCapture && c.capture != nil {
		key, existed, err := c.capture(ctx, &req, resp)
		if err != nil {
			return nil, Verdict{}, pipeline.Transient(fmt.Errorf("%s: keep raw response of %s: %w", label, shown, c.secrets.scrubError(err)))
		}
		resp.RawKey, resp.RawExisted = key, existed
	}
	if decodeErr != nil {
		be := &BodyError{Source: label, URL: shown, Status: resp.Status, RawKey: resp.RawKey, Err: c.secrets.scrubError(decodeErr)}
		c.metrics.Request(label, resp.Status, "invalid", 0)
		c.log.Warn("http unusable body", "source", label, "url", shown, "raw", resp.RawKey, "error", be.Err.Error())
		if pipeline.IsPermanent(decodeErr) {
			return nil, Verdict{Outcome: Permanent}, pipeline.Permanent(be)
		}
		return nil, Verdict{Outcome: Transient, Code: "body"}, pipeline.Transient(be)
	}
	return resp, v, nil
}

// transportError rewrites a net/http error, which quotes the full URL, to
// name the source and the redacted URL instead.
func (c *Client) transportError(label, method, shown string, err error) error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = shown
		inner = ue.Err
	}
	msg := fmt.Sprintf("%s: %s %s: %s", label, method, shown, c.secrets.Scrub(inner.Error()))
	return &scrubbedError{msg: msg, err: err}
}

// statusVerdict is the default reading of an HTTP status.
func statusVerdict(status int, body []byte) Verdict {
	switch {
	case status >= 200 && status < 300:
		return Verdict{Outcome: OK}
	case status == http.StatusTooManyRequests:
		return Verdict{Outcome: Transient, Reason: "rate limited (429)"}
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status >= 500:
		return Verdict{Outcome: Transient, Reason: snippet(body)}
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return Verdict{Outcome: Permanent, Reason: "credentials refused: " + snippet(body)}
	}
	return Verdict{Outcome: Permanent, Reason: snippet(body)}
}

// snippet is the start of a body for an error message, on one line.
func snippet(body []byte) string {
	const n = 200
	s := string(body)
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

// serverPause reads how long the server asks the client to wait:
// Retry-After (delay-seconds or an HTTP date, RFC 9110) or X's
// x-rate-limit-reset (epoch seconds).
func serverPause(resp *http.Response, now time.Time) time.Duration {
	if ra := strings.TrimSpace(resp.Header.Get("Retry-After")); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(ra); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if reset := resetTime(resp.Header); !reset.IsZero() {
		return max(reset.Sub(now), 0)
	}
	return 0
}

func resetTime(h http.Header) time.Time {
	v := strings.TrimSpace(h.Get("X-Rate-Limit-Reset"))
	if v == "" {
		v = strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}
	}
	return time.Unix(secs, 0)
}

// notePause pauses the whole budget when a successful answer says it is
// spent (x-rate-limit-remaining: 0), so the next request does not earn a
// 429. A client with limits off (benchmarks, the simulator) skips this
// courtesy; a 429 is still honoured.
func (c *Client) notePause(resp *http.Response, now time.Time) {
	rem := strings.TrimSpace(resp.Header.Get("X-Rate-Limit-Remaining"))
	if rem != "0" || c.cfg.Limit.unlimited() {
		return
	}
	if reset := resetTime(resp.Header); reset.After(now) && reset.Sub(now) <= c.cfg.Retry.MaxWait {
		c.lim.pauseUntil(reset)
	}
}
