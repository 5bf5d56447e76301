package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"memepipe/internal/shareddata"
	"memepipe/pipeline"
)

// fixedNow is the clock of most tests: the market is the 30 days before it.
var fixedNow = time.Date(2026, 3, 10, 12, 34, 56, 0, time.UTC)

var shared struct {
	once sync.Once
	s    *Sim
}

// sharedSim is one 50-token market for the read-only tests (its skeletons
// are built once for the whole package).
func sharedSim(t testing.TB) *Sim {
	t.Helper()
	shared.once.Do(func() {
		shared.s = New(Options{Seed: 7, Now: func() time.Time { return fixedNow }})
	})
	return shared.s
}

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// get serves one request in process; hdr is pairs of header name, value.
func get(t testing.TB, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// strict decodes JSON rejecting fields the target does not know.
func strict(t testing.TB, name string, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: strict decode: %v\nbody: %.600s", name, err, body)
	}
}

func readSample(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, append([]string{"api-samples"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lastDay(s *Sim) pipeline.Interval {
	n := s.opts.Now().UTC().Truncate(time.Hour)
	return pipeline.Interval{Start: n.Add(-24 * time.Hour), End: n}
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func (s *Sim) tokenBySymbol(sym string) *token { return s.m.bySym[sym][0] }

// tokenWith returns a token carrying an event of the kind whose start
// lies in the last day.
func tokenWith(t testing.TB, s *Sim, kind EventKind) (*token, Event) {
	t.Helper()
	for _, e := range s.Truth(lastDay(s)).Events {
		if e.Kind == kind && !e.Start.Before(lastDay(s).Start) {
			return s.tokenBySymbol(e.Token), e
		}
	}
	t.Fatalf("no %s event in the last day", kind)
	return nil, Event{}
}

func newServer(t testing.TB, s *Sim) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// fetch GETs url over HTTP with an optional cookie and checks the status.
func fetch(t testing.TB, c *http.Client, u string, cookie *http.Cookie, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %.300s", u, resp.StatusCode, want, b)
	}
	return b
}
