package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdktemporal "go.temporal.io/sdk/temporal"

	"memepipe/config"
	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/observe"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/source/httpx"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/tasks"
	mtemporal "memepipe/temporal"
)

// temporalFlags are how every Temporal command finds the cluster.
type temporalFlags struct {
	hostPort, namespace, taskQueue string
}

func (f *temporalFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.hostPort, "temporal", "127.0.0.1:7233", "Temporal frontend HOST:PORT")
	fl.StringVar(&f.namespace, "namespace", "default", "Temporal namespace")
	fl.StringVar(&f.taskQueue, "task-queue", mtemporal.DefaultTaskQueue, "task queue the workers poll")
}

func (a *app) dialTemporal(f temporalFlags) (client.Client, error) {
	c, err := client.Dial(client.Options{
		HostPort:  f.hostPort,
		Namespace: f.namespace,
		Logger:    sdklog.NewStructuredLogger(a.log.With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", f.hostPort, f.namespace, err)
	}
	return c, nil
}

// buildDAGs builds every configured pipeline with the task dependencies a
// worker or a Lambda function gives its tasks: the store and the raw zone
// (opened here, so a bad bucket URL or missing credentials fail at start,
// not in the first task), and, when up is set, the collectors' upstream
// metrics. close closes the zone.
func (a *app) buildDAGs(ctx context.Context, cfg *config.Config, st store.Store, up httpx.Metrics) (dags map[string]*pipeline.DAG, close func(), err error) {
	zone, err := raw.Open(ctx, cfg.Raw)
	if err != nil {
		return nil, nil, err
	}
	deps := tasks.Deps{Config: cfg, Store: st, Raw: zone, Logger: a.log, HTTPMetrics: up}
	dags, err = tasks.Build(cfg, deps)
	if err != nil {
		zone.Close()
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	return dags, func() { zone.Close() }, nil
}

func (a *app) workerCommand() *cobra.Command {
	var (
		tf                    temporalFlags
		heartbeat, stopWithin time.Duration
		metricsAddr           string
		watchFreshness        bool
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run pipelines as a Temporal worker",
		Long: `Poll a Temporal task queue and run memepipe's run workflow and its tasks.

Every worker builds the pipelines from its own config (the same file on every
machine) and records runs and attempts in the configured store, which must be
shared by all workers: PostgreSQL (db: postgres://...). The raw zone should
be shared too (raw: s3://... or gs://...). Start runs with 'memepipe temporal
run' or a Temporal Schedule ('memepipe schedules sync'); watch them with
'memepipe runs' as usual.

A worker killed mid-task loses its attempt: after --heartbeat-timeout without
a heartbeat, Temporal dispatches it to another worker. On SIGTERM running
attempts get --stop-timeout to finish, then are dispatched again elsewhere
without using their retry budget.

Alerts: the config's alerts: section works as under 'memepipe serve' (failed
and permanently failed tasks, consecutive failed runs, SLA misses, quality
checks, and their recoveries), for what this worker runs; conditions live in
the shared store, so a problem pages once whichever worker sees it. The run
workflow times the SLAs and raises a miss on a worker. --watch-freshness
makes this worker check the pipelines' freshness windows every minute (the
stale alert): give it to one worker of the fleet.

Metrics: --metrics-addr serves Prometheus /metrics (runs, attempts, hand-off,
upstream requests and rate-limit waits of this worker's collectors).`,
		Example: `  MEMEPIPE_DB=postgres://memepipe@db:5432/memepipe \
    memepipe worker --config /etc/memepipe/memepipe.yaml --temporal temporal:7233`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			st, err := open.Open(ctx, cfg.DB)
			if err != nil {
				return err
			}
			defer st.Close()
			var (
				m  *metrics.Metrics
				up httpx.Metrics
			)
			if metricsAddr != "" {
				m = metrics.New()
				up = m.Upstream()
			}
			dags, closeDAGs, err := a.buildDAGs(ctx, cfg, st, up)
			if err != nil {
				return err
			}
			defer closeDAGs()
			alerting, err := a.newAlerting(cfg, st)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			defer a.closeAlerting(alerting)
			c, err := a.dialTemporal(tf)
			if err != nil {
				return err
			}
			defer c.Close()
			if m != nil {
				stopMetrics, err := a.serveMetrics(metricsAddr, m)
				if err != nil {
					return err
				}
				defer stopMetrics()
			}
			// Events go out from a goroutine of their own, as the
			// engine's; stopEvents delivers the last ones before the
			// alerts are flushed (deferred calls run last first).
			emit, stopEvents := engine.Async(observe.Fanout(observeMetrics(m), alerting.Observer(dags)))
			defer stopEvents()
			if watchFreshness {
				go a.freshness(cfg, st, alerting, m).Watch(ctx, time.Minute)
			}
			identity := engine.DefaultOwner()
			acts := &mtemporal.Activities{
				Store: st, Config: cfg, DAGs: dags, Identity: identity,
				HeartbeatTimeout: heartbeat, Pools: cfg.Pools, SharedPools: cfg.SharedPools, Redact: cfg.Redact, Logger: a.log,
				Observe: emit,
			}
			w := mtemporal.NewWorker(c, acts, mtemporal.WorkerOptions{
				TaskQueue: tf.taskQueue, MaxParallel: cfg.MaxParallel, StopTimeout: stopWithin, Identity: identity,
			})
			a.log.Info("worker starting", "temporal", tf.hostPort, "namespace", tf.namespace, "task_queue", tf.taskQueue,
				"pipelines", strings.Join(cfg.PipelineNames(), ","), "db", open.Redact(cfg.DB), "identity", identity)
			stop := make(chan any)
			go func() { <-ctx.Done(); close(stop) }()
			if err := w.Run(stop); err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			a.log.Info("worker stopped")
			return nil
		},
	}
	tf.add(cmd)
	cmd.Flags().DurationVar(&heartbeat, "heartbeat-timeout", 30*time.Second, "an attempt whose worker is silent this long is dispatched again")
	cmd.Flags().DurationVar(&stopWithin, "stop-timeout", 10*time.Second, "on SIGTERM, how long running attempts may finish")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus /metrics on this address (e.g. :9464); off when empty")
	cmd.Flags().BoolVar(&watchFreshness, "watch-freshness", false, "check the pipelines' freshness windows every minute and raise the stale alert (on one worker)")
	return cmd
}

// serveMetrics serves m at http://addr/metrics until stop is called. The
// listener is opened here, so a taken port fails at start.
func (a *app) serveMetrics(addr string, m *metrics.Metrics) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageError("--metrics-addr: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	a.log.Info("metrics listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

func (a *app) schedulesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "Manage the Temporal Schedules of the pipelines",
	}
	var tf temporalFlags
	sync := &cobra.Command{
		Use:   "sync",
		Short: "Create, update and delete Temporal Schedules to match the config",
		Long: `Make the namespace's memepipe Schedules (IDs memepipe-<pipeline>) match the
config: one per pipeline with a schedule:, created or updated in place (its
cron and time zone, overlap policy skip/buffer_one/allow as SKIP/BUFFER_ONE/
ALLOW_ALL, catch-up window; a paused Schedule stays paused), and every
memepipe Schedule whose pipeline left the config or lost its schedule
deleted. Each Schedule starts the run workflow, which runs the interval that
ends at the slot. Run it after every config change (a deploy step).`,
		Example: `  memepipe schedules sync --config /etc/memepipe/memepipe.yaml --temporal temporal:7233`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			c, err := a.dialTemporal(tf)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := mtemporal.SyncSchedules(cmd.Context(), c, tf.taskQueue, cfg)
			for _, id := range res.Created {
				fmt.Fprintf(a.stdout, "created %s\n", id)
			}
			for _, id := range res.Updated {
				fmt.Fprintf(a.stdout, "updated %s\n", id)
			}
			for _, id := range res.Deleted {
				fmt.Fprintf(a.stdout, "deleted %s\n", id)
			}
			if err != nil {
				return err
			}
			if len(res.Created)+len(res.Updated)+len(res.Deleted) == 0 {
				fmt.Fprintln(a.stdout, "no scheduled pipelines and no memepipe schedules")
			}
			return nil
		},
	}
	tf.add(sync)
	var tfl temporalFlags
	list := &cobra.Command{
		Use:   "list",
		Short: "List the memepipe Schedules in the namespace",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.loadConfig(false); err != nil {
				return err
			}
			c, err := a.dialTemporal(tfl)
			if err != nil {
				return err
			}
			defer c.Close()
			ids, err := mtemporal.ListSchedules(cmd.Context(), c)
			if err != nil {
				return err
			}
			for _, id := range ids {
				fmt.Fprintln(a.stdout, id)
			}
			return nil
		},
	}
	tfl.add(list)
	cmd.AddCommand(sync, list)
	return cmd
}

func (a *app) temporalCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "temporal",
		Short: "Run pipelines through Temporal",
	}
	var (
		tf            temporalFlags
		pipelineName  string
		start, end    string
		rerun, detach bool
	)
	run := &cobra.Command{
		Use:   "run",
		Short: "Start a pipeline run on the Temporal workers and wait for it",
		Long: `Start the run workflow for one pipeline and interval on the workers of the
task queue (the interval flags are those of 'memepipe run'), then wait for it
unless --detach. A (pipeline, interval) has one workflow ID while it runs:
running the command again attaches to it. The run is recorded in the shared
store like a local one: 'memepipe runs show' shows it.

Exit code 0 when the run succeeded, 1 when it failed.`,
		Example: `  memepipe temporal run --pipeline hourly --start 2026-11-28T18:00 --end 2026-11-28T19:00`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			p, err := choosePipeline(cfg, pipelineName)
			if err != nil {
				return err
			}
			iv, err := runInterval(start, end, p, time.Now())
			if err != nil {
				return err
			}
			c, err := a.dialTemporal(tf)
			if err != nil {
				return err
			}
			defer c.Close()
			wr, err := mtemporal.StartRun(ctx, c, tf.taskQueue, mtemporal.RunRequest{Pipeline: p.Name, Interval: iv, Rerun: rerun})
			if err != nil {
				return fmt.Errorf("start run of %s for %s: %w", p.Name, iv, err)
			}
			fmt.Fprintf(a.stdout, "workflow %s (run id %s) for pipeline %s, interval %s\n", wr.GetID(), wr.GetRunID(), p.Name, iv)
			if detach {
				return nil
			}
			var out mtemporal.RunOutcome
			err = wr.Get(ctx, &out)
			var app *sdktemporal.ApplicationError
			if errors.As(err, &app) && app.Type() == mtemporal.ErrRunFailed {
				_ = app.Details(&out)
			} else if err != nil {
				return fmt.Errorf("workflow %s: %w", wr.GetID(), err)
			}
			fmt.Fprintf(a.stdout, "run %s %s\n", out.RunID, out.State)
			if out.State != pipeline.Success {
				fmt.Fprintf(a.stdout, "Details: memepipe runs show %s\n", out.RunID)
				return &exitError{code: exitFailed, err: fmt.Errorf("run %s %s", out.RunID, out.State), silent: true}
			}
			return nil
		},
	}
	tf.add(run)
	f := run.Flags()
	f.StringVarP(&pipelineName, "pipeline", "p", "", "pipeline to run (default: the only configured one)")
	f.StringVar(&start, "start", "", "interval start (default: start of the last complete slot)")
	f.StringVar(&end, "end", "", "interval end, exclusive (default: start + the pipeline's interval)")
	f.BoolVar(&rerun, "rerun", false, "run every task again as new attempts")
	f.BoolVar(&detach, "detach", false, "start the workflow and return")
	cmd.AddCommand(run)
	return cmd
}
