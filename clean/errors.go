package clean

import (
	"errors"
	"fmt"

	"memepipe/pipeline"
)

// ParseError is a body that does not match its parser. It names the
// source, the raw key and where in the body the parse failed: a JSON path
// ($.result[3].value) or an HTML line. It is permanent: re-parsing the
// same bytes fails the same way; the raw object is kept for a parser fix
// and `memepipe reclean`.
type ParseError struct {
	Source string
	Key    string
	Path   string
	Err    error
}

func (e *ParseError) Error() string {
	where := e.Source
	if e.Key != "" {
		where += " " + e.Key
	}
	if e.Path != "" {
		where += ": " + e.Path
	}
	return where + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// errAt builds a permanent ParseError for in at path.
func (in Input) errAt(path string, err error) error {
	return pipeline.Permanent(&ParseError{Source: in.Source, Key: in.Key, Path: path, Err: err})
}

// errAtf is errAt with a formatted message.
func (in Input) errAtf(path, format string, args ...any) error {
	return in.errAt(path, fmt.Errorf(format, args...))
}

// UpstreamKind says what an error body from the API means.
type UpstreamKind string

const (
	// UpstreamRateLimited: slow down and retry ("Max rate limit reached").
	UpstreamRateLimited UpstreamKind = "rate_limited"
	// UpstreamUnavailable: the API is temporarily refusing ("temporarily
	// unavailable due to unusually high network activity"); retry later.
	UpstreamUnavailable UpstreamKind = "unavailable"
	// UpstreamAuth: the key is missing, invalid or banned; permanent.
	UpstreamAuth UpstreamKind = "auth"
	// UpstreamPlan: the plan does not cover this endpoint or chain
	// ("Free API access is not supported for this chain"); permanent.
	UpstreamPlan UpstreamKind = "plan"
	// UpstreamRequest: the request itself is wrong (bad parameter, result
	// window too large); permanent until the request changes.
	UpstreamRequest UpstreamKind = "request"
	// UpstreamOther: an error body we do not recognise; treated as
	// transient, as unclassified errors are, but logged with its message.
	UpstreamOther UpstreamKind = "other"
)

// UpstreamError is an error the API reported inside an otherwise
// successful response (Etherscan's HTTP-200 {"status":"0"} bodies, Yahoo's
// {"error": {...}}). The wrapper returned with it (pipeline.Transient or
// pipeline.Permanent) follows Kind.
type UpstreamError struct {
	Source  string
	Key     string
	Kind    UpstreamKind
	Message string
}

func (e *UpstreamError) Error() string {
	where := e.Source
	if e.Key != "" {
		where += " " + e.Key
	}
	return fmt.Sprintf("%s: upstream error (%s): %s", where, e.Kind, e.Message)
}

// Transient reports whether retrying later may succeed.
func (e *UpstreamError) Transient() bool {
	switch e.Kind {
	case UpstreamRateLimited, UpstreamUnavailable, UpstreamOther:
		return true
	}
	return false
}

func (in Input) upstream(kind UpstreamKind, msg string) error {
	e := &UpstreamError{Source: in.Source, Key: in.Key, Kind: kind, Message: truncateMsg(msg)}
	if e.Transient() {
		return pipeline.Transient(e)
	}
	return pipeline.Permanent(e)
}

// AsUpstream returns the UpstreamError inside err, if any.
func AsUpstream(err error) (*UpstreamError, bool) {
	var u *UpstreamError
	ok := errors.As(err, &u)
	return u, ok
}

// AsParseError returns the ParseError inside err, if any.
func AsParseError(err error) (*ParseError, bool) {
	var p *ParseError
	ok := errors.As(err, &p)
	return p, ok
}

func truncateMsg(s string) string {
	if len(s) > 300 {
		return s[:297] + "..."
	}
	return s
}
