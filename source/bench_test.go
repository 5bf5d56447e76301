package source_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/sim"
	"memepipe/source"
	"memepipe/source/etherscan"
	"memepipe/source/httpx"
	"memepipe/source/scrape"
	"memepipe/source/sourcetest"
	"memepipe/source/twitter"
	"memepipe/source/yahoo"
)

// BenchmarkCollectAgainstSimulator measures what memepipe controls when the
// APIs do not hold it back: every collector, limits off, against the
// simulator (limits and faults off) on loopback, storing every page in an
// in-memory raw zone. One op collects one hour of one token from all four
// sources; req/s counts HTTP requests (pages, block lookups, robots.txt,
// the crumb handshake).
//
//	go test ./source -run '^$' -bench CollectAgainstSimulator -benchtime 3s
func BenchmarkCollectAgainstSimulator(b *testing.B) {
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s := sim.New(sim.Options{Seed: 1, Tokens: 10, Now: func() time.Time { return now }})
	var requests int64
	srv := httptest.NewServer(countRequests(s, &requests))
	defer srv.Close()
	urls := sim.URLs(srv.URL)
	zone := sourcetest.MemZone(b)
	off := func(c *httpx.Config) { c.Limit = httpx.Unlimited; c.HostDelay = 0 }
	tw := twitter.DefaultConfig()
	tw.BaseURL = urls.Twitter
	off(&tw.HTTP)
	ys := yahoo.DefaultConfig().PointAt(urls.Yahoo)
	ys.CookieURL = urls.YahooCookie
	off(&ys.HTTP)
	es := etherscan.DefaultConfig()
	es.BaseURL = urls.Etherscan
	off(&es.HTTP)
	sc := scrape.DefaultConfig()
	sc.DexScreener.BaseURL = urls.DexScreener
	off(&sc.HTTP)
	off(&sc.DexScreener.HTTP)
	tokens := s.WatchlistAt(srv.URL)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	atomic.StoreInt64(&requests, 0)
	for i := 0; b.Loop(); i++ {
		// Fresh watermarks: a watermark would (rightly) skip work already done.
		deps := source.Deps{Zone: zone, Watermarks: sourcetest.NewWatermarks(), HTTPClient: srv.Client(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		twc, _ := twitter.New(tw, "bench-bearer-token", deps)
		yc, _ := yahoo.New(ys, deps)
		ec, _ := etherscan.New(es, "BENCHKEY123", deps)
		scc, _ := scrape.New(sc, deps)
		tok := tokens[i%len(tokens)]
		hour := now.Add(-time.Duration(1+i%24) * time.Hour)
		iv := pipeline.Interval{Start: hour, End: hour.Add(time.Hour)}
		for _, c := range []collector{twc, yc, ec, scc} {
			if _, err := c.Collect(ctx, tok, iv); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(atomic.LoadInt64(&requests))/time.Since(start).Seconds(), "req/s")
	b.ReportMetric(float64(atomic.LoadInt64(&requests))/float64(b.N), "req/op")
}
