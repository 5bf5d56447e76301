package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Notifier delivers alerts to one channel.
type Notifier interface {
	// Name is the notifier's name in config (routes refer to it).
	Name() string
	// Type is webhook, slack, email, pagerduty or opsgenie.
	Type() string
	// Notify delivers one alert. An error wrapped by Permanent is not
	// retried (a 400 or 401 will not get better); others are.
	Notify(ctx context.Context, a Alert) error
}

// permanentError marks a delivery failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanentError)) }

// poster sends JSON to an HTTP endpoint. Errors never contain the URL:
// Slack and webhook URLs are secrets in their own right.
type poster struct {
	client *http.Client
}

func newPoster(timeout time.Duration) poster {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return poster{client: &http.Client{Timeout: timeout}}
}

// postJSON marshals v, lets sign add headers, and POSTs it. A 2xx answer
// is success; 429 and 5xx are retryable; other 4xx are permanent.
func (p poster) postJSON(ctx context.Context, url string, v any, header http.Header) error {
	body, err := json.Marshal(v)
	if err != nil {
		return Permanent(fmt.Errorf("encode alert: %w", err))
	}
	return p.post(ctx, url, "application/json", body, header)
}

func (p poster) post(ctx context.Context, url, contentType string, body []byte, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		// The URL is in err; say only that it is malformed.
		return Permanent(errors.New("invalid notifier URL"))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "memepipe-alert")
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			// *url.Error embeds the URL in its message: keep only the cause.
			if inner := ue.Unwrap(); inner != nil {
				return fmt.Errorf("POST failed: %w", inner)
			}
		}
		return errors.New("POST failed")
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(snippet))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return err
	}
	return Permanent(err)
}
