package observe

import (
	"context"
	"log/slog"
	"time"

	"memepipe/alert"
	"memepipe/metrics"
	"memepipe/pipeline"
	"memepipe/store"
)

// Freshness watches each pipeline's output like a Dagster freshness check:
// the pipeline's dataset is as fresh as its newest successful run, and a
// pipeline whose window passes without one is stale (the `stale` alert).
type Freshness struct {
	Store   store.Runs
	Windows map[string]time.Duration // pipeline -> freshness window
	Alerts  *Alerting                // optional
	Metrics *metrics.Metrics         // optional
	Logger  *slog.Logger
}

// Check evaluates every pipeline with a window once.
func (f Freshness) Check(ctx context.Context) error {
	var fs []alert.Freshness
	for p, w := range f.Windows {
		if w <= 0 {
			continue
		}
		runs, err := f.Store.ListRuns(ctx, store.RunFilter{Pipeline: p, States: []pipeline.State{pipeline.Success}, Limit: 1})
		if err != nil {
			return err
		}
		var last time.Time
		if len(runs) == 1 && runs[0].EndedAt != nil {
			last = *runs[0].EndedAt
			if f.Metrics != nil {
				f.Metrics.DatasetRefreshed(p, last)
			}
		}
		fs = append(fs, alert.Freshness{Pipeline: p, Dataset: p, LastSuccess: last, Window: w})
	}
	if f.Alerts == nil {
		return nil
	}
	return f.Alerts.Evaluator.CheckFreshness(ctx, fs)
}

// Watch checks every interval until ctx ends, logging failures (a database
// outage must not stop the watcher).
func (f Freshness) Watch(ctx context.Context, every time.Duration) {
	if len(f.Windows) == 0 {
		return
	}
	if f.Logger == nil {
		f.Logger = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := f.Check(ctx); err != nil && ctx.Err() == nil {
			f.Logger.Warn("freshness check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
