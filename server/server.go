// Package server is memepipe's HTTP face: the JSON API under /api/v1,
// /healthz, /readyz and /metrics, with the web UI (package web) mounted at
// /. It owns authentication and CSRF protection for both.
//
// Security model. Bound to a loopback address (the default,
// 127.0.0.1:8080) the server trusts the local machine and asks for no
// token, but it still refuses requests whose Host header is not a loopback
// name (a DNS-rebinding page could otherwise reach it through the
// browser) and cross-origin state-changing requests. Bound to any other
// address it refuses to start without MEMEPIPE_API_TOKEN, and every
// request but the probes needs `Authorization: Bearer <token>` or the UI
// session cookie that /login sets after checking the token.
//
// CSRF: state-changing requests (POST) pass net/http's
// CrossOriginProtection, which rejects any request a browser marks as
// cross-site (Sec-Fetch-Site) or whose Origin does not match the Host.
// That was chosen over per-form tokens: it is stateless, needs nothing in
// the UI's forms or in API clients (curl and scripts send neither header
// and are not browsers, so there is no ambient credential to abuse), and
// every browser memepipe's UI supports sends Sec-Fetch-Site. The session
// cookie is also SameSite=Strict, so a cross-site form never carries it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"memepipe/metrics"
	"memepipe/scheduler"
	"memepipe/store"
)

// DefaultAddr is where `memepipe serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// MaxBody caps request bodies; larger ones get 413.
const MaxBody = 1 << 20

// Options configure a Server.
type Options struct {
	Store     store.Store
	Scheduler *scheduler.Scheduler
	Metrics   *metrics.Metrics
	// Addr is the address the server listens on: it decides whether a
	// token is required.
	Addr string
	// Token is the API token (MEMEPIPE_API_TOKEN). Required when Addr is
	// not a loopback address; when set on loopback it is enforced too.
	Token string
	// UI, when set, serves every path outside /api/, /healthz, /readyz
	// and /metrics (the web package's handler).
	UI     http.Handler
	Logger *slog.Logger
	Now    func() time.Time
}

// Server serves the API, probes, metrics and the UI.
type Server struct {
	o       Options
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	auth    bool
	session string // the session cookie's value, derived from the token
}

// New checks the options and builds the handler.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Scheduler == nil {
		return nil, errors.New("server: a store and a scheduler are required")
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	loopback, err := IsLoopback(o.Addr)
	if err != nil {
		return nil, err
	}
	if !loopback && o.Token == "" {
		return nil, fmt.Errorf("refusing to serve on %s without an API token: set MEMEPIPE_API_TOKEN (or MEMEPIPE_API_TOKEN_FILE), or bind to %s", o.Addr, DefaultAddr)
	}
	s := &Server{o: o, log: o.Logger.With("component", "server"), mux: http.NewServeMux(), auth: o.Token != ""}
	if s.auth {
		s.session = sessionValue(o.Token)
	}
	s.routes()
	s.handler = s.instrument(s.middleware(routed(s.mux), loopback))
	return s, nil
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// AuthRequired reports whether requests need the token.
func (s *Server) AuthRequired() bool { return s.auth }

// IsLoopback reports whether addr (host:port) binds only loopback
// interfaces. An empty host binds every interface.
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("listen address %q: %v (want host:port, e.g. %s)", addr, err, DefaultAddr)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// Serve listens on the options' address until ctx is done, then stops
// accepting and waits up to grace for requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return err
	}
	return nil
}
