package pipeline

import (
	"testing"
)

func TestTriggerRuleEvaluate(t *testing.T) {
	S, F, UF, SK, TO, R, UR, Q := Success, Failed, UpstreamFailed, Skipped, TimedOut, Running, UpForRetry, Queued
	tests := []struct {
		rule     TriggerRule
		upstream []State
		want     Decision
	}{
		// No upstreams: always runs, whatever the rule.
		{AllSuccess, nil, DecideRun},
		{AllDone, nil, DecideRun},
		{OneSuccess, nil, DecideRun},
		{"", nil, DecideRun},

		// all_success (and the empty rule, its default).
		{AllSuccess, []State{S, S}, DecideRun},
		{"", []State{S, S}, DecideRun},
		{AllSuccess, []State{S, SK}, DecideRun}, // skipped counts as success
		{AllSuccess, []State{SK, SK}, DecideRun},
		{AllSuccess, []State{S, R}, DecideWait},
		{AllSuccess, []State{S, UR}, DecideWait}, // up_for_retry is not final
		{AllSuccess, []State{S, Q}, DecideWait},
		{AllSuccess, []State{S, F}, DecideUpstreamFailed},
		{AllSuccess, []State{S, TO}, DecideUpstreamFailed},
		{AllSuccess, []State{S, UF}, DecideUpstreamFailed},
		{AllSuccess, []State{R, F}, DecideUpstreamFailed}, // fails fast, without waiting for R
		{"", []State{F}, DecideUpstreamFailed},

		// all_done: runs once every upstream is final, whatever the outcome.
		{AllDone, []State{S, F}, DecideRun},
		{AllDone, []State{UF, TO, SK}, DecideRun},
		{AllDone, []State{F, R}, DecideWait},
		{AllDone, []State{S, UR}, DecideWait},

		// one_success: runs as soon as one upstream succeeded.
		{OneSuccess, []State{S, R}, DecideRun},
		{OneSuccess, []State{F, S}, DecideRun},
		{OneSuccess, []State{F, R}, DecideWait},
		{OneSuccess, []State{SK, UR}, DecideWait},
		{OneSuccess, []State{F, TO}, DecideUpstreamFailed},
		{OneSuccess, []State{SK, UF}, DecideUpstreamFailed},
		{OneSuccess, []State{SK, SK}, DecideSkip},
	}
	for _, tt := range tests {
		if got := tt.rule.Evaluate(tt.upstream); got != tt.want {
			t.Errorf("%q.Evaluate(%v) = %v, want %v", tt.rule, tt.upstream, got, tt.want)
		}
	}
}

func TestParseTriggerRule(t *testing.T) {
	tests := []struct {
		in      string
		want    TriggerRule
		wantErr string
	}{
		{"", AllSuccess, ""},
		{"all_success", AllSuccess, ""},
		{"all_done", AllDone, ""},
		{"one_success", OneSuccess, ""},
		{"one_failed", "", `unknown trigger rule "one_failed" (want all_success, all_done or one_success)`},
	}
	for _, tt := range tests {
		got, err := ParseTriggerRule(tt.in)
		if got != tt.want || errString(err) != tt.wantErr {
			t.Errorf("ParseTriggerRule(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStateTerminal(t *testing.T) {
	want := map[State]bool{
		Queued: false, Running: false, UpForRetry: false,
		Success: true, Failed: true, UpstreamFailed: true, Skipped: true, TimedOut: true,
	}
	if len(want) != len(States) {
		t.Fatalf("test covers %d states, States has %d", len(want), len(States))
	}
	for _, s := range States {
		if got := s.Terminal(); got != want[s] {
			t.Errorf("%s.Terminal() = %v, want %v", s, got, want[s])
		}
		if p, err := ParseState(string(s)); err != nil || p != s {
			t.Errorf("ParseState(%q) = %q, %v", s, p, err)
		}
	}
	if _, err := ParseState("done"); errString(err) != `unknown state "done"` {
		t.Errorf("ParseState(done) error = %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
