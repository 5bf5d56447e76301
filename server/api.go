package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"memepipe/scheduler"
	"memepipe/store"
)

// APIFunc handles an API request: it returns the status and the value to
// send as JSON, or an error that becomes {"error": "..."} with a status
// chosen by its kind.
type APIFunc func(r *http.Request) (status int, body any, err error)

// HandleAPI registers fn for pattern ("GET /api/v1/scores"): the way the
// endpoints of later concerns (quality checks, ...) plug in.
func (s *Server) HandleAPI(pattern string, fn APIFunc) {
	s.mux.Handle(pattern, s.api(fn))
}

func (s *Server) api(fn APIFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		status, body, err := fn(r)
		if err != nil {
			code, msg := s.classify(r, err)
			writeError(w, code, msg)
			return
		}
		writeJSON(w, status, body)
	})
}

// inputError is bad input from the client: 400 with its message.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &inputError{fmt.Sprintf(format, args...)}
}

// notFound is a 404 with its message.
type notFound struct{ msg string }

func (e *notFound) Error() string { return e.msg }

// classify maps an error to a status and a message for the client.
func (s *Server) classify(r *http.Request, err error) (int, string) {
	var in *inputError
	var nf *notFound
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &in):
		return http.StatusBadRequest, in.msg
	case errors.As(err, &nf):
		return http.StatusNotFound, nf.msg
	case errors.As(err, &big):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", big.Limit)
	case errors.Is(err, scheduler.ErrUnknownPipeline), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, scheduler.ErrInvalid):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, scheduler.ErrRunActive):
		return http.StatusConflict, err.Error()
	case errors.Is(err, scheduler.ErrStopped):
		return http.StatusServiceUnavailable, err.Error()
	}
	s.log.Error("server: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "internal error: " + err.Error()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// decodeBody reads an optional JSON object into v: an empty body leaves v
// as it is. Unknown fields, trailing data and bodies over MaxBody (the
// api wrapper caps the body) are errors naming what was wrong.
func decodeBody(r *http.Request, v any) (empty bool, err error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return false, err // *http.MaxBytesError: 413
	}
	if strings.TrimSpace(string(data)) == "" {
		return true, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return false, badRequest("request body must be JSON (Content-Type application/json), not %s", ct)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return false, badRequest("malformed JSON body: %v", err)
	}
	if dec.More() {
		return false, badRequest("malformed JSON body: data after the object")
	}
	return false, nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
