package sim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Responses per second of each endpoint, served in process (no network).
// The first iteration builds the token's history; later ones hit the
// token-hour cache, as paginating collectors do.
func benchEndpoint(b *testing.B, path string, hdr ...string) {
	s := sharedSim(b)
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if rec := httptest.NewRecorder(); true {
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %.200s", path, rec.Code, rec.Body)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var bytes int
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		bytes += rec.Body.Len()
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "resp/s")
	b.SetBytes(int64(bytes / b.N))
}

func benchPaths(b *testing.B) map[string]string {
	s := sharedSim(b)
	paths := map[string]string{}
	for i, p := range requestsFor(s) {
		paths[[]string{"TwitterSearch100", "EtherscanTokentx1000", "EtherscanGetLogs", "EtherscanBlockByTime", "EtherscanSourceCode", "EtherscanTxlist", "YahooChart1h", "DexScreenerPair", "Page", "Truth"}[i]] = p
	}
	return paths
}

func BenchmarkTwitterSearch100(b *testing.B) {
	benchEndpoint(b, benchPaths(b)["TwitterSearch100"], "Authorization", "Bearer x")
}
func BenchmarkEtherscanTokentx1000(b *testing.B) {
	benchEndpoint(b, benchPaths(b)["EtherscanTokentx1000"])
}
func BenchmarkEtherscanGetLogs(b *testing.B) { benchEndpoint(b, benchPaths(b)["EtherscanGetLogs"]) }
func BenchmarkEtherscanBlockByTime(b *testing.B) {
	benchEndpoint(b, benchPaths(b)["EtherscanBlockByTime"])
}
func BenchmarkEtherscanSourceCode(b *testing.B) {
	benchEndpoint(b, benchPaths(b)["EtherscanSourceCode"])
}
func BenchmarkEtherscanTxlist(b *testing.B) { benchEndpoint(b, benchPaths(b)["EtherscanTxlist"]) }
func BenchmarkYahooChart1h(b *testing.B)    { benchEndpoint(b, benchPaths(b)["YahooChart1h"]) }
func BenchmarkDexScreenerPair(b *testing.B) { benchEndpoint(b, benchPaths(b)["DexScreenerPair"]) }
func BenchmarkPage(b *testing.B)            { benchEndpoint(b, benchPaths(b)["Page"]) }

func BenchmarkYahooQuoteSummary(b *testing.B) {
	s := sharedSim(b)
	var ticker string
	for _, w := range s.Watchlist() {
		if w.YahooTicker != "" {
			ticker = w.YahooTicker
			break
		}
	}
	cookie := "d=AQABBNbench"
	benchEndpoint(b, "/yahoo/v10/finance/quoteSummary/"+ticker+"?"+q("formatted", "false", "modules", "price,summaryDetail", "crumb", s.crumbFor(cookie)), "Cookie", "A3="+cookie)
}

// BenchmarkSkeleton is the one-time cost of a token's 37-day history.
func BenchmarkSkeleton(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := New(Options{Seed: int64(i), Tokens: 1, Now: func() time.Time { return fixedNow }})
		s.m.skel(s.m.tokens[0])
	}
}
