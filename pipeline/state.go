// Package pipeline is memepipe's domain: tasks, DAGs, runs, task runs, their
// states, data intervals, retry policies and error classes. It performs no I/O
// and imports nothing else of memepipe, so every other package can share it.
package pipeline

import "fmt"

// State is the state of a run or a task run, named as in Airflow.
type State string

const (
	Queued         State = "queued"
	Running        State = "running"
	Success        State = "success"
	Failed         State = "failed"
	UpForRetry     State = "up_for_retry"
	UpstreamFailed State = "upstream_failed"
	Skipped        State = "skipped"
	TimedOut       State = "timed_out"
)

// States lists every state, in lifecycle order.
var States = []State{Queued, Running, Success, Failed, UpForRetry, UpstreamFailed, Skipped, TimedOut}

// Terminal reports whether a task in this state is finished for this run.
// An attempt that fails or times out while attempts remain is recorded as
// up_for_retry, so timed_out and failed are only ever final outcomes.
func (s State) Terminal() bool {
	switch s {
	case Success, Failed, UpstreamFailed, Skipped, TimedOut:
		return true
	}
	return false
}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	for _, k := range States {
		if s == k {
			return true
		}
	}
	return false
}

// ParseState parses a state name.
func ParseState(s string) (State, error) {
	st := State(s)
	if !st.Valid() {
		return "", fmt.Errorf("unknown state %q", s)
	}
	return st, nil
}

// TriggerRule decides, from the final states of a task's upstreams, whether
// the task runs, is skipped, or is marked upstream_failed.
type TriggerRule string

const (
	AllSuccess TriggerRule = "all_success" // default: every upstream succeeded (or was skipped)
	AllDone    TriggerRule = "all_done"    // every upstream finished, whatever its state
	OneSuccess TriggerRule = "one_success" // at least one upstream succeeded
)

// ParseTriggerRule parses a trigger rule; the empty string is all_success.
func ParseTriggerRule(s string) (TriggerRule, error) {
	switch TriggerRule(s) {
	case "", AllSuccess:
		return AllSuccess, nil
	case AllDone, OneSuccess:
		return TriggerRule(s), nil
	}
	return "", fmt.Errorf("unknown trigger rule %q (want all_success, all_done or one_success)", s)
}

// Decision is what a trigger rule says about a task whose upstreams are known.
type Decision int

const (
	DecideWait           Decision = iota // some upstream has not finished yet
	DecideRun                            // the task may start
	DecideSkip                           // the task is skipped (state skipped)
	DecideUpstreamFailed                 // the task is upstream_failed
)

// Evaluate applies the rule to the states of a task's upstreams. A task with
// no upstreams always runs. Under all_success a skipped upstream counts as
// success, as Airflow's none_failed does, so that a Skip error in a collector
// with nothing to do does not cascade into skipping the whole pipeline.
func (r TriggerRule) Evaluate(upstream []State) Decision {
	if len(upstream) == 0 {
		return DecideRun
	}
	done, ok, bad := 0, 0, 0
	for _, s := range upstream {
		if !s.Terminal() {
			continue
		}
		done++
		switch s {
		case Success:
			ok++
		case Failed, UpstreamFailed, TimedOut:
			bad++
		}
	}
	switch r {
	case AllDone:
		if done < len(upstream) {
			return DecideWait
		}
		return DecideRun
	case OneSuccess:
		if ok > 0 {
			return DecideRun
		}
		if done < len(upstream) {
			return DecideWait
		}
		if bad > 0 {
			return DecideUpstreamFailed
		}
		return DecideSkip
	default: // AllSuccess
		if bad > 0 {
			return DecideUpstreamFailed
		}
		if done < len(upstream) {
			return DecideWait
		}
		return DecideRun
	}
}
