package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/store/open"
	"memepipe/tasks"
)

func (a *app) cleanCommand() *cobra.Command {
	var start, end string
	var sources []string
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Clean an interval's raw objects into the canonical tables, outside a pipeline",
		Long: `Clean the raw objects collected for an interval into the canonical tables,
as a pipeline's clean task does, and run and record the data-quality checks
(memepipe checks shows them, under pipeline "cli"). An object belongs to
[start, end) when the interval it was collected for lies inside it.

Without --start and --end: the last complete hour. With one, the other is
an hour away. Times: RFC 3339, 2026-11-28T18:00 (UTC), 2026-11-28, now,
-24h. --sources: raw sources or families (etherscan.); default every source
with a parser.

Cleaning is idempotent: rows are upserted by natural key, so cleaning an
interval again leaves the same rows. Exit 1 when an object could not be
loaded (the others are) or an error-severity check failed.`,
		Example: `  memepipe clean --start -24h --end now
  memepipe clean --start 2026-11-28T17:00 --sources twitter.search`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			var iv pipeline.Interval
			var err error
			switch {
			case start == "" && end == "":
				e := now.UTC().Truncate(time.Hour)
				iv = pipeline.Interval{Start: e.Add(-time.Hour), End: e}
			case start == "":
				if iv, err = hourInterval("2000-01-01", end, now); err == nil {
					iv.Start = iv.End.Add(-time.Hour)
				}
			case end == "":
				if iv, err = hourInterval(start, "2100-01-01", now); err == nil {
					iv.End = iv.Start.Add(time.Hour)
				}
			default:
				iv, err = hourInterval(start, end, now)
			}
			if err != nil {
				return err
			}
			return a.clean(cmd.Context(), "clean", sources, iv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&start, "start", "", "interval start (default: an hour before --end)")
	f.StringVar(&end, "end", "", "interval end, exclusive (default: the last full hour)")
	f.StringSliceVar(&sources, "sources", nil, "raw sources or families to clean (default: all with a parser)")
	return cmd
}

func (a *app) recleanCommand() *cobra.Command {
	var from, to string
	var sources []string
	cmd := &cobra.Command{
		Use:   "reclean",
		Short: "Rebuild canonical rows from the raw zone, e.g. after a parser fix",
		Long: `Rebuild the canonical rows of every raw object collected for an interval
inside [--from, --to), with the parsers of this build: after a parser fix,
or after a clean that failed on objects a fixed parser now reads. Rows are
upserted by natural key, so recleaning changes exactly the rows the new
parser reads differently, and recleaning twice changes nothing. Rows an old
parser wrote under a key the new one no longer produces are not deleted.
The analyses' replay checkpoints after --from are dropped (they may cover
rewritten rows): the next analyze runs replay those tokens from the first row.`,
		Example: `  memepipe reclean --from 2026-11-01 --to 2026-11-29
  memepipe reclean --from -7d --to now --sources etherscan.getlogs`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return usageError("reclean needs --from and --to")
			}
			iv, err := hourInterval(from, to, time.Now())
			if err != nil {
				return err
			}
			return a.clean(cmd.Context(), "reclean", sources, iv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "start of the window (required)")
	f.StringVar(&to, "to", "", "end of the window, exclusive (required)")
	f.StringSliceVar(&sources, "sources", nil, "raw sources or families to clean (default: all with a parser)")
	return cmd
}

// clean runs tasks.CleanInterval outside a pipeline; its checks are
// recorded under pipeline "cli" and a run id of its own.
func (a *app) clean(ctx context.Context, task string, sources []string, iv pipeline.Interval) error {
	cfg, err := a.loadConfig(false)
	if err != nil {
		return err
	}
	srcs, err := tasks.ExpandSources(sources)
	if err != nil {
		return usageError("--sources: %v", err)
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
	started := time.Now()
	runID := task + "-" + started.UTC().Format("20060102T150405.000Z")
	fmt.Fprintf(a.stdout, "memepipe %s: %s for %s (raw %s, db %s)\n", task, strings.Join(srcs, ", "), iv, zone.URL(), open.Redact(cfg.DB))
	out, err := tasks.CleanInterval(ctx, tasks.Deps{Config: cfg, Store: st, Raw: zone, Logger: a.log}, tasks.CleanSpec{
		Sources: srcs, Interval: iv, RunID: runID, Pipeline: "cli", Task: task, Log: a.stdout,
	})
	if out != nil {
		fmt.Fprintf(a.stdout, "%s: %d objects, %d loaded, %d rows in %s (checks: memepipe checks)\n",
			task, out.Objects, out.Loaded, out.TotalRows(), time.Since(started).Round(time.Millisecond))
	}
	if out != nil && out.Loaded > 0 {
		// The analyses' replay checkpoints after the window's start may
		// cover rows this clean rewrote in place (same count, new values),
		// which their row counts cannot tell: drop them, so the next runs
		// replay from the first row.
		n, derr := st.DeleteCheckpoints(context.WithoutCancel(ctx), iv.Start)
		switch {
		case derr != nil:
			a.log.Warn("analysis checkpoints not dropped", "err", derr)
		case n > 0:
			fmt.Fprintf(a.stdout, "%s: dropped %d analysis checkpoints after %s (the next analyze runs replay from the first row)\n",
				task, n, iv.Start.Format(time.RFC3339))
		}
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}
