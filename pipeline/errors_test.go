package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"plain", base, ClassTransient},
		{"nil", nil, ClassTransient},
		{"deadline", context.DeadlineExceeded, ClassTransient},
		{"permanent", Permanent(base), ClassPermanent},
		{"transient", Transient(base), ClassTransient},
		{"skip", SkipTask("nothing new"), ClassSkip},
		{"wrapped permanent", fmt.Errorf("fetch: %w", Permanent(base)), ClassPermanent},
		{"outermost wins: transient over permanent", Transient(Permanent(base)), ClassTransient},
		{"outermost wins: permanent over transient", Permanent(fmt.Errorf("x: %w", Transient(base))), ClassPermanent},
		{"joined", errors.Join(base, Permanent(base)), ClassPermanent},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: Classify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestErrorMarks(t *testing.T) {
	base := errors.New("401 Unauthorized")
	p := Permanent(base)
	if p.Error() != "401 Unauthorized" || !errors.Is(p, base) {
		t.Errorf("Permanent keeps message and chain: %q, Is=%v", p, errors.Is(p, base))
	}
	if Permanent(nil) != nil || Transient(nil) != nil {
		t.Error("marking nil must stay nil")
	}
	if !IsPermanent(p) || IsPermanent(nil) || IsPermanent(base) {
		t.Error("IsPermanent wrong")
	}
	if s := SkipTask("no new blocks"); s.Error() != "no new blocks" {
		t.Errorf("SkipTask message = %q", s)
	}
	if !IsTimeout(fmt.Errorf("get: %w", context.DeadlineExceeded)) || IsTimeout(context.Canceled) {
		t.Error("IsTimeout wrong")
	}
	for c, want := range map[Class]string{ClassTransient: "transient", ClassPermanent: "permanent", ClassSkip: "skip"} {
		if c.String() != want {
			t.Errorf("%d.String() = %q, want %q", c, c.String(), want)
		}
	}
}
