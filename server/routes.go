package server

import (
	"net/http"
)

// routes registers every endpoint. Later concerns add theirs with
// HandleAPI (and their pages in package web).
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /metrics", s.metrics)
	s.mux.HandleFunc("/login", s.login)

	s.HandleAPI("GET /api/v1/pipelines", s.listPipelines)
	s.HandleAPI("GET /api/v1/pipelines/{name}", s.getPipeline)
	s.HandleAPI("POST /api/v1/pipelines/{name}/trigger", s.trigger)
	s.HandleAPI("POST /api/v1/pipelines/{name}/backfill", s.backfill)
	s.HandleAPI("POST /api/v1/pipelines/{name}/pause", s.pause(true))
	s.HandleAPI("POST /api/v1/pipelines/{name}/unpause", s.pause(false))
	s.HandleAPI("GET /api/v1/runs", s.listRuns)
	s.HandleAPI("GET /api/v1/runs/{id}", s.getRun)
	s.mux.Handle("GET /api/v1/runs/{id}/tasks/{task}/logs", http.HandlerFunc(s.taskLog))

	s.HandleAPI("GET /api/v1/datasets", s.datasets)
	s.HandleAPI("GET /api/v1/scores", s.scores)
	s.HandleAPI("GET /api/v1/anomalies", s.anomalies)
	s.HandleAPI("GET /api/v1/flags", s.flags)
	s.HandleAPI("GET /api/v1/tokens/{token}", s.token)
	s.HandleAPI("GET /api/v1/checks", s.checks)

	s.HandleAPI("/api/", func(r *http.Request) (int, any, error) {
		return 0, nil, &notFound{"no API endpoint " + r.Method + " " + r.URL.Path + " (see /api/v1/pipelines, /api/v1/runs)"}
	})
	if s.o.UI != nil {
		s.mux.Handle("/", s.o.UI)
	}
}
