package main

import (
	"context"
	"os"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/spf13/cobra"

	"memepipe/engine"
	mlambda "memepipe/lambda"
	"memepipe/metrics"
	"memepipe/observe"
	"memepipe/source/httpx"
	"memepipe/store/open"
)

// lambdaRuntime reports whether this process is an AWS Lambda function's
// bootstrap: the runtime API is where it gets its invocations from.
func lambdaRuntime() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }

func (a *app) lambdaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "lambda",
		Short: "Serve AWS Lambda invocations (the function's entry point)",
		Long: `Run as an AWS Lambda function (custom runtime, provided.al2023): each
invocation runs one pipeline run, or one task of it, for one interval:

  {"pipeline": "hourly", "interval_start": "2026-11-28T17:00:00Z", "interval_end": "2026-11-28T18:00:00Z"}
  {"pipeline": "hourly", "task": "clean", "interval_start": "...", "interval_end": "..."}
  {"pipeline": "hourly", "scheduled_time": "2026-11-28T18:00:00Z"}

scheduled_time is what 'memepipe export eventbridge' schedules send: the run
covers the interval that ends at that slot. The binary named bootstrap starts
this by itself when AWS_LAMBDA_RUNTIME_API is set. Configuration: the config
file in $MEMEPIPE_CONFIG (packaged with the function), the store in
$MEMEPIPE_DB (PostgreSQL: the function's file system is read-only but /tmp),
the raw zone in $MEMEPIPE_RAW (s3://bucket/prefix); secrets from the
function's environment as usual.`,
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
			// With a Pushgateway each invocation pushes its own run's
			// metrics: warm invocations share the process, so every one
			// starts a fresh registry (metrics.Current).
			var (
				cur *metrics.Current
				up  httpx.Metrics
			)
			if cfg.Metrics.Pushgateway != "" {
				cur = &metrics.Current{}
				cur.Next()
				up = cur.Upstream()
			}
			dags, closeDAGs, err := a.buildDAGs(ctx, cfg, st, up)
			if err != nil {
				return err
			}
			defer closeDAGs()
			owner := os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME")
			if owner == "" {
				owner = engine.DefaultOwner()
			}
			alerting, err := a.newAlerting(cfg, st)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			defer a.closeAlerting(alerting)
			h := mlambda.New(mlambda.Handler{
				Store: st, Config: cfg, DAGs: dags, Logger: a.log,
				Engine: engine.Options{MaxParallel: cfg.MaxParallel, Pools: cfg.Pools, Redact: cfg.Redact,
					Observe: observe.Fanout(alerting.Observer(dags), observeCurrent(cur))},
				// The run's alerts and metrics go out before the invocation
				// returns and the environment freezes.
				AfterRun: func(ctx context.Context, pipeline string) {
					if err := alerting.Flush(ctx); err != nil {
						a.log.Warn("alerts still queued when the invocation ended", "pipeline", pipeline, "err", err)
					}
					if cur != nil {
						a.pushMetrics(ctx, cfg, cur.Next(), pipeline)
					}
				},
			}, owner)
			a.log.Info("lambda function ready", "pipelines", len(dags), "db", open.Redact(cfg.DB))
			awslambda.StartWithOptions(h.Invoke, awslambda.WithContext(ctx))
			return nil
		},
	}
}

// observeCurrent records engine events into the Metrics in use (nil when
// cur is).
func observeCurrent(cur *metrics.Current) func(engine.Event) {
	if cur == nil {
		return nil
	}
	return func(ev engine.Event) { observe.Metrics(cur.Load())(ev) }
}
