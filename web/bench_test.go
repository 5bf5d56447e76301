package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"memepipe/internal/servetest"
	"memepipe/server"
	"memepipe/store"
	"memepipe/store/postgres"
	"memepipe/store/storetest"
	"memepipe/web"
)

// BenchmarkPages measures the API and UI with 10,000 runs of a 4-task
// pipeline (40,000 task runs, 120,000 data-quality check results: twelve
// per run's clean) and ten days of one token's bars, sentiment and scores
// in a SQLite store: each op is one request through the full handler
// stack (auth, CSRF, routing, metrics, queries, rendering), without the
// network. Seeding is not timed.
func BenchmarkPages(b *testing.B) {
	benchPages(b, nil)
}

// BenchmarkPagesPostgres is BenchmarkPages on PostgreSQL (a schema of
// MEMEPIPE_TEST_POSTGRES_URL; skipped when unset).
func BenchmarkPagesPostgres(b *testing.B) {
	url := storetest.PostgresURL(b)
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	benchPages(b, st)
}

func benchPages(b *testing.B, st store.Store) {
	env := servetest.New(b, servetest.Options{Store: st})
	end := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	servetest.SeedRuns(b, env.Store, 10_000, end)
	ctx := context.Background()
	all, err := env.Store.ListRuns(ctx, store.RunFilter{Pipeline: "memes", OldestFirst: true})
	if err != nil {
		b.Fatal(err)
	}
	servetest.SeedChecks(b, env.Store, all, len(all)-1)
	servetest.SeedTokens(b, env.Store, end)
	ui, err := web.New(web.Options{Store: env.Store, Scheduler: env.Scheduler, Logger: env.Logger})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Metrics: env.Metrics, Addr: "127.0.0.1:8080", UI: ui, Logger: env.Logger})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	newest, deep := all[len(all)-1].ID, all[len(all)-5000].ID // page ~167 of the grid
	for _, bc := range []struct{ name, path string }{
		{"UI/overview", "/"},
		{"UI/grid", "/pipelines/memes"},
		{"UI/grid_page_167", "/pipelines/memes?before=" + deep},
		{"UI/run", "/runs/" + newest},
		{"UI/datasets", "/datasets"},
		{"UI/tokens", "/tokens"},
		{"UI/token", "/tokens/" + servetest.PepeKey},
		{"UI/token_swaps", "/tokens/" + servetest.SwappyKey},
		{"API/pipelines", "/api/v1/pipelines"},
		{"API/runs_50", "/api/v1/runs?pipeline=memes&limit=50"},
		{"API/runs_50_deep", "/api/v1/runs?pipeline=memes&limit=50&before=" + deep},
		{"API/runs_failed", "/api/v1/runs?state=failed&limit=50"},
		{"API/run", "/api/v1/runs/" + newest},
		{"API/datasets", "/api/v1/datasets"},
		{"API/checks_latest", "/api/v1/checks"},
		{"API/checks_failing", "/api/v1/checks?failing=true"},
		{"API/checks_run", "/api/v1/checks?run=" + deep},
		{"API/token", "/api/v1/tokens/" + servetest.PepeKey},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+bc.path, nil)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d: %s", bc.path, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
