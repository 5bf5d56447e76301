package server

import (
	"context"
	"net/http"
	"time"
)

// The request metrics are labelled by the route pattern that served the
// request ("GET /runs/{id}"), never by its path: a path carries run ids
// and token addresses, which would make a series per request.
//
// The pattern is only known after routing, deep inside the middleware
// (and, for UI pages, inside the web package's own mux), so the outermost
// wrapper puts a slot in the request's context and the wrapper just around
// the mux fills it in once the handler has run: ServeMux writes the matched
// pattern into the request it was given, and a nested mux overwrites it
// with its own, more specific one.

type routeSlot struct{ pattern string }

type routeKey struct{}

// unrouted labels requests refused before routing (host check,
// authentication, CSRF).
const unrouted = "unrouted"

// instrument records every answer's route, status and latency.
func (s *Server) instrument(next http.Handler) http.Handler {
	if s.o.Metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		slot := &routeSlot{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, slot)))
		route := slot.pattern
		if route == "" {
			route = unrouted
		}
		s.o.Metrics.HTTPRequest(route, sw.code(), time.Since(start))
	})
}

// routed notes the pattern the mux matched in the request's slot.
func routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slot, ok := r.Context().Value(routeKey{}).(*routeSlot); ok {
			// Deferred: a handler that panics is still counted by route.
			defer func() { slot.pattern = r.Pattern }()
		}
		mux.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer
// (flushes, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
