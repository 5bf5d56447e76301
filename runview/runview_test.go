package runview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"memepipe/pipeline"
)

var t0 = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func at(s int) *time.Time { t := t0.Add(time.Duration(s) * time.Second); return &t }

func diamond() *pipeline.DAG {
	return &pipeline.DAG{Name: "memes", Tasks: []pipeline.Task{
		{Name: "collect_social"}, {Name: "collect_onchain"},
		{Name: "clean", DependsOn: []string{"collect_social", "collect_onchain"}},
		{Name: "score", DependsOn: []string{"clean"}},
		{Name: "report", DependsOn: []string{"collect_onchain"}},
	}}
}

func TestNewSumsAttempts(t *testing.T) {
	r := pipeline.Run{ID: "r_1", Pipeline: "memes", State: pipeline.Running, Trigger: pipeline.TriggerSchedule,
		Interval: pipeline.Interval{Start: t0.Add(-time.Hour), End: t0}, CreatedAt: t0, StartedAt: at(0)}
	trs := []pipeline.TaskRun{
		{RunID: "r_1", Task: "collect_social", Attempt: 1, State: pipeline.UpForRetry, StartedAt: at(0), EndedAt: at(2), Error: "429"},
		{RunID: "r_1", Task: "collect_social", Attempt: 2, State: pipeline.Success, StartedAt: at(7), EndedAt: at(9), RecordsOut: 40},
		{RunID: "r_1", Task: "clean", Attempt: 1, State: pipeline.Running, StartedAt: at(10)},
		{RunID: "r_1", Task: "retired", Attempt: 1, State: pipeline.Success, StartedAt: at(1), EndedAt: at(2)},
	}
	v := New(r, trs, Order(diamond()))
	var names []string
	for _, tk := range v.Tasks {
		names = append(names, tk.Name+":"+string(tk.State))
	}
	if got := strings.Join(names, " "); got != "collect_social:success collect_onchain:queued clean:running score:queued report:queued retired:success" {
		t.Errorf("tasks %s", got)
	}
	cs := v.Tasks[0]
	if cs.Attempts != 2 || cs.Duration != "9s" || *cs.DurationMS != 9000 || cs.RecordsOut != 40 || cs.Error != "" || len(cs.History) != 2 || cs.History[0].Error != "429" {
		t.Errorf("collect_social = %+v", cs)
	}
	if cl := v.Tasks[2]; cl.EndedAt != nil || cl.Duration != "" || cl.Attempts != 1 {
		t.Errorf("running clean = %+v", cl)
	}
	b, _ := json.Marshal(v)
	for _, want := range []string{`"id":"r_1"`, `"interval_start":"2026-11-28T17:00:00Z"`, `"trigger":"schedule"`, `"tasks":[{"name":"collect_social","state":"success","attempts":2`, `"history":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}

func TestGrid(t *testing.T) {
	runs := []pipeline.Run{{ID: "r_new"}, {ID: "r_old"}}
	trs := map[string][]pipeline.TaskRun{
		"r_new": {{Task: "clean", Attempt: 1, State: pipeline.Failed, StartedAt: at(1)}, {Task: "collect_social", Attempt: 1, State: pipeline.Success, StartedAt: at(0)}},
		"r_old": {{Task: "clean", Attempt: 2, State: pipeline.Success, StartedAt: at(3)}, {Task: "clean", Attempt: 1, State: pipeline.UpForRetry, StartedAt: at(2)}, {Task: "gone", Attempt: 1, State: pipeline.Skipped}},
	}
	g := NewGrid(runs, trs, Order(diamond()))
	if strings.Join(g.Tasks, ",") != "collect_social,collect_onchain,clean,score,report,gone" {
		t.Fatalf("rows %v", g.Tasks)
	}
	if g.Cells[2][0] != pipeline.Failed || g.Cells[2][1] != pipeline.Success || g.Attempts[2][1] != 2 {
		t.Errorf("clean row %v %v", g.Cells[2], g.Attempts[2])
	}
	if g.Cells[1][0] != "" || g.Cells[5][1] != pipeline.Skipped || g.Attempts[5][1] != 0 {
		t.Errorf("empty and unstarted cells: %v %v", g.Cells[1], g.Cells[5])
	}
}

func TestLayout(t *testing.T) {
	g := Layout(diamond(), map[string]pipeline.State{"clean": pipeline.Failed})
	byName := map[string]Node{}
	for _, n := range g.Nodes {
		byName[n.Name] = n
	}
	layers := map[string]int{"collect_social": 0, "collect_onchain": 0, "clean": 1, "report": 1, "score": 2}
	for n, l := range layers {
		if byName[n].Layer != l {
			t.Errorf("%s in layer %d, want %d", n, byName[n].Layer, l)
		}
	}
	if len(g.Edges) != 4 {
		t.Fatalf("%d edges", len(g.Edges))
	}
	for _, e := range g.Edges {
		if byName[e.From].X+NodeW > byName[e.To].X {
			t.Errorf("edge %s -> %s points left", e.From, e.To)
		}
	}
	// report hangs off collect_onchain (position 1), clean off both (0.5):
	// the barycentre puts clean above report.
	if byName["clean"].Y >= byName["report"].Y {
		t.Errorf("clean at y=%d, report at y=%d", byName["clean"].Y, byName["report"].Y)
	}
	if byName["clean"].State != pipeline.Failed || g.Width != 2*8+3*NodeW+2*56 {
		t.Errorf("clean state %q, width %d", byName["clean"].State, g.Width)
	}
	if e := g.Edges[0]; !strings.HasPrefix(e.Path, "M") || e.To != "clean" {
		t.Errorf("first edge %+v", e)
	}
	if Layout(nil, nil).Width != 0 {
		t.Error("empty layout has a size")
	}
}

func TestGantt(t *testing.T) {
	v := Run{Tasks: []Task{
		{Name: "a", History: []Attempt{{Attempt: 1, State: pipeline.UpForRetry, StartedAt: at(0), EndedAt: at(10)}, {Attempt: 2, State: pipeline.Success, StartedAt: at(20), EndedAt: at(30)}}},
		{Name: "b", History: []Attempt{{Attempt: 1, State: pipeline.Running, StartedAt: at(30)}}},
		{Name: "c", History: []Attempt{{Attempt: 1, State: pipeline.Queued}}},
	}}
	g := NewGantt(v, 400, *at(40))
	if !g.Start.Equal(*at(0)) || !g.End.Equal(*at(40)) || len(g.Rows) != 3 {
		t.Fatalf("gantt %+v", g)
	}
	a := g.Rows[0].Bars
	if len(a) != 2 || a[0].X != 0 || a[0].W != 100 || a[1].X != 200 || a[1].W != 100 {
		t.Errorf("a bars %+v", a)
	}
	if b := g.Rows[1].Bars; len(b) != 1 || !b[0].Running || b[0].X != 300 || b[0].W != 100 || b[0].Duration != 10*time.Second {
		t.Errorf("b bars %+v", b)
	}
	if len(g.Rows[2].Bars) != 0 || len(g.Ticks) != 5 || g.Ticks[4].Label != "+40s" {
		t.Errorf("c bars %+v ticks %+v", g.Rows[2].Bars, g.Ticks)
	}
}
