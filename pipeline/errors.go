package pipeline

import (
	"context"
	"errors"
)

// Class is how the engine treats a task's error.
type Class int

const (
	// ClassTransient errors (network, 429, 5xx, "Max rate limit reached",
	// exit code 75) are retried while attempts remain. Unclassified errors
	// are treated as transient too: a retry is cheap, a missed run is not.
	ClassTransient Class = iota
	// ClassPermanent errors (401/403, invalid API key, bad config) fail the
	// task at once, without using the remaining attempts, and alert.
	ClassPermanent
	// ClassSkip marks a task with nothing to do: state skipped, not a failure.
	ClassSkip
)

func (c Class) String() string {
	switch c {
	case ClassPermanent:
		return "permanent"
	case ClassSkip:
		return "skip"
	}
	return "transient"
}

type classified struct {
	err   error
	class Class
}

func (e *classified) Error() string { return e.err.Error() }
func (e *classified) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, class: ClassPermanent}
}

// Transient marks err as worth retrying.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, class: ClassTransient}
}

// SkipTask returns an error that makes the task end as skipped, with reason.
func SkipTask(reason string) error {
	return &classified{err: errors.New(reason), class: ClassSkip}
}

// Classify returns the class of err: the outermost mark wins, and an
// unmarked error (including a deadline exceeded) is transient.
func Classify(err error) Class {
	var c *classified
	if errors.As(err, &c) {
		return c.class
	}
	return ClassTransient
}

// IsPermanent is Classify(err) == ClassPermanent.
func IsPermanent(err error) bool { return err != nil && Classify(err) == ClassPermanent }

// IsTimeout reports whether err is a deadline expiry.
func IsTimeout(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
