package server

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"memepipe/store"
)

// MaxChecks caps ?limit= on check listings.
const MaxChecks = 5000

// CheckQuery is what GET /api/v1/checks asks for.
type CheckQuery struct {
	Filter store.CheckFilter
	// Failing keeps only checks that did not pass.
	Failing bool
}

// ParseCheckQuery reads pipeline, run, task, dataset, failing (true or
// false), latest and limit. Without run, only each (pipeline, task)'s
// latest results are listed unless latest=false: what the data looks like
// now, not every check ever run.
func ParseCheckQuery(q url.Values) (CheckQuery, error) {
	c := CheckQuery{Filter: store.CheckFilter{Limit: 1000}}
	for k := range q {
		switch k {
		case "pipeline", "run", "task", "dataset", "failing", "latest", "limit":
		default:
			return c, badRequest("unknown query parameter %q (want pipeline, run, task, dataset, failing, latest, limit)", k)
		}
	}
	f := &c.Filter
	f.Pipeline, f.RunID, f.Task, f.Dataset = q.Get("pipeline"), q.Get("run"), q.Get("task"), q.Get("dataset")
	f.Latest = f.RunID == ""
	var err error
	if v := q.Get("failing"); v != "" {
		if c.Failing, err = strconv.ParseBool(v); err != nil {
			return c, badRequest("failing: %q is not true or false", v)
		}
	}
	if v := q.Get("latest"); v != "" {
		if f.Latest, err = strconv.ParseBool(v); err != nil {
			return c, badRequest("latest: %q is not true or false", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxChecks {
			return c, badRequest("limit: %q is not a number from 1 to %d", v, MaxChecks)
		}
		f.Limit = n
	}
	return c, nil
}

// LoadChecks lists the checks q selects, failing ones first (errors
// before warnings), then by dataset and check.
func LoadChecks(r *http.Request, st store.Store, q CheckQuery) ([]store.CheckResult, error) {
	rows, err := st.ListChecks(r.Context(), q.Filter)
	if err != nil {
		return nil, err
	}
	if q.Failing {
		rows = slices.DeleteFunc(rows, func(c store.CheckResult) bool { return c.Passed })
	}
	SortChecks(rows)
	return nonNil(rows), nil
}

// SortChecks orders checks as people read them: failing errors, failing
// warnings, then passes; within each by dataset, check, pipeline, task and
// newest first.
func SortChecks(rows []store.CheckResult) {
	rank := func(c store.CheckResult) int {
		switch {
		case !c.Passed && c.Severity == "error":
			return 0
		case !c.Passed:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rows, func(a, b store.CheckResult) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.Check, b.Check),
			cmp.Compare(a.Pipeline, b.Pipeline), cmp.Compare(a.Task, b.Task), b.At.Compare(a.At))
	})
}

// checks answers data-quality check results (see ParseCheckQuery). An
// empty answer for a pipeline that is not configured, or a run that does
// not exist, is a 404: most likely a typo. (A pipeline removed from the
// config keeps its checks.)
func (s *Server) checks(r *http.Request) (int, any, error) {
	q, err := ParseCheckQuery(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	rows, err := LoadChecks(r, s.o.Store, q)
	if err != nil || len(rows) > 0 {
		return http.StatusOK, rows, err
	}
	if q.Filter.Pipeline != "" {
		if _, err := s.o.Scheduler.Pipeline(q.Filter.Pipeline); err != nil {
			return 0, nil, err
		}
	}
	if q.Filter.RunID != "" {
		if _, err := s.o.Store.GetRun(r.Context(), q.Filter.RunID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, rows, nil
}
