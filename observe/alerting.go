package observe

import (
	"context"
	"log/slog"
	"time"

	"memepipe/alert"
	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/pipeline"
	"memepipe/store"
)

// Alerting is the alert rules and the notifiers, wired to the store:
// conditions persist there (so cron-started runs page once per problem)
// and every delivery is recorded there.
type Alerting struct {
	Evaluator  *alert.Evaluator
	Dispatcher *alert.Dispatcher
	log        *slog.Logger
	checks     store.Checks
}

// AlertingOptions configure NewAlerting.
type AlertingOptions struct {
	Config alert.Config
	Secret alert.Secret // resolves *_env names
	Scrub  []string     // secret values to scrub from messages
	Store  store.Alerts
	// Checks, when set, feeds the data-quality results a finished task
	// stored (the clean tasks) to the quality_check rule.
	Checks  store.Checks
	Metrics *metrics.Metrics // optional
	Logger  *slog.Logger
	Now     func() time.Time
}

// NewAlerting builds the notifiers (resolving their secrets) and returns
// nil, nil when no notifier is configured.
func NewAlerting(o AlertingOptions) (*Alerting, error) {
	if len(o.Config.Notifiers) == 0 {
		return nil, nil
	}
	ns, err := alert.Build(o.Config, o.Secret)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	var hist alert.History = o.Store
	if o.Metrics != nil {
		hist = countingHistory{o.Store, o.Metrics}
	}
	d := alert.NewDispatcher(ns, o.Config.Routes, alert.DispatchOptions{History: hist, Logger: o.Logger, Secrets: o.Scrub})
	return &Alerting{
		Evaluator:  alert.NewEvaluator(o.Config, o.Store, d.Send, o.Now),
		Dispatcher: d,
		log:        o.Logger,
		checks:     o.Checks,
	}, nil
}

// Observer returns the engine observer feeding the rules (nil-safe).
func (a *Alerting) Observer(dags map[string]*pipeline.DAG) func(engine.Event) {
	if a == nil {
		return nil
	}
	rules := Alerts(a.Evaluator, dags, a.log)
	if a.checks == nil {
		return rules
	}
	return func(ev engine.Event) {
		rules(ev)
		if ev.Kind != engine.TaskFinished || ev.TaskRun == nil {
			return
		}
		ctx := context.Background()
		rs, err := a.checks.ListChecks(ctx, store.CheckFilter{RunID: ev.Run.ID, Task: ev.TaskRun.Task})
		if err != nil {
			a.log.Warn("alerts: read check results", "run_id", ev.Run.ID, "task", ev.TaskRun.Task, "err", err)
			return
		}
		for _, r := range rs {
			err := a.Evaluator.QualityChecked(ctx, alert.QualityEvent{Pipeline: r.Pipeline, Dataset: r.Dataset, Check: r.Check,
				RunID: r.RunID, Severity: r.Severity, Passed: r.Passed, Message: r.Message})
			if err != nil {
				a.log.Warn("alerts: quality_check rule", "dataset", r.Dataset, "check", r.Check, "err", err)
			}
		}
	}
}

// Flush waits up to the context's deadline for the alerts queued so far to
// go out, and keeps the notifiers open (nil-safe).
func (a *Alerting) Flush(ctx context.Context) error {
	if a == nil {
		return nil
	}
	return a.Dispatcher.Flush(ctx)
}

// Close waits up to the context's deadline for queued alerts to go out.
func (a *Alerting) Close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	return a.Dispatcher.Close(ctx)
}

// countingHistory records deliveries in the store and counts them.
type countingHistory struct {
	h alert.History
	m *metrics.Metrics
}

func (c countingHistory) RecordDelivery(ctx context.Context, d alert.Delivery) error {
	c.m.AlertDelivered(d.Notifier, d.OK)
	return c.h.RecordDelivery(ctx, d)
}
