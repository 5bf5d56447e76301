package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/open"
)

func (a *app) runsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs, show a run's tasks, print task logs",
		Long: `Inspect run history in the database (--db, $MEMEPIPE_DB, or db: in config).

RUN is a run id as printed by 'memepipe run' and 'memepipe runs list', or
"latest" for the newest run (of --pipeline, when given).`,
		Example: `  memepipe runs list --pipeline hourly --state failed --limit 20
  memepipe runs show latest
  memepipe runs show 01JDX3Q8... --json | jq '.tasks[] | select(.state != "success")'
  memepipe runs logs latest --task collect --attempt 2`,
	}
	cmd.AddCommand(a.runsListCommand(), a.runsShowCommand(), a.runsLogsCommand())
	return cmd
}

// openStore loads the config (for db) and opens the store.
func (a *app) openStore(ctx context.Context) (store.Store, error) {
	cfg, err := a.loadConfig(false)
	if err != nil {
		return nil, err
	}
	return open.Open(ctx, cfg.DB)
}

func (a *app) runsListCommand() *cobra.Command {
	var (
		pipelineName string
		states       []string
		limit        int
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Long: `List runs, newest first (by interval start, then creation time).

--json prints a JSON array of runs: id, pipeline, state, trigger,
interval_start, interval_end, created_at, started_at, ended_at, owner.`,
		Example: `  memepipe runs list
  memepipe runs list --pipeline hourly --state failed --state running
  memepipe runs list --limit 0 --json > runs.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.RunFilter{Pipeline: pipelineName, Limit: limit}
			for _, s := range states {
				st, err := pipeline.ParseState(s)
				if err != nil {
					return usageError("--state: %v (want one of %s)", err, stateNames())
				}
				f.States = append(f.States, st)
			}
			if limit < 0 {
				return usageError("--limit must be 0 (all) or more")
			}
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.ListRuns(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				if runs == nil {
					runs = []pipeline.Run{}
				}
				return writeJSON(a.stdout, runs)
			}
			if len(runs) == 0 {
				fmt.Fprintln(a.stdout, "no runs")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPIPELINE\tINTERVAL START\tINTERVAL END\tSTATE\tTRIGGER\tDURATION")
			for _, r := range runs {
				d, _ := span(r.StartedAt, r.EndedAt)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Pipeline, r.Interval.Start.Format("2006-01-02T15:04Z07:00"), r.Interval.End.Format("2006-01-02T15:04Z07:00"), r.State, r.Trigger, orDash(d))
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&pipelineName, "pipeline", "p", "", "only runs of this pipeline")
	f.StringSliceVar(&states, "state", nil, "only runs in these states (repeatable): "+stateNames())
	f.IntVar(&limit, "limit", 50, "at most this many runs (0: all)")
	f.BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func stateNames() string {
	names := make([]string, len(pipeline.States))
	for i, s := range pipeline.States {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// resolveRun finds RUN: an id, or "latest".
func resolveRun(ctx context.Context, st store.Store, id, pipelineName string) (pipeline.Run, error) {
	if id == "latest" {
		runs, err := st.ListRuns(ctx, store.RunFilter{Pipeline: pipelineName, Limit: 1})
		if err != nil {
			return pipeline.Run{}, err
		}
		if len(runs) == 0 {
			return pipeline.Run{}, errors.New("no runs yet")
		}
		return runs[0], nil
	}
	r, err := st.GetRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pipeline.Run{}, fmt.Errorf("no run %q (see memepipe runs list)", id)
	}
	return r, err
}

func (a *app) runsShowCommand() *cobra.Command {
	var (
		asJSON       bool
		pipelineName string
	)
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a run and its tasks",
		Long: `Show a run and, per task, its state, attempts, duration, records and error.

--json prints one object: id, pipeline, state, interval_start, interval_end,
trigger, created_at, started_at, ended_at, duration, owner, and tasks: an
array of {name, state, attempts, started_at, ended_at, duration, duration_ms,
records_in, records_out, error, history}, where history lists every attempt.
attempts counts attempts that started (a task that was upstream_failed or
skipped has 0); state, records and error are the latest attempt's.`,
		Example: `  memepipe runs show latest
  memepipe runs show 01JDX3Q8ZK6T1W3B9V5C7N2M4P --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := resolveRun(ctx, st, args[0], pipelineName)
			if err != nil {
				return err
			}
			trs, err := st.ListTaskRuns(ctx, r.ID)
			if err != nil {
				return err
			}
			v := newRunView(r, trs, nil)
			if asJSON {
				return writeJSON(a.stdout, v)
			}
			writeRunText(a.stdout, v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVarP(&pipelineName, "pipeline", "p", "", "with RUN=latest: the newest run of this pipeline")
	return cmd
}

func writeRunText(w io.Writer, v runView) {
	fmt.Fprintf(w, "run       %s\npipeline  %s\ninterval  [%s, %s)\nstate     %s\ntrigger   %s\n",
		v.ID, v.Pipeline, v.IntervalStart.UTC().Format("2006-01-02T15:04:05Z"), v.IntervalEnd.UTC().Format("2006-01-02T15:04:05Z"), v.State, v.Trigger)
	if v.StartedAt != nil {
		fmt.Fprintf(w, "started   %s\n", v.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if v.EndedAt != nil {
		fmt.Fprintf(w, "ended     %s (%s)\n", v.EndedAt.UTC().Format("2006-01-02T15:04:05.000Z"), orDash(v.Duration))
	}
	if v.Owner != "" && !v.State.Terminal() {
		fmt.Fprintf(w, "owner     %s\n", v.Owner)
	}
	fmt.Fprintln(w)
	writeTaskTable(w, v)
	// Attempt history where there is more than one attempt: why retries happened.
	for _, t := range v.Tasks {
		if len(t.History) < 2 {
			continue
		}
		fmt.Fprintf(w, "\n%s attempts:\n", t.Name)
		for _, h := range t.History {
			d := "-"
			if h.DurationMS != nil {
				d = fmt.Sprintf("%dms", *h.DurationMS)
			}
			fmt.Fprintf(w, "  #%d %-14s %8s  %s\n", h.Attempt, h.State, d, firstLine(h.Error, 100))
		}
	}
}

func (a *app) runsLogsCommand() *cobra.Command {
	var (
		task         string
		attempt      int
		pipelineName string
	)
	cmd := &cobra.Command{
		Use:   "logs RUN",
		Short: "Print task logs (a command's stdout and stderr, engine notes)",
		Long: `Print the logs of a run's task attempts: a command task's stdout and stderr,
and the engine's notes (start, exit status, retries).

Without --task, every attempt of every task, each under a header. With --task,
that task's latest attempt, or --attempt N.`,
		Example: `  memepipe runs logs latest
  memepipe runs logs 01JDX3Q8ZK6T1W3B9V5C7N2M4P --task collect
  memepipe runs logs latest --task collect --attempt 1`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if attempt != 0 && task == "" {
				return usageError("--attempt needs --task")
			}
			ctx := cmd.Context()
			st, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := resolveRun(ctx, st, args[0], pipelineName)
			if err != nil {
				return err
			}
			if task != "" {
				log, err := st.TaskRunLog(ctx, r.ID, task, attempt)
				if errors.Is(err, store.ErrNotFound) {
					if attempt > 0 {
						return fmt.Errorf("run %s has no attempt %d of task %q", r.ID, attempt, task)
					}
					return fmt.Errorf("run %s has no task %q", r.ID, task)
				}
				if err != nil {
					return err
				}
				_, err = io.WriteString(a.stdout, ensureNewline(log))
				return err
			}
			trs, err := st.ListTaskRuns(ctx, r.ID)
			if err != nil {
				return err
			}
			for _, tr := range trs {
				log, err := st.TaskRunLog(ctx, r.ID, tr.Task, tr.Attempt)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "==> %s attempt %d (%s) <==\n%s\n", tr.Task, tr.Attempt, tr.State, ensureNewline(log))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&task, "task", "t", "", "only this task")
	f.IntVar(&attempt, "attempt", 0, "with --task: this attempt (default: the latest)")
	f.StringVarP(&pipelineName, "pipeline", "p", "", "with RUN=latest: the newest run of this pipeline")
	return cmd
}

func ensureNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s needs %d argument(s), got %d\nRun '%s --help' for usage.", cmd.CommandPath(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
