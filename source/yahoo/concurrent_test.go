package yahoo

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/sim"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/source/sourcetest"
)

// Tasks collect several tokens at once on one collector. Each cookie +
// crumb handshake replaces the session cookie, so concurrent handshakes
// used to invalidate each other's crumbs (401 Invalid Crumb, twice, and
// the token failed); now the first caller does the handshake and the
// others wait for its crumb.
func TestQuoteConcurrentFirstUseSharesOneHandshake(t *testing.T) {
	s := sim.New(sim.Options{Seed: 7, Tokens: 3})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	var tok = s.WatchlistAt(srv.URL)[0]
	for _, w := range s.WatchlistAt(srv.URL) {
		if w.YahooTicker != "" {
			tok = w
		}
	}
	if tok.YahooTicker == "" {
		t.Fatal("no simulated token with a Yahoo ticker")
	}
	cfg := DefaultConfig().PointAt(sim.URLs(srv.URL).Yahoo)
	cfg.HTTP.Limit = httpx.Unlimited
	c, err := New(cfg, source.Deps{Zone: sourcetest.MemZone(t), Watermarks: sourcetest.NewWatermarks(), HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC().Truncate(time.Hour)
	iv := pipeline.Interval{Start: end.Add(-time.Hour), End: end}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Quote().Collect(context.Background(), tok, iv)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
}
