package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"memepipe/config"
	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/observe"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/tasks"
)

func (a *app) runCommand() *cobra.Command {
	var (
		pipelineName string
		start, end   string
		only         []string
		rerun, demo  bool
		df           demoFlags
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a pipeline for one data interval",
		Long: `Run a pipeline for one data interval [start, end).

A (pipeline, interval) has exactly one run. Running an interval that already
has a run resumes it: tasks that succeeded are not run again, and attempts
left running by a process that died are retried as new attempts. --rerun runs
every task again as new attempts, keeping the history.

Without --start and --end the interval is the last complete slot of the
pipeline's interval length (interval: in config, default 1h): at 18:20 with
1h slots, [17:00, 18:00). With one of them, the other is one interval away.
Times: RFC 3339 (2026-11-28T18:00:00Z), 2026-11-28T18:00 or 2026-11-28 (in
the pipeline's timezone), or relative: now, -24h, -7d (rounded down to the
pipeline's interval).

Progress: a live table on a terminal, one line per event otherwise; then a
summary table. Exit code 0 when the run succeeded, 1 when it failed or was
interrupted (run the same command again to resume), 2 for usage or config
errors. Ctrl-C stops gracefully; a second Ctrl-C exits at once.`,
		Example: `  # every default pipeline for the last 24 hours against the built-in
  # simulator: no keys, no internet, no config file
  memepipe run --demo
  memepipe run --demo --faults 0.2 --tokens 20

  # the only pipeline in ./memepipe.yaml, for the last complete slot
  memepipe run

  # one pipeline, one explicit interval, only two tasks (dependencies between
  # them are kept; dependencies on other tasks are ignored)
  memepipe run --config prod.yaml --pipeline hourly \
      --start 2026-11-28T18:00 --end 2026-11-28T19:00 --only collect --only clean

  # the last 24 hours as one run, every task again
  memepipe run --pipeline daily --start -24h --end now --rerun`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if demo {
				if pipelineName != "" || start != "" || end != "" || len(only) > 0 || rerun {
					return usageError("--demo runs every default pipeline for the last 24 hours; it takes no --pipeline, --start, --end, --only or --rerun")
				}
				return a.runDemo(cmd.Context(), df)
			}
			if cmd.Flags().Changed("faults") || cmd.Flags().Changed("tokens") || cmd.Flags().Changed("seed") || cmd.Flags().Changed("demo-dir") {
				return usageError("--faults, --tokens, --seed and --demo-dir go with --demo")
			}
			return a.run(cmd.Context(), runFlags{pipelineName, start, end, only, rerun})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&pipelineName, "pipeline", "p", "", "pipeline to run (default: the only configured one; \"demo\" with --demo)")
	f.StringVar(&start, "start", "", "interval start (default: start of the last complete slot)")
	f.StringVar(&end, "end", "", "interval end, exclusive (default: start + the pipeline's interval)")
	f.StringSliceVar(&only, "only", nil, "run only these tasks (repeatable, or comma-separated)")
	f.BoolVar(&rerun, "rerun", false, "run every task again as new attempts, even those that succeeded")
	f.BoolVar(&demo, "demo", false, "run every default pipeline for the last 24 hours against the built-in simulator (ignores config files)")
	df.register(f)
	return cmd
}

// noArgs is cobra.NoArgs with a usage exit code.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q\nRun '%s --help' for usage.", cmd.CommandPath(), strings.Join(args, " "), cmd.CommandPath())
	}
	return nil
}

type runFlags struct {
	pipeline, start, end string
	only                 []string
	rerun                bool
}

func (a *app) run(ctx context.Context, fl runFlags) error {
	cfg, err := a.loadConfig(false)
	if err != nil {
		return err
	}
	p, err := choosePipeline(cfg, fl.pipeline)
	if err != nil {
		return err
	}
	iv, err := runInterval(fl.start, fl.end, p, time.Now())
	if err != nil {
		return err
	}

	if err := checkWatchlist(cfg, p); err != nil {
		return err
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

	// With a Pushgateway the run's metrics (its attempts, and its
	// collectors' upstream requests) are pushed when it ends.
	var m *metrics.Metrics
	deps := tasks.Deps{Config: cfg, Store: st, Raw: zone, Logger: a.log}
	if cfg.Metrics.Pushgateway != "" {
		m = metrics.New()
		deps.HTTPMetrics = m.Upstream()
		defer func() {
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			a.pushMetrics(pctx, cfg, m, p.Name)
		}()
	}
	dag, err := tasks.BuildPipeline(cfg, p.Name, deps)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if len(fl.only) > 0 {
		if dag, err = dag.Subset(fl.only); err != nil {
			return usageError("--only: %v", err)
		}
	}
	return a.runDAG(ctx, cfg, st, dag, iv, fl.rerun, m)
}

// checkWatchlist refuses, before a run is created, to run collectors with
// an empty watchlist: they would have nothing to do, and a run that
// "succeeds" collecting nothing hides the mistake.
func checkWatchlist(cfg *config.Config, p *config.Pipeline) error {
	if len(cfg.Watchlist) > 0 {
		return nil
	}
	for _, t := range p.Tasks {
		if strings.HasPrefix(t.Type, "collect.") {
			return usageError("pipeline %s: task %s (%s): %v", p.Name, t.Name, t.Type, tasks.ErrEmptyWatchlist)
		}
	}
	return nil
}

// runDAG runs one DAG for one interval with progress output, alerting,
// metrics into m when it is set, and the summary table.
func (a *app) runDAG(ctx context.Context, cfg *config.Config, st store.Store, dag *pipeline.DAG, iv pipeline.Interval, rerun bool, m *metrics.Metrics) error {

	prior := func(runID string) map[string]pipeline.TaskRun {
		trs, err := st.ListTaskRuns(context.WithoutCancel(ctx), runID)
		if err != nil {
			return nil
		}
		latest := map[string]pipeline.TaskRun{}
		for _, tr := range trs {
			if tr.Attempt >= latest[tr.Task].Attempt {
				latest[tr.Task] = tr
			}
		}
		return latest
	}
	var prog progress
	engineLog := a.log
	if a.stdoutTTY {
		live := newLiveProgress(a.stdout, dag, iv, prior)
		if a.stderrTTY {
			a.logOut.set(live)
			defer a.logOut.set(a.stderr)
		}
		// The table shows what the engine's info lines would say.
		if !strings.EqualFold(cfg.Log.Level, "debug") {
			engineLog = a.newLogger(config.Log{Level: "warn", Format: cfg.Log.Format})
		}
		prog = live
	} else {
		fmt.Fprintf(a.stdout, "memepipe: running pipeline %s for %s (db %s)\n", dag.Name, iv, open.Redact(cfg.DB))
		prog = &plainProgress{w: a.stdout, prior: prior}
	}

	alerting, err := a.newAlerting(cfg, st)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	defer a.closeAlerting(alerting)

	eng := engine.New(st, engine.Options{
		MaxParallel: cfg.MaxParallel,
		Pools:       cfg.Pools,
		Logger:      engineLog,
		Redact:      cfg.Redact,
		Observe:     observe.Fanout(prog.Observe, alerting.Observer(map[string]*pipeline.DAG{dag.Name: dag}), observeMetrics(m)),
	})
	run, runErr := eng.Run(ctx, dag, iv, engine.RunOptions{Trigger: pipeline.TriggerManual, Rerun: rerun})
	prog.Close()

	if run.ID == "" {
		if runErr == nil {
			runErr = errors.New("the engine returned no run")
		}
		if errors.Is(runErr, engine.ErrClaimed) {
			return fmt.Errorf("%w; wait for it, or let `memepipe runs show` tell you who owns it", runErr)
		}
		return runErr
	}
	// The summary comes from the store, not from the events: it is what
	// `memepipe runs show` will say.
	bg := context.WithoutCancel(ctx)
	if r, err := st.GetRun(bg, run.ID); err == nil {
		run = r
	}
	trs, err := st.ListTaskRuns(bg, run.ID)
	if err != nil {
		return fmt.Errorf("run %s: read task runs: %w", run.ID, err)
	}
	order := make([]string, len(dag.Tasks))
	for i, t := range dag.Tasks {
		order[i] = t.Name
	}
	v := only(newRunView(run, trs, order), order)
	fmt.Fprintln(a.stdout)
	writeTaskTable(a.stdout, v)
	fmt.Fprintln(a.stdout)
	switch {
	case runErr != nil:
		fmt.Fprintf(a.stdout, "run %s interrupted (%s): %v\nRun the same command again to resume it.\n", run.ID, stateCounts(v), runErr)
		return &exitError{code: exitFailed, err: runErr, silent: true}
	case run.State == pipeline.Success:
		fmt.Fprintf(a.stdout, "run %s succeeded (%s) in %s\n", run.ID, stateCounts(v), orDash(v.Duration))
		return nil
	default:
		fmt.Fprintf(a.stdout, "run %s %s (%s)\nDetails: memepipe runs show %s; logs: memepipe runs logs %s --task TASK\n", run.ID, run.State, stateCounts(v), run.ID, run.ID)
		return &exitError{code: exitFailed, err: fmt.Errorf("run %s %s", run.ID, run.State), silent: true}
	}
}

// observeMetrics is the engine observer recording into m (nil when m is).
func observeMetrics(m *metrics.Metrics) func(engine.Event) {
	if m == nil {
		return nil
	}
	return observe.Metrics(m)
}

// pushMetrics pushes m to the configured Pushgateway, grouped by the
// pipeline (instance=<pipeline>: each pipeline's last run replaces its
// own group). A failed push is logged: the run's outcome stands.
func (a *app) pushMetrics(ctx context.Context, cfg *config.Config, m *metrics.Metrics, pipelineName string) {
	if err := m.Push(ctx, cfg.Metrics.Pushgateway, cfg.Metrics.Job, map[string]string{"instance": pipelineName}); err != nil {
		a.log.Warn("metrics not pushed", "err", err)
		return
	}
	a.log.Debug("metrics pushed", "pipeline", pipelineName)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func choosePipeline(cfg *config.Config, name string) (*config.Pipeline, error) {
	names := cfg.PipelineNames()
	if name == "" {
		switch len(names) {
		case 0:
			return nil, usageError("no pipelines are configured (add pipelines: to %s)", orDefault(cfg.File, config.DefaultFile))
		case 1:
			name = names[0]
		default:
			return nil, usageError("%d pipelines are configured; choose one with --pipeline: %s", len(names), strings.Join(names, ", "))
		}
	}
	p, ok := cfg.Pipeline(name)
	if !ok {
		return nil, usageError("no pipeline %q (configured: %s)", name, strings.Join(names, ", "))
	}
	return p, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
