package server

import (
	"net/http"
	"strconv"
	"time"

	"memepipe/canonical"
	"memepipe/store"
)

// Dataset is one canonical table's size, newest row and latest checks.
type Dataset struct {
	Table  string     `json:"table"`
	Rows   int        `json:"rows"`
	Latest *time.Time `json:"latest"`
	// Checks and ChecksFailing count the table's latest check results
	// (those of each cleaning task's last run) and the failed ones.
	Checks        int `json:"checks"`
	ChecksFailing int `json:"checks_failing"`
}

// Datasets is what GET /api/v1/datasets answers: the canonical tables,
// each task's latest success, and the latest data-quality check results
// (failing first).
type Datasets struct {
	Tables []Dataset             `json:"tables"`
	Tasks  []store.TaskFreshness `json:"tasks"`
	Checks []store.CheckResult   `json:"checks"`
}

// LoadDatasets reads the datasets' sizes and freshness.
func LoadDatasets(r *http.Request, st store.Store) (Datasets, error) {
	var d Datasets
	for _, t := range canonical.Tables {
		q := store.CanonicalQuery{Table: t}
		n, err := st.CountCanonical(r.Context(), q)
		if err != nil {
			return d, err
		}
		ds := Dataset{Table: t, Rows: n}
		// The tokens table (the watchlist as cleaned) has no time column:
		// it has no newest row.
		if n > 0 && t != canonical.TableTokens {
			latest, ok, err := st.LatestCanonical(r.Context(), q)
			if err != nil {
				return d, err
			}
			if ok {
				ds.Latest = &latest
			}
		}
		d.Tables = append(d.Tables, ds)
	}
	var err error
	if d.Tasks, err = st.TaskFreshness(r.Context()); err != nil {
		return d, err
	}
	d.Tasks = nonNil(d.Tasks)
	if d.Checks, err = LoadChecks(r, st, CheckQuery{Filter: store.CheckFilter{Latest: true, Limit: MaxChecks}}); err != nil {
		return d, err
	}
	at := map[string]int{}
	for i, t := range d.Tables {
		at[t.Table] = i
	}
	for _, c := range d.Checks {
		if i, ok := at[c.Dataset]; ok {
			d.Tables[i].Checks++
			if !c.Passed {
				d.Tables[i].ChecksFailing++
			}
		}
	}
	return d, nil
}

func (s *Server) datasets(r *http.Request) (int, any, error) {
	for k := range r.URL.Query() {
		return 0, nil, badRequest("unknown query parameter %q", k)
	}
	d, err := LoadDatasets(r, s.o.Store)
	return http.StatusOK, d, err
}

// scores answers the latest integrated score ranking (?at= for an earlier one).
func (s *Server) scores(r *http.Request) (int, any, error) {
	at, err := timeParam(r, "at")
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.o.Store.IntegratedScores(r.Context(), at)
	return http.StatusOK, nonNil(rows), err
}

// anomalies answers anomalies newest first (?token=&limit=).
func (s *Server) anomalies(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	f := store.AnomalyFilter{Token: q.Get("token"), Limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, badRequest("limit: %q is not a number from 1 to 1000", v)
		}
		f.Limit = n
	}
	rows, err := s.o.Store.Anomalies(r.Context(), f)
	return http.StatusOK, nonNil(rows), err
}

// flags answers the risk flags of each token's latest assessment (?token=).
func (s *Server) flags(r *http.Request) (int, any, error) {
	rows, err := s.o.Store.RiskFlags(r.Context(), r.URL.Query().Get("token"), time.Time{})
	return http.StatusOK, nonNil(rows), err
}

func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, badRequest("%s: %q is not an RFC 3339 time (2026-11-28T18:00:00Z)", name, v)
	}
	return t, nil
}

// nonNil makes an empty list encode as [], not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
