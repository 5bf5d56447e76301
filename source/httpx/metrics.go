package httpx

import "time"

// Metrics receives what the client observes; the Prometheus layer
// implements it. Labels: source is the request's raw source name
// ("etherscan.tokentx"), or the client's name for requests that are not
// captured (crumb, robots.txt).
type Metrics interface {
	// Request is called once per attempt: status is the HTTP status (0 for
	// a transport error) and outcome one of ok, empty, transient,
	// permanent, invalid (the body failed to decode).
	Request(source string, status int, outcome string, d time.Duration)
	// RateLimitWait is called when a request waited for the limiter (its
	// own budget or a server-requested pause) before being sent.
	RateLimitWait(source string, d time.Duration)
	// Retry is called before a retry, with the reason class (status code,
	// "network", "timeout", "body", or the classifier's reason).
	Retry(source, reason string)
}

type nopMetrics struct{}

func (nopMetrics) Request(string, int, string, time.Duration) {}
func (nopMetrics) RateLimitWait(string, time.Duration)        {}
func (nopMetrics) Retry(string, string)                       {}
