// Package source holds what the collectors share: the dependencies they
// are built with and the stats they report. The collectors themselves live
// in source/twitter, source/yahoo, source/etherscan and source/scrape, all
// on the one HTTP client in source/httpx; none of them knows the engine.
package source

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"memepipe/raw"
	"memepipe/source/httpx"
	"memepipe/store"
)

// Deps are the collaborators a collector is built with.
type Deps struct {
	// Zone keeps every response page (required).
	Zone *raw.Zone
	// Watermarks keep incremental cursors (required).
	Watermarks store.Watermarks
	// HTTPClient is the transport (nil: a new http.Client). Yahoo adds a
	// cookie jar to a copy of it.
	HTTPClient *http.Client
	// Clock defaults to the wall clock; tests pass an httpx.FakeClock.
	Clock httpx.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics defaults to none.
	Metrics httpx.Metrics
	// Budget, when set, holds the rate-limit buckets (shared by every
	// process on it) instead of each client's memory.
	Budget httpx.SharedBudget
}

// Check reports missing required dependencies.
func (d Deps) Check(who string) error {
	var missing []string
	if d.Zone == nil {
		missing = append(missing, "raw zone")
	}
	if d.Watermarks == nil {
		missing = append(missing, "watermark store")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s collector: missing %s", who, strings.Join(missing, " and "))
	}
	return nil
}

// Client builds the collector's httpx client on these dependencies, with
// raw capture into Zone and secrets registered for scrubbing.
func (d Deps) Client(cfg httpx.Config, hc *http.Client, secrets ...string) *httpx.Client {
	if hc == nil {
		hc = d.HTTPClient
	}
	if hc == nil {
		hc = &http.Client{}
	}
	opts := []httpx.Option{httpx.WithHTTPClient(hc), httpx.WithSecrets(secrets...)}
	if d.Zone != nil {
		opts = append(opts, httpx.WithCapture(httpx.RawCapture(d.Zone)))
	}
	if d.Clock != nil {
		opts = append(opts, httpx.WithClock(d.Clock))
	}
	if d.Logger != nil {
		opts = append(opts, httpx.WithLogger(d.Logger))
	}
	if d.Metrics != nil {
		opts = append(opts, httpx.WithMetrics(d.Metrics))
	}
	if d.Budget != nil {
		opts = append(opts, httpx.WithSharedBudget(d.Budget))
	}
	return httpx.New(cfg, opts...)
}

// Stats is what one Collect call did, for the task's records counts and log.
type Stats struct {
	// Requests is how many responses were kept (pages, block lookups).
	Requests int `json:"requests"`
	// Records counts the items in them (tweets, transfers, logs, bars).
	Records int `json:"records"`
	// RawNew and RawExisting split the kept pages into newly stored ones
	// and ones the raw zone already had (a re-run of the interval).
	RawNew      int `json:"raw_new"`
	RawExisting int `json:"raw_existing"`
	// RawKeys lists the pages kept, in fetch order.
	RawKeys []string `json:"raw_keys,omitempty"`
	// Watermark is the cursor after the call ("" when the source keeps none).
	Watermark string `json:"watermark,omitempty"`
	// Notes say what was left out and why (a clamped window, a page cap, a
	// token not on the source).
	Notes []string `json:"notes,omitempty"`
}

// Page records one kept response with n records.
func (s *Stats) Page(resp *httpx.Response, n int) {
	s.Requests++
	s.Records += n
	if resp.RawKey != "" {
		s.RawKeys = append(s.RawKeys, resp.RawKey)
		if resp.RawExisted {
			s.RawExisting++
		} else {
			s.RawNew++
		}
	}
}

// Note adds a note.
func (s *Stats) Note(format string, args ...any) {
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

// Add folds o into s (a collector made of several parts).
func (s *Stats) Add(o Stats) {
	s.Requests += o.Requests
	s.Records += o.Records
	s.RawNew += o.RawNew
	s.RawExisting += o.RawExisting
	s.RawKeys = append(s.RawKeys, o.RawKeys...)
	s.Notes = append(s.Notes, o.Notes...)
	if o.Watermark != "" {
		s.Watermark = o.Watermark
	}
}
