package runview

import (
	"memepipe/pipeline"
)

// Grid is a pipeline's runs by tasks, as Airflow's grid view shows them:
// one column per run (newest first), one row per task, each cell the
// state of the task's latest attempt in that run.
type Grid struct {
	Runs  []pipeline.Run
	Tasks []string
	// Cells[i][j] is task i in run j; "" when the task has no attempt.
	Cells [][]pipeline.State
	// Attempts[i][j] is how many attempts task i had in run j.
	Attempts [][]int
}

// NewGrid lays runs out by the DAG's tasks (order), adding tasks that
// only appear in the history (a task since removed) at the end.
func NewGrid(runs []pipeline.Run, taskRuns map[string][]pipeline.TaskRun, order []string) Grid {
	g := Grid{Runs: runs}
	row := map[string]int{}
	addTask := func(n string) {
		if _, ok := row[n]; !ok {
			row[n] = len(g.Tasks)
			g.Tasks = append(g.Tasks, n)
		}
	}
	for _, n := range order {
		addTask(n)
	}
	for _, r := range runs {
		for _, tr := range taskRuns[r.ID] {
			addTask(tr.Task)
		}
	}
	g.Cells = make([][]pipeline.State, len(g.Tasks))
	g.Attempts = make([][]int, len(g.Tasks))
	for i := range g.Tasks {
		g.Cells[i] = make([]pipeline.State, len(runs))
		g.Attempts[i] = make([]int, len(runs))
	}
	for j, r := range runs {
		latest := map[string]int{}
		for _, tr := range taskRuns[r.ID] {
			i := row[tr.Task]
			if tr.Attempt >= latest[tr.Task] {
				latest[tr.Task] = tr.Attempt
				g.Cells[i][j] = tr.State
			}
			if tr.StartedAt != nil {
				g.Attempts[i][j]++
			}
		}
	}
	return g
}
