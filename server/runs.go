package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"memepipe/pipeline"
	"memepipe/runview"
	"memepipe/store"
)

// MaxPage caps ?limit= on run listings.
const MaxPage = 500

// ParseRunQuery reads the run listing parameters, rejecting unknown ones
// (a typo would otherwise silently list everything).
func ParseRunQuery(q url.Values, defaultLimit int) (store.RunFilter, error) {
	f := store.RunFilter{Limit: defaultLimit}
	for k := range q {
		switch k {
		case "pipeline", "state", "trigger", "limit", "before":
		default:
			return f, badRequest("unknown query parameter %q (want pipeline, state, trigger, limit, before)", k)
		}
	}
	f.Pipeline = q.Get("pipeline")
	for _, v := range q["state"] {
		for _, s := range strings.Split(v, ",") {
			st, err := pipeline.ParseState(strings.TrimSpace(s))
			if err != nil {
				return f, badRequest("state: %v", err)
			}
			f.States = append(f.States, st)
		}
	}
	for _, v := range q["trigger"] {
		for _, s := range strings.Split(v, ",") {
			switch tr := pipeline.RunTrigger(strings.TrimSpace(s)); tr {
			case pipeline.TriggerManual, pipeline.TriggerSchedule, pipeline.TriggerBackfill:
				f.Triggers = append(f.Triggers, tr)
			default:
				return f, badRequest("trigger: unknown trigger %q (want manual, schedule or backfill)", s)
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPage {
			return f, badRequest("limit: %q is not a number from 1 to %d", v, MaxPage)
		}
		f.Limit = n
	}
	f.Before = q.Get("before")
	return f, nil
}

// RunPage lists runs with their tasks: two queries (the runs, then all
// their task runs at once) whatever the page size.
func RunPage(r *http.Request, st store.Store, f store.RunFilter, order func(pipeline string) []string) ([]runview.Run, error) {
	runs, err := st.ListRuns(r.Context(), f)
	if errors.Is(err, store.ErrNotFound) && f.Before != "" {
		return nil, badRequest("before: no run %q to page from", f.Before)
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(runs))
	for i, run := range runs {
		ids[i] = run.ID
	}
	trs, err := st.TaskRunsOf(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]runview.Run, len(runs))
	for i, run := range runs {
		out[i] = runview.New(run, trs[run.ID], order(run.Pipeline))
	}
	return out, nil
}

// order is a pipeline's task order from its DAG (nil when no longer configured).
func (s *Server) order(name string) []string {
	p, err := s.o.Scheduler.Pipeline(name)
	if err != nil {
		return nil
	}
	return runview.Order(p.DAG)
}

func (s *Server) listRuns(r *http.Request) (int, any, error) {
	f, err := ParseRunQuery(r.URL.Query(), 50)
	if err != nil {
		return 0, nil, err
	}
	if f.Pipeline != "" {
		if _, err := s.o.Scheduler.Pipeline(f.Pipeline); err != nil {
			// A pipeline removed from the config keeps its history.
			if n, cerr := s.o.Store.CountRuns(r.Context(), store.RunFilter{Pipeline: f.Pipeline}); cerr != nil || n == 0 {
				return 0, nil, err
			}
		}
	}
	page, err := RunPage(r, s.o.Store, f, s.order)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page, nil
}

func (s *Server) getRun(r *http.Request) (int, any, error) {
	run, err := s.o.Store.GetRun(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	trs, err := s.o.Store.ListTaskRuns(r.Context(), run.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, runview.New(run, trs, s.order(run.Pipeline)), nil
}

// taskLog serves one attempt's log as text (?attempt=N; default the latest).
func (s *Server) taskLog(w http.ResponseWriter, r *http.Request) {
	id, task := r.PathValue("id"), r.PathValue("task")
	attempt := 0
	for k := range r.URL.Query() {
		if k != "attempt" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q (want attempt)", k))
			return
		}
	}
	if v := r.URL.Query().Get("attempt"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("attempt: %q is not an attempt number (1, 2, ...)", v))
			return
		}
		attempt = n
	}
	if _, err := s.o.Store.GetRun(r.Context(), id); err != nil {
		code, msg := s.classify(r, err)
		writeError(w, code, msg)
		return
	}
	log, err := s.o.Store.TaskRunLog(r.Context(), id, task, attempt)
	if err != nil {
		code, msg := s.classify(r, err)
		writeError(w, code, msg)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(log))
}
