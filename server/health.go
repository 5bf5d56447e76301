package server

import (
	"context"
	"net/http"
	"time"
)

// healthz answers 200 while the process serves.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store answers a ping and the scheduler's
// loop runs with its last tick done, else 503 saying which is wrong.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"store": "ok", "scheduler": "ok"}
	ready := true
	if err := s.o.Store.Ping(ctx); err != nil {
		checks["store"] = "unreachable"
		ready = false
		s.log.Warn("server: readyz: store ping failed", "err", err)
	}
	if err := s.o.Scheduler.Ready(); err != nil {
		checks["scheduler"] = "not ready"
		ready = false
		s.log.Warn("server: readyz: scheduler not ready", "err", err)
	}
	status := http.StatusOK
	checks["status"] = "ready"
	if !ready {
		status = http.StatusServiceUnavailable
		checks["status"] = "not ready"
	}
	writeJSON(w, status, checks)
}

// metrics serves the Prometheus registry, refreshing the dataset
// freshness gauges from the store first.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.o.Metrics == nil {
		writeError(w, http.StatusNotFound, "metrics are not enabled")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if fresh, err := s.o.Store.TaskFreshness(ctx); err == nil {
		for _, f := range fresh {
			s.o.Metrics.DatasetRefreshed(f.Pipeline+"."+f.Task, f.LastSuccess)
		}
	} else {
		s.log.Warn("server: metrics: dataset freshness", "err", err)
	}
	s.o.Metrics.Handler().ServeHTTP(w, r)
}
