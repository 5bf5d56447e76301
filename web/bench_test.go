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
	"memepipe/web"
)

// BenchmarkPages measures the API and UI with 10,000 runs of a 4-task
// pipeline (40,000 task runs) in a SQLite store: each op is one request
// through the full handler stack (auth, CSRF, routing, queries,
// rendering), without the network. Seeding is not timed.
func BenchmarkPages(b *testing.B) {
	env := servetest.New(b, servetest.Options{})
	servetest.SeedRuns(b, env.Store, 10_000, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	ui, err := web.New(web.Options{Store: env.Store, Scheduler: env.Scheduler, Logger: env.Logger})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Options{Store: env.Store, Scheduler: env.Scheduler, Metrics: env.Metrics, Addr: "127.0.0.1:8080", UI: ui, Logger: env.Logger})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	ctx := context.Background()
	runs, err := env.Store.ListRuns(ctx, store.RunFilter{Pipeline: "memes", Limit: 5000})
	if err != nil {
		b.Fatal(err)
	}
	newest, deep := runs[0].ID, runs[len(runs)-1].ID // page ~167 of the grid
	for _, bc := range []struct{ name, path string }{
		{"UI/overview", "/"},
		{"UI/grid", "/pipelines/memes"},
		{"UI/grid_page_167", "/pipelines/memes?before=" + deep},
		{"UI/run", "/runs/" + newest},
		{"UI/datasets", "/datasets"},
		{"API/pipelines", "/api/v1/pipelines"},
		{"API/runs_50", "/api/v1/runs?pipeline=memes&limit=50"},
		{"API/runs_50_deep", "/api/v1/runs?pipeline=memes&limit=50&before=" + deep},
		{"API/runs_failed", "/api/v1/runs?state=failed&limit=50"},
		{"API/run", "/api/v1/runs/" + newest},
		{"API/datasets", "/api/v1/datasets"},
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
