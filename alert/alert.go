// Package alert turns what happens to runs, tasks and datasets into alerts
// and delivers them to the channels teams use: a signed webhook, Slack,
// email, PagerDuty and Opsgenie.
//
// The pieces, as in Prometheus' rule evaluation and notifier: rules.go
// decides when a condition fires and when it clears (deduplicated by key,
// with a re-notify interval); route.go picks the notifiers for an alert;
// dispatch.go delivers asynchronously with retries, so a slow or broken
// notifier never blocks or fails a pipeline; one file per notifier formats
// its channel's wire format.
package alert

import (
	"fmt"
	"strings"
	"time"
)

// Rule names a condition that alerts.
type Rule string

const (
	RuleTaskFailed          Rule = "task_failed"          // a task failed after its last retry
	RulePermanentError      Rule = "permanent_error"      // 401/403, invalid key, bad config: no retries
	RuleSLAMiss             Rule = "sla_miss"             // a task or run still running past its SLA
	RuleStale               Rule = "stale"                // a dataset not refreshed within its freshness window
	RuleConsecutiveFailures Rule = "consecutive_failures" // N failed runs of a pipeline in a row
	RuleQualityCheck        Rule = "quality_check"        // a data-quality check at severity error
	RuleTest                Rule = "test"                 // memepipe alerts test
)

// Rules lists every rule.
var Rules = []Rule{RuleTaskFailed, RulePermanentError, RuleSLAMiss, RuleStale, RuleConsecutiveFailures, RuleQualityCheck, RuleTest}

// Severity orders alerts for routing; PagerDuty and Opsgenie map it onto
// their own scales.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityError    Severity = "error"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: info < warning < error < critical.
func (s Severity) Rank() int {
	switch s {
	case SeverityWarning:
		return 1
	case SeverityError:
		return 2
	case SeverityCritical:
		return 3
	}
	return 0
}

// ParseSeverity parses a severity name; "" is info.
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case "":
		return SeverityInfo, nil
	case SeverityInfo, SeverityWarning, SeverityError, SeverityCritical:
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q (want info, warning, error or critical)", s)
}

// Status is firing or resolved.
type Status string

const (
	Firing   Status = "firing"
	Resolved Status = "resolved"
)

// Alert is one notification: what happened, where, and how bad.
type Alert struct {
	Rule     Rule     `json:"rule"`
	Status   Status   `json:"status"`
	Severity Severity `json:"severity"`
	// Key deduplicates: pipeline/task/rule (or pipeline/dataset/rule). The
	// same key is PagerDuty's dedup_key and Opsgenie's alias, so a resolve
	// closes the incident the trigger opened.
	Key           string    `json:"key"`
	Pipeline      string    `json:"pipeline,omitempty"`
	Task          string    `json:"task,omitempty"`
	Dataset       string    `json:"dataset,omitempty"`
	RunID         string    `json:"run_id,omitempty"`
	Attempt       int       `json:"attempt,omitempty"`
	IntervalStart time.Time `json:"interval_start,omitzero"`
	IntervalEnd   time.Time `json:"interval_end,omitzero"`
	// State is the task's or run's state (failed, timed_out, running...).
	State string `json:"state,omitempty"`
	// Error holds the error's first lines, scrubbed of secrets.
	Error string `json:"error,omitempty"`
	// Summary is one line for people: what failed, where.
	Summary string `json:"summary"`
	// URL links to the run page when a base URL is configured.
	URL string    `json:"url,omitempty"`
	At  time.Time `json:"at"`
}

// DedupKey builds the key of a condition from its parts, skipping empty ones.
func DedupKey(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "/")
}

// Title is the alert's headline, e.g. "[FIRING] task_failed: collect/etherscan".
func (a Alert) Title() string {
	where := a.Pipeline
	if a.Task != "" {
		where += "/" + a.Task
	}
	if a.Dataset != "" {
		where += "/" + a.Dataset
	}
	return fmt.Sprintf("[%s] %s: %s", strings.ToUpper(string(a.Status)), a.Rule, where)
}

// Text is the alert as plain text: the headline, the summary, where it
// happened and the error's first lines.
func (a Alert) Text() string {
	var b strings.Builder
	b.WriteString(a.Title())
	b.WriteString("\n")
	b.WriteString(a.Summary)
	b.WriteString("\n")
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	field("severity", string(a.Severity))
	field("pipeline", a.Pipeline)
	field("task", a.Task)
	field("dataset", a.Dataset)
	field("run", a.RunID)
	if a.Attempt > 0 {
		field("attempt", fmt.Sprint(a.Attempt))
	}
	if !a.IntervalStart.IsZero() {
		field("interval", "["+a.IntervalStart.UTC().Format(time.RFC3339)+", "+a.IntervalEnd.UTC().Format(time.RFC3339)+")")
	}
	field("state", a.State)
	field("at", a.At.UTC().Format(time.RFC3339))
	field("link", a.URL)
	if a.Error != "" {
		b.WriteString("error:\n")
		b.WriteString(a.Error)
		b.WriteString("\n")
	}
	return b.String()
}

// FirstLines returns at most n lines of s, and at most 2,000 bytes, marking
// a cut: enough to tell what broke without pasting a whole stack trace into
// a pager.
func FirstLines(s string, n int) string {
	s = strings.TrimSpace(s)
	lines := strings.SplitN(s, "\n", n+1)
	cut := len(lines) > n
	if cut {
		lines = lines[:n]
	}
	out := strings.Join(lines, "\n")
	const max = 2000
	if len(out) > max {
		out = out[:max]
		cut = true
	}
	if cut {
		out += "\n…"
	}
	return out
}
