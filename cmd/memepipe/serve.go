package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"memepipe/config"
	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/observe"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/schedule"
	"memepipe/scheduler"
	"memepipe/server"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/tasks"
	"memepipe/web"
)

// serveCommands are memepipe serve and its API clients: trigger, backfill,
// pause and unpause talk to a running serve over its HTTP API, so the
// runs they start are run (and watched) by the daemon.
func (a *app) serveCommands() []*cobra.Command {
	return []*cobra.Command{a.serveCommand(), a.triggerCommand(), a.backfillCommand(),
		a.pauseCommand("pause", true), a.pauseCommand("unpause", false)}
}

func (a *app) serveCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the scheduler daemon with the HTTP API, web UI and /metrics",
		Long: `Run every pipeline on its schedule (schedule: and timezone: in config), with
the JSON API under /api/v1, the web UI at /, Prometheus metrics at /metrics
and the probes /healthz and /readyz.

Each schedule slot is one run, keyed (pipeline, interval): several serve
processes on one PostgreSQL never run a slot twice. After downtime, missed
slots within catchup_window (at most max_catchup) are run one at a time;
max_active_runs and overlap (skip, buffer_one, allow) bound concurrency.

Bound to a loopback address (the default) no token is needed. Bound to any
other address serve refuses to start without MEMEPIPE_API_TOKEN, and every
request must carry "Authorization: Bearer $MEMEPIPE_API_TOKEN" (the UI asks
for it once and keeps a session cookie).

SIGINT or SIGTERM stops gracefully: no new slots fire, running tasks get the
engine's grace period, their runs are left to resume on the next start.`,
		Example: `  memepipe serve
  memepipe serve --config prod.yaml --addr 127.0.0.1:9090
  MEMEPIPE_API_TOKEN=$(cat token) memepipe serve --addr 0.0.0.0:8080`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.serve(cmd.Context(), addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", server.DefaultAddr, "listen address host:port (a non-loopback host needs MEMEPIPE_API_TOKEN)")
	return cmd
}

// schedulerPipelines maps the configured pipelines to the scheduler's.
func schedulerPipelines(cfg *config.Config, dags map[string]*pipeline.DAG) ([]scheduler.Pipeline, error) {
	var out []scheduler.Pipeline
	for i, p := range cfg.Pipelines {
		sp := scheduler.Pipeline{DAG: dags[p.Name], Interval: p.Interval.D(),
			Policy: schedule.Policy{CatchupWindow: p.CatchupWindow.D(), MaxCatchup: p.MaxCatchup,
				MaxActiveRuns: p.MaxActiveRuns, Overlap: schedule.Overlap(p.Overlap)}}
		if sp.Interval <= 0 {
			sp.Interval = time.Hour
		}
		if p.Schedule != "" {
			s, err := schedule.Parse(p.Schedule, p.Timezone)
			if err != nil {
				return nil, fmt.Errorf("pipelines[%d] (%s).schedule: %w", i, p.Name, err)
			}
			sp.Schedule = s
		}
		out = append(out, sp)
	}
	return out, nil
}

func (a *app) serve(ctx context.Context, addr string) error {
	cfg, err := a.loadConfig(false)
	if err != nil {
		return err
	}
	token := cfg.Secrets.APIToken.Reveal()
	if _, err := server.IsLoopback(addr); err != nil {
		return usageError("--addr: %v", err)
	}
	if loop, _ := server.IsLoopback(addr); !loop && token == "" {
		return usageError("refusing to serve on %s without an API token: set MEMEPIPE_API_TOKEN (or MEMEPIPE_API_TOKEN_FILE), or use --addr %s", addr, server.DefaultAddr)
	}
	st, err := open.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	zone, err := raw.Open(ctx, cfg.Raw)
	if err != nil {
		return err
	}
	defer zone.Close()
	m := metrics.New()
	// The collectors report their upstream requests, rate-limit waits and
	// retries to /metrics.
	dags, err := tasks.Build(cfg, tasks.Deps{Config: cfg, Store: st, Raw: zone, Logger: a.log, HTTPMetrics: m.Upstream()})
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	for i := range cfg.Pipelines {
		// Scheduled runs of collectors with no tokens fail (and alert);
		// say why once, up front.
		if err := checkWatchlist(cfg, &cfg.Pipelines[i]); err != nil {
			a.log.Warn(errors.Unwrap(err).Error())
		}
	}
	pipes, err := schedulerPipelines(cfg, dags)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	alerting, err := a.newAlerting(cfg, st)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	defer a.closeAlerting(alerting)

	eng := engine.New(st, engine.Options{
		MaxParallel: cfg.MaxParallel,
		Pools:       cfg.Pools,
		Logger:      a.log,
		Redact:      cfg.Redact,
		Observe:     observe.Fanout(observe.Metrics(m), alerting.Observer(dags)),
	})
	sch, err := scheduler.New(pipes, scheduler.Options{Store: st, Executor: scheduler.Engine(eng), Metrics: m, Logger: a.log})
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	ui, err := web.New(web.Options{Store: st, Scheduler: sch, Logger: a.log})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Options{Store: st, Scheduler: sch, Metrics: m, Addr: addr, Token: token, UI: ui, Logger: a.log})
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.log.Info("memepipe serve: listening", "addr", "http://"+ln.Addr().String(), "db", open.Redact(cfg.DB),
		"pipelines", len(pipes), "auth", srv.AuthRequired())
	fmt.Fprintf(a.stdout, "memepipe: serving %d pipelines on http://%s (db %s)\n", len(pipes), ln.Addr(), open.Redact(cfg.DB))

	schedDone := make(chan error, 1)
	go func() { schedDone <- sch.Run(ctx) }()
	go a.freshness(cfg, st, alerting, m).Watch(ctx, time.Minute)
	srvErr := srv.Serve(ctx, ln, 10*time.Second)
	// Serve returns when ctx is done (or the listener fails): stop the
	// scheduler too and wait for its runs to stop gracefully.
	if srvErr != nil && ctx.Err() == nil {
		a.log.Error("memepipe serve: HTTP server failed; stopping", "err", srvErr)
	}
	<-schedDone
	a.log.Info("memepipe serve: stopped")
	if srvErr != nil && !errors.Is(srvErr, http.ErrServerClosed) && ctx.Err() == nil {
		return srvErr
	}
	return nil
}

// apiClient talks to a running memepipe serve.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func (a *app) client(serverURL string) (*apiClient, error) {
	if serverURL == "" {
		serverURL = os.Getenv("MEMEPIPE_SERVER")
	}
	if serverURL == "" {
		serverURL = "http://" + server.DefaultAddr
	}
	if !strings.HasPrefix(serverURL, "http://") && !strings.HasPrefix(serverURL, "https://") {
		return nil, usageError("--server %q: want a URL like http://127.0.0.1:8080", serverURL)
	}
	tok := os.Getenv("MEMEPIPE_API_TOKEN")
	if f := os.Getenv("MEMEPIPE_API_TOKEN_FILE"); tok == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("MEMEPIPE_API_TOKEN_FILE: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	return &apiClient{base: strings.TrimRight(serverURL, "/"), token: tok, http: &http.Client{Timeout: time.Minute}}, nil
}

// post sends body to path and decodes the answer into out; an error
// answer becomes an error carrying the server's message.
func (c *apiClient) post(ctx context.Context, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("memepipe serve at %s: %w (is it running? --server or $MEMEPIPE_SERVER)", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("memepipe serve at %s: %w", c.base, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			err = fmt.Errorf("%s: %s", resp.Status, e.Error)
		} else {
			err = fmt.Errorf("%s", resp.Status)
		}
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusConflict {
			return &exitError{code: exitUsage, err: err}
		}
		return err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("memepipe serve at %s answered %s: %w", c.base, resp.Status, err)
		}
	}
	return nil
}

func (a *app) triggerCommand() *cobra.Command {
	var (
		serverURL, start, end string
		rerun, asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "trigger PIPELINE",
		Short: "Ask a running memepipe serve to run a pipeline now",
		Long: `Ask a running memepipe serve (--server, $MEMEPIPE_SERVER, default
http://127.0.0.1:8080) to run PIPELINE for the latest complete interval, or
for [--start, --end) (RFC 3339). The run goes on in the server; follow it with
'memepipe runs show ID' or in the web UI. An interval whose run has ended is
resumed (--rerun: every task again); one whose run is active is refused.`,
		Example: `  memepipe trigger memes
  memepipe trigger memes --start 2026-11-28T17:00:00Z --end 2026-11-28T18:00:00Z --rerun`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client(serverURL)
			if err != nil {
				return err
			}
			body := map[string]any{"rerun": rerun}
			if start != "" || end != "" {
				if start == "" || end == "" {
					return usageError("give both --start and --end, or neither")
				}
				s, err1 := time.Parse(time.RFC3339, start)
				e, err2 := time.Parse(time.RFC3339, end)
				if err := errors.Join(err1, err2); err != nil {
					return usageError("--start/--end: %v (want RFC 3339, e.g. 2026-11-28T17:00:00Z)", err)
				}
				body["start"], body["end"] = s, e
			}
			var tr server.TriggerResponse
			if err := c.post(cmd.Context(), "/api/v1/pipelines/"+pathEscape(args[0])+"/trigger", body, &tr); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, tr)
			}
			verb := "started"
			if !tr.Created {
				verb = "resumed"
			}
			fmt.Fprintf(a.stdout, "run %s of %s for [%s, %s) %s (memepipe runs show %s)\n", tr.ID, tr.Pipeline,
				tr.IntervalStart.Format(time.RFC3339), tr.IntervalEnd.Format(time.RFC3339), verb, tr.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&serverURL, "server", "", "memepipe serve's URL (default $MEMEPIPE_SERVER or http://127.0.0.1:8080)")
	f.StringVar(&start, "start", "", "interval start, RFC 3339 (default: the latest complete interval)")
	f.StringVar(&end, "end", "", "interval end, RFC 3339")
	f.BoolVar(&rerun, "rerun", false, "run every task again, even those that succeeded")
	f.BoolVar(&asJSON, "json", false, "print the server's answer as JSON")
	return cmd
}

func (a *app) backfillCommand() *cobra.Command {
	var (
		serverURL, from, to string
		asJSON              bool
	)
	cmd := &cobra.Command{
		Use:   "backfill PIPELINE --from T --to T",
		Short: "Ask a running memepipe serve to backfill a range of intervals",
		Long: `Queue a run (trigger backfill) for every interval of PIPELINE that lies in
[--from, --to] (RFC 3339); the server runs them oldest first, at most
max_active_runs at a time. Intervals that already have a run are left alone.`,
		Example: `  memepipe backfill memes --from 2026-11-01T00:00:00Z --to 2026-11-08T00:00:00Z`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return usageError("backfill needs --from and --to")
			}
			f, err1 := time.Parse(time.RFC3339, from)
			t, err2 := time.Parse(time.RFC3339, to)
			if err := errors.Join(err1, err2); err != nil {
				return usageError("--from/--to: %v (want RFC 3339, e.g. 2026-11-01T00:00:00Z)", err)
			}
			c, err := a.client(serverURL)
			if err != nil {
				return err
			}
			var b scheduler.Backfilled
			if err := c.post(cmd.Context(), "/api/v1/pipelines/"+pathEscape(args[0])+"/backfill", map[string]any{"from": f, "to": t}, &b); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, b)
			}
			fmt.Fprintf(a.stdout, "backfill of %s queued: %d intervals from %s to %s, %d new runs (%d had one)\n", b.Pipeline, b.Slots,
				b.First.Start.Format(time.RFC3339), b.Last.End.Format(time.RFC3339), b.Created, b.Slots-b.Created)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&serverURL, "server", "", "memepipe serve's URL (default $MEMEPIPE_SERVER or http://127.0.0.1:8080)")
	fl.StringVar(&from, "from", "", "range start, RFC 3339")
	fl.StringVar(&to, "to", "", "range end, RFC 3339")
	fl.BoolVar(&asJSON, "json", false, "print the server's answer as JSON")
	return cmd
}

func (a *app) pauseCommand(name string, paused bool) *cobra.Command {
	var serverURL string
	what := "Stop scheduling a pipeline (runs in flight go on)"
	if !paused {
		what = "Resume scheduling a paused pipeline (missed slots are caught up)"
	}
	cmd := &cobra.Command{
		Use:   name + " PIPELINE",
		Short: what,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client(serverURL)
			if err != nil {
				return err
			}
			var st scheduler.Status
			if err := c.post(cmd.Context(), "/api/v1/pipelines/"+pathEscape(args[0])+"/"+name, nil, &st); err != nil {
				return err
			}
			state := "unpaused"
			if st.Paused {
				state = "paused"
			}
			fmt.Fprintf(a.stdout, "%s %s\n", st.Name, state)
			return nil
		},
	}
	cmd.Flags().StringVar(&serverURL, "server", "", "memepipe serve's URL (default $MEMEPIPE_SERVER or http://127.0.0.1:8080)")
	return cmd
}

// pathEscape makes a pipeline name one path segment.
func pathEscape(s string) string { return url.PathEscape(s) }

// freshness is the watcher of the pipelines' freshness windows: the
// stale alert and the datasets' last-success gauge.
func (a *app) freshness(cfg *config.Config, st store.Runs, alerting *observe.Alerting, m *metrics.Metrics) observe.Freshness {
	windows := map[string]time.Duration{}
	for _, p := range cfg.Pipelines {
		windows[p.Name] = p.Freshness.D()
	}
	return observe.Freshness{Store: st, Windows: windows, Alerts: alerting, Metrics: m, Logger: a.log}
}
