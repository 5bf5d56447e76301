package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"memepipe/analytics"
	"memepipe/pipeline"
	"memepipe/runview"
	"memepipe/scheduler"
	"memepipe/server"
	"memepipe/store"
	"memepipe/tokenview"
)

func (u *UI) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := u.o.Scheduler.Status(ctx)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	failures, err := u.o.Store.ListRuns(ctx, store.RunFilter{States: []pipeline.State{pipeline.Failed}, Limit: 10})
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	fresh, err := u.o.Store.TaskFreshness(ctx)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	var stale []store.TaskFreshness
	for _, f := range fresh {
		if u.o.Now().Sub(f.LastSuccess) > 24*time.Hour {
			stale = append(stale, f)
		}
	}
	refresh := 0.0
	for _, p := range st {
		if p.ActiveRuns > 0 {
			refresh = 5
		}
	}
	u.render(w, r, http.StatusOK, "overview", struct {
		page
		Pipelines []scheduler.Status
		Failures  []pipeline.Run
		Stale     []store.TaskFreshness
	}{page{Title: "Pipelines", Refresh: refresh, Flash: r.URL.Query().Get("flash")}, st, failures, stale})
}

func (u *UI) pipeline(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := u.o.Scheduler.PipelineStatus(ctx, r.PathValue("name"))
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	before := r.URL.Query().Get("before")
	runs, err := u.o.Store.ListRuns(ctx, store.RunFilter{Pipeline: st.Name, Limit: GridRuns, Before: before})
	if errors.Is(err, store.ErrNotFound) {
		u.fail(w, r, http.StatusBadRequest, "No such page", "There is no run "+before+" to page from.")
		return
	}
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	ids := make([]string, len(runs))
	for i, run := range runs {
		ids[i] = run.ID
	}
	trs, err := u.o.Store.TaskRunsOf(ctx, ids)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	counts, err := u.o.Store.CountRunsByState(ctx, store.RunFilter{Pipeline: st.Name})
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	data := struct {
		page
		Status       scheduler.Status
		Grid         runview.Grid
		Counts       map[pipeline.State]int
		Total        int
		States       []pipeline.State
		Before, Next string
		First, Last  *pipeline.Run
	}{page: page{Title: st.Name, Flash: r.URL.Query().Get("flash")}, Status: st, Grid: runview.NewGrid(runs, trs, st.Tasks),
		Counts: counts, Total: total, States: pipeline.States, Before: before}
	if len(runs) > 0 {
		data.First, data.Last = &runs[0], &runs[len(runs)-1]
	}
	if len(runs) == GridRuns {
		data.Next = runs[len(runs)-1].ID
	}
	if st.ActiveRuns > 0 && before == "" {
		data.Refresh = 5
	}
	u.render(w, r, http.StatusOK, "pipeline", data)
}

func (u *UI) run(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := u.o.Store.GetRun(ctx, r.PathValue("id"))
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	trs, err := u.o.Store.ListTaskRuns(ctx, run.ID)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	var dag *pipeline.DAG
	if p, err := u.o.Scheduler.Pipeline(run.Pipeline); err == nil {
		dag = p.DAG
	}
	v := runview.New(run, trs, runview.Order(dag))
	states := map[string]pipeline.State{}
	for _, t := range v.Tasks {
		if len(t.History) > 0 {
			states[t.Name] = t.State
		}
	}
	checks, err := u.o.Store.ListChecks(ctx, store.CheckFilter{RunID: run.ID})
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	server.SortChecks(checks)
	failing := 0
	for _, c := range checks {
		if !c.Passed {
			failing++
		}
	}
	data := struct {
		page
		Run           runview.Run
		Graph         runview.Graph
		Gantt         runview.Gantt
		Checks        []store.CheckResult
		ChecksFailing int
	}{page: page{Title: "Run " + run.ID}, Run: v, Graph: runview.Layout(dag, states), Gantt: runview.NewGantt(v, 720, u.o.Now()),
		Checks: checks, ChecksFailing: failing}
	if !run.State.Terminal() {
		data.Refresh = 1.5
	}
	u.render(w, r, http.StatusOK, "run", data)
}

func (u *UI) logs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, task := r.PathValue("id"), r.PathValue("task")
	trs, err := u.o.Store.ListTaskRuns(ctx, id)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	var attempts []pipeline.TaskRun
	latest := 0
	for _, tr := range trs {
		if tr.Task == task {
			attempts = append(attempts, tr)
			latest = max(latest, tr.Attempt)
		}
	}
	if len(attempts) == 0 {
		if _, err := u.o.Store.GetRun(ctx, id); err != nil {
			u.failErr(w, r, err)
			return
		}
		u.fail(w, r, http.StatusNotFound, "No such task", "Run "+id+" has no attempt of task "+task+".")
		return
	}
	attempt := latest
	if v := r.URL.Query().Get("attempt"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			u.fail(w, r, http.StatusBadRequest, "Bad attempt", "attempt "+strconv.Quote(v)+" is not an attempt number.")
			return
		}
		attempt = n
	}
	log, err := u.o.Store.TaskRunLog(ctx, id, task, attempt)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	running := false
	for _, tr := range attempts {
		if tr.Attempt == attempt && !tr.State.Terminal() && tr.State != pipeline.UpForRetry {
			running = true
		}
	}
	data := struct {
		page
		RunID, Task string
		Attempt     int
		Attempts    []pipeline.TaskRun
		Log         string
	}{page: page{Title: task + " logs"}, RunID: id, Task: task, Attempt: attempt, Attempts: attempts, Log: log}
	if running {
		data.Refresh = 2
	}
	u.render(w, r, http.StatusOK, "logs", data)
}

func (u *UI) datasets(w http.ResponseWriter, r *http.Request) {
	d, err := server.LoadDatasets(r, u.o.Store)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "datasets", struct {
		page
		Data server.Datasets
	}{page{Title: "Datasets"}, d})
}

func (u *UI) tokens(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	scores, err := u.o.Store.IntegratedScores(ctx, time.Time{})
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	flags, err := u.o.Store.RiskFlags(ctx, "", time.Time{})
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	anomalies, err := u.o.Store.Anomalies(ctx, store.AnomalyFilter{Limit: 50})
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	var asOf time.Time
	if len(scores) > 0 {
		asOf = scores[0].AsOf
	}
	u.render(w, r, http.StatusOK, "tokens", struct {
		page
		Scores    []analytics.IntegratedScore
		AsOf      time.Time
		Flags     []analytics.RiskFlag
		Anomalies []analytics.Anomaly
	}{page{Title: "Tokens"}, scores, asOf, flags, anomalies})
}

// token shows one token: its score breakdown, risk flags with evidence,
// anomalies, and price, sentiment and score charts over ?days= (default
// 7, at most 90) ending at its newest data.
func (u *UI) token(w http.ResponseWriter, r *http.Request) {
	o, err := server.TokenViewOptions(r.URL.Query())
	if err != nil {
		u.fail(w, r, http.StatusBadRequest, "Bad request", err.Error())
		return
	}
	o.Now = u.o.Now()
	v, err := tokenview.Load(r.Context(), u.o.Store, r.PathValue("token"), o)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "token", struct {
		page
		V    *tokenview.View
		Days int
	}{page{Title: v.Symbol}, v, int(v.To.Sub(v.From).Hours() / 24)})
}
