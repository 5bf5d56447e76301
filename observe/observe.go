// Package observe connects the engine's events to what watches runs:
// Prometheus metrics and alert rules (the CLI's progress display is its
// own observer). The engine delivers events in order from its own
// goroutine, so observers may do I/O without slowing task hand-offs.
package observe

import (
	"context"
	"log/slog"
	"time"

	"memepipe/alert"
	"memepipe/engine"
	"memepipe/metrics"
	"memepipe/pipeline"
)

// Fanout calls each observer in turn; nil ones are left out.
func Fanout(fns ...func(engine.Event)) func(engine.Event) {
	var kept []func(engine.Event)
	for _, f := range fns {
		if f != nil {
			kept = append(kept, f)
		}
	}
	return func(ev engine.Event) {
		for _, f := range kept {
			f(ev)
		}
	}
}

// Metrics records runs, attempts and hand-offs.
func Metrics(m *metrics.Metrics) func(engine.Event) {
	return func(ev engine.Event) {
		switch ev.Kind {
		case engine.RunStarted:
			// Schedule lag is recorded by the scheduler, which knows the slot.
			m.RunStarted(ev.Run.Pipeline, time.Time{}, ev.At)
		case engine.RunFinished:
			if ev.Err == nil {
				m.RunFinished(ev.Run.Pipeline, string(ev.Run.State))
			} else {
				m.RunFinished(ev.Run.Pipeline, "interrupted")
			}
		case engine.TaskStarted:
			if !ev.ReadyAt.IsZero() {
				m.HandedOff(ev.At.Sub(ev.ReadyAt))
			}
		case engine.TaskRetrying, engine.TaskFinished:
			tr := ev.TaskRun
			if tr == nil {
				return
			}
			var d time.Duration
			if tr.StartedAt != nil && tr.EndedAt != nil {
				d = tr.EndedAt.Sub(*tr.StartedAt)
			}
			m.AttemptFinished(ev.Run.Pipeline, tr.Task, string(tr.State), d, tr.RecordsIn, tr.RecordsOut)
		}
	}
}

// Alerts feeds the alert rules: a task that ended for good (failed,
// timed_out, or succeeded again), a finished run, an SLA miss. dags gives
// the SLAs the messages quote.
func Alerts(e *alert.Evaluator, dags map[string]*pipeline.DAG, log *slog.Logger) func(engine.Event) {
	if log == nil {
		log = slog.Default()
	}
	iv := func(r pipeline.Run) (time.Time, time.Time) { return r.Interval.Start, r.Interval.End }
	return func(ev engine.Event) {
		ctx := context.Background()
		var err error
		switch ev.Kind {
		case engine.TaskFinished:
			tr := ev.TaskRun
			if tr == nil {
				return
			}
			switch tr.State {
			case pipeline.Failed, pipeline.TimedOut, pipeline.Success:
			default:
				return // skipped, upstream_failed (the root cause alerts), interrupted
			}
			s, e2 := iv(ev.Run)
			msg := tr.Error
			if ev.Err != nil && msg == "" {
				msg = ev.Err.Error()
			}
			err = e.TaskFinished(ctx, alert.TaskEvent{
				Pipeline: ev.Run.Pipeline, Task: tr.Task, RunID: ev.Run.ID, Attempt: tr.Attempt,
				IntervalStart: s, IntervalEnd: e2, State: string(tr.State), Error: msg,
				Permanent: pipeline.IsPermanent(ev.Err),
			})
		case engine.RunFinished:
			if ev.Err != nil {
				return // interrupted: neither a failure nor a recovery
			}
			s, e2 := iv(ev.Run)
			err = e.RunFinished(ctx, alert.RunEvent{Pipeline: ev.Run.Pipeline, RunID: ev.Run.ID,
				IntervalStart: s, IntervalEnd: e2, State: string(ev.Run.State)})
		case engine.SLAMissed:
			se := alert.SLAEvent{Pipeline: ev.Run.Pipeline, Task: ev.Task, RunID: ev.Run.ID, Started: ev.At}
			if ev.Run.StartedAt != nil {
				se.Started = *ev.Run.StartedAt
			}
			if d := dags[ev.Run.Pipeline]; d != nil {
				se.SLA = d.SLA
				if t, ok := d.Task(ev.Task); ok && ev.Task != "" {
					se.SLA = t.SLA
				}
			}
			err = e.SLAMissed(ctx, se)
		}
		if err != nil {
			log.Error("alert evaluation", "event", ev.Kind.String(), "run_id", ev.Run.ID, "err", err)
		}
	}
}
