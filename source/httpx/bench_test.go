package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkClientLoopback measures the requests per second the client
// sustains with limits off against a loopback server answering a 1.4 KB
// Etherscan-sized JSON body: the overhead memepipe adds (limiter, retry
// bookkeeping, redaction, classification) on top of net/http.
//
//	go test ./source/httpx -run '^$' -bench ClientLoopback -benchtime 2s
func BenchmarkClientLoopback(b *testing.B) {
	body := []byte(`{"status":"1","message":"OK","result":[`)
	for len(body) < 1400 {
		body = append(body, `{"blockNumber":"14051455","hash":"0xccb6a445e136492b242d1c2c0221dc4afd4447c9"},`...)
	}
	body = append(body, `{}]}`...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 64
	c := New(Config{Name: "bench", Limit: Unlimited}, WithHTTPClient(srv.Client()),
		WithLogger(slog.New(slog.DiscardHandler)), WithSecrets("bench-secret-key"))
	url := srv.URL + "/api?module=account&action=tokentx&apikey=bench-secret-key"
	classify := func(status int, _ http.Header, b []byte) Verdict { return Verdict{} }
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			do := func() {
				resp, err := c.Do(context.Background(), Request{URL: url, Classify: classify})
				if err != nil || len(resp.Body) != len(body) {
					b.Fatal(err)
				}
			}
			if mode == "serial" {
				for b.Loop() {
					do()
				}
			} else {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						do()
					}
				})
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
