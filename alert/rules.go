package alert

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Condition is the remembered state of one alert key: whether it is firing,
// since when, when it was last sent, and a counter (consecutive failures).
type Condition struct {
	Key          string    `json:"key"`
	Rule         Rule      `json:"rule"`
	Firing       bool      `json:"firing"`
	Since        time.Time `json:"since"`
	LastNotified time.Time `json:"last_notified"`
	Count        int       `json:"count"`
	Severity     Severity  `json:"severity"`
	// Last is the last alert sent for the key, so a resolve can repeat
	// where the problem was (pipeline, task, run).
	Last Alert `json:"last"`
}

// Conditions persist alert keys across processes: `memepipe run` from cron
// is a new process every time, and must still not page twice.
type Conditions interface {
	GetCondition(ctx context.Context, key string) (Condition, bool, error)
	PutCondition(ctx context.Context, c Condition) error
}

// MemoryConditions keeps conditions in memory (tests, and runs without a store).
type MemoryConditions struct {
	mu sync.Mutex
	m  map[string]Condition
}

// GetCondition returns the condition for key.
func (m *MemoryConditions) GetCondition(_ context.Context, key string) (Condition, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[key]
	return c, ok, nil
}

// PutCondition stores c.
func (m *MemoryConditions) PutCondition(_ context.Context, c Condition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]Condition{}
	}
	m.m[c.Key] = c
	return nil
}

// Evaluator applies the rules to what happens and emits alerts: each
// condition fires once, is repeated after RenotifyAfter while it lasts,
// and is resolved once when it clears.
type Evaluator struct {
	cfg   Config
	conds Conditions
	emit  func(Alert)
	now   func() time.Time
	mu    sync.Mutex // serialises read-modify-write of conditions
}

// NewEvaluator returns an evaluator that hands alerts to emit (usually
// Dispatcher.Send). now may be nil (time.Now).
func NewEvaluator(cfg Config, conds Conditions, emit func(Alert), now func() time.Time) *Evaluator {
	if cfg.RenotifyAfter == 0 {
		cfg.RenotifyAfter = 4 * time.Hour
	}
	if cfg.ConsecutiveFailures == 0 {
		cfg.ConsecutiveFailures = 3
	}
	if conds == nil {
		conds = &MemoryConditions{}
	}
	if now == nil {
		now = time.Now
	}
	return &Evaluator{cfg: cfg, conds: conds, emit: emit, now: now}
}

// TaskEvent is a task that ended for good in a run (after its last retry,
// or at once for a permanent error).
type TaskEvent struct {
	Pipeline      string
	Task          string
	RunID         string
	Attempt       int
	IntervalStart time.Time
	IntervalEnd   time.Time
	State         string // success, failed, timed_out, skipped, upstream_failed
	Error         string
	Permanent     bool
}

// RunEvent is a run that ended.
type RunEvent struct {
	Pipeline      string
	RunID         string
	IntervalStart time.Time
	IntervalEnd   time.Time
	State         string // success or failed
}

// SLAEvent is a task (or, with Task empty, a run) still running past its SLA.
type SLAEvent struct {
	Pipeline string
	Task     string
	RunID    string
	SLA      time.Duration
	Started  time.Time
}

// Freshness is a dataset's last successful refresh and the window it must
// be refreshed within.
type Freshness struct {
	Pipeline    string
	Dataset     string
	LastSuccess time.Time // zero: never
	Window      time.Duration
}

// QualityEvent is a data-quality check result.
type QualityEvent struct {
	Pipeline string
	Dataset  string
	Check    string
	RunID    string
	Severity string // error or warn
	Passed   bool
	Message  string
}

// TaskFinished evaluates task_failed and permanent_error, and resolves them
// (and the task's SLA miss) when the task succeeds again.
func (e *Evaluator) TaskFinished(ctx context.Context, ev TaskEvent) error {
	a := Alert{Pipeline: ev.Pipeline, Task: ev.Task, RunID: ev.RunID, Attempt: ev.Attempt,
		IntervalStart: ev.IntervalStart, IntervalEnd: ev.IntervalEnd, State: ev.State, Error: FirstLines(ev.Error, 8)}
	slaKey := DedupKey(ev.Pipeline, ev.Task, string(RuleSLAMiss))
	switch ev.State {
	case "failed", "timed_out":
		if ev.Permanent {
			a.Rule, a.Severity = RulePermanentError, SeverityCritical
			a.Summary = fmt.Sprintf("Task %s of pipeline %s failed with a permanent error (no retries): fix credentials or config.", ev.Task, ev.Pipeline)
		} else {
			a.Rule, a.Severity = RuleTaskFailed, SeverityError
			a.Summary = fmt.Sprintf("Task %s of pipeline %s ended %s after %d attempt(s).", ev.Task, ev.Pipeline, ev.State, ev.Attempt)
		}
		a.Key = DedupKey(ev.Pipeline, ev.Task, string(a.Rule))
		return e.fire(ctx, a, 1)
	case "success":
		for _, r := range []Rule{RuleTaskFailed, RulePermanentError} {
			if err := e.resolve(ctx, DedupKey(ev.Pipeline, ev.Task, string(r)), a,
				fmt.Sprintf("Task %s of pipeline %s succeeded again.", ev.Task, ev.Pipeline)); err != nil {
				return err
			}
		}
	}
	return e.resolve(ctx, slaKey, a, fmt.Sprintf("Task %s of pipeline %s finished (%s).", ev.Task, ev.Pipeline, ev.State))
}

// RunFinished counts consecutive failed runs of a pipeline and fires at N;
// a successful run resets the count and resolves. It also resolves the
// run's SLA miss.
func (e *Evaluator) RunFinished(ctx context.Context, ev RunEvent) error {
	key := DedupKey(ev.Pipeline, string(RuleConsecutiveFailures))
	a := Alert{Rule: RuleConsecutiveFailures, Key: key, Pipeline: ev.Pipeline, RunID: ev.RunID,
		IntervalStart: ev.IntervalStart, IntervalEnd: ev.IntervalEnd, State: ev.State}
	if err := e.resolve(ctx, DedupKey(ev.Pipeline, string(RuleSLAMiss)), a, fmt.Sprintf("Run %s of pipeline %s finished (%s).", ev.RunID, ev.Pipeline, ev.State)); err != nil {
		return err
	}
	e.mu.Lock()
	c, _, err := e.conds.GetCondition(ctx, key)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	if ev.State != "failed" {
		if c.Count == 0 {
			return nil
		}
		if !c.Firing { // below N: just reset the count
			c.Count = 0
			return e.put(ctx, c)
		}
		return e.resolve(ctx, key, a, fmt.Sprintf("Pipeline %s succeeded again after %d failed runs.", ev.Pipeline, c.Count))
	}
	n := c.Count + 1
	if n < e.cfg.ConsecutiveFailures {
		c.Key, c.Rule, c.Count = key, RuleConsecutiveFailures, n
		return e.put(ctx, c)
	}
	a.Severity = SeverityCritical
	a.Summary = fmt.Sprintf("Pipeline %s has failed %d runs in a row.", ev.Pipeline, n)
	return e.fire(ctx, a, n)
}

// SLAMissed fires sla_miss for a task or run still running past its SLA.
func (e *Evaluator) SLAMissed(ctx context.Context, ev SLAEvent) error {
	what := "Run " + ev.RunID
	if ev.Task != "" {
		what = "Task " + ev.Task
	}
	a := Alert{Rule: RuleSLAMiss, Severity: SeverityWarning, Key: DedupKey(ev.Pipeline, ev.Task, string(RuleSLAMiss)),
		Pipeline: ev.Pipeline, Task: ev.Task, RunID: ev.RunID, State: "running",
		Summary: fmt.Sprintf("%s of pipeline %s is still running %s after its start, past its SLA of %s.",
			what, ev.Pipeline, e.now().Sub(ev.Started).Round(time.Second), ev.SLA)}
	return e.fire(ctx, a, 1)
}

// CheckFreshness fires stale for each dataset not refreshed within its
// window and resolves those that are fresh again. Call it periodically.
func (e *Evaluator) CheckFreshness(ctx context.Context, fs []Freshness) error {
	now := e.now()
	for _, f := range fs {
		if f.Window <= 0 {
			continue
		}
		a := Alert{Rule: RuleStale, Severity: SeverityWarning, Key: DedupKey(f.Pipeline, f.Dataset, string(RuleStale)),
			Pipeline: f.Pipeline, Dataset: f.Dataset}
		if f.LastSuccess.IsZero() || now.Sub(f.LastSuccess) > f.Window {
			age := "never refreshed"
			if !f.LastSuccess.IsZero() {
				age = "last refreshed " + now.Sub(f.LastSuccess).Round(time.Minute).String() + " ago"
			}
			a.Summary = fmt.Sprintf("Dataset %s is stale: %s, freshness window %s.", f.Dataset, age, f.Window)
			if err := e.fire(ctx, a, 1); err != nil {
				return err
			}
			continue
		}
		if err := e.resolve(ctx, a.Key, a, fmt.Sprintf("Dataset %s is fresh again.", f.Dataset)); err != nil {
			return err
		}
	}
	return nil
}

// QualityChecked fires quality_check for a failed check at severity error
// and resolves it when the check passes.
func (e *Evaluator) QualityChecked(ctx context.Context, ev QualityEvent) error {
	a := Alert{Rule: RuleQualityCheck, Severity: SeverityError, Key: DedupKey(ev.Pipeline, ev.Dataset, ev.Check, string(RuleQualityCheck)),
		Pipeline: ev.Pipeline, Dataset: ev.Dataset, RunID: ev.RunID, Error: FirstLines(ev.Message, 8)}
	if ev.Passed {
		return e.resolve(ctx, a.Key, a, fmt.Sprintf("Check %s on %s passes again.", ev.Check, ev.Dataset))
	}
	if ev.Severity != "error" {
		return nil
	}
	a.Summary = fmt.Sprintf("Data-quality check %s failed on dataset %s.", ev.Check, ev.Dataset)
	return e.fire(ctx, a, 1)
}

func (e *Evaluator) put(ctx context.Context, c Condition) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conds.PutCondition(ctx, c)
}

// fire emits a unless the same key fired less than RenotifyAfter ago.
func (e *Evaluator) fire(ctx context.Context, a Alert, count int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	a.Status, a.At = Firing, now
	a.URL = e.runURL(a.RunID)
	c, _, err := e.conds.GetCondition(ctx, a.Key)
	if err != nil {
		return err
	}
	if !c.Firing {
		c = Condition{Key: a.Key, Rule: a.Rule, Firing: true, Since: now}
	} else if now.Sub(c.LastNotified) < e.cfg.RenotifyAfter {
		c.Count = count
		c.Last.RunID = a.RunID
		return e.conds.PutCondition(ctx, c) // still firing, recently said: stay quiet
	}
	c.LastNotified, c.Count, c.Severity, c.Last = now, count, a.Severity, a
	if err := e.conds.PutCondition(ctx, c); err != nil {
		return err
	}
	e.emit(a)
	return nil
}

// resolve emits a resolved alert for key if it is firing.
func (e *Evaluator) resolve(ctx context.Context, key string, cur Alert, summary string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok, err := e.conds.GetCondition(ctx, key)
	if err != nil || !ok || !c.Firing {
		return err
	}
	a := c.Last
	a.Status, a.At, a.Summary, a.Error = Resolved, e.now(), summary, ""
	if cur.RunID != "" {
		a.RunID, a.State, a.Attempt = cur.RunID, cur.State, cur.Attempt
		a.IntervalStart, a.IntervalEnd = cur.IntervalStart, cur.IntervalEnd
	}
	a.URL = e.runURL(a.RunID)
	c.Firing, c.Count, c.LastNotified = false, 0, a.At
	if err := e.conds.PutCondition(ctx, c); err != nil {
		return err
	}
	e.emit(a)
	return nil
}

func (e *Evaluator) runURL(runID string) string {
	if e.cfg.BaseURL == "" || runID == "" {
		return ""
	}
	return fmt.Sprintf("%s/runs/%s", trimSlash(e.cfg.BaseURL), runID)
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
