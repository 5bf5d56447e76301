package engine

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/memstore"
	"memepipe/tasks/command"
)

// Benchmarks of the engine's own overhead. Run them with
//
//	go test ./engine -run '^$' -bench . -benchtime 20x
//
// Each op is one whole run of a fresh interval. Metrics:
//   - handoff-p50-µs, handoff-p99-µs: from one task's runner returning to
//     the next runner being called (chain: the downstream task; fan-out:
//     each leaf after the root), i.e. recording the end, deciding, and
//     recording the start, without the task's own work.
//   - µs/task: the run's wall time divided by its tasks.
//
// The fan-out's hand-off includes waiting for one of MaxParallel slots
// (default NumCPU*4): 200 leaves cannot all start at once by design. Store
// variants: mem (store/memstore), sqlite (a file in b.TempDir()), postgres
// (a fresh schema; skipped unless MEMEPIPE_TEST_POSTGRES_URL is set).

// timed wraps a runner and records when it was called and when it returned.
type timed struct {
	inner  pipeline.Runner
	mu     *sync.Mutex
	starts map[string]time.Time
	ends   map[string]time.Time
}

func (t timed) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	s := time.Now()
	res, err := t.inner.Run(ctx, tc)
	e := time.Now()
	t.mu.Lock()
	t.starts[tc.Task], t.ends[tc.Task] = s, e
	t.mu.Unlock()
	return res, err
}

var noop = pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	return pipeline.Result{}, nil
})

type shape int

const (
	chain shape = iota
	fanout
)

// benchDAG builds n tasks: a chain t0 <- t1 <- ... or a root with n-1 leaves.
func benchDAG(s shape, n int, inner pipeline.Runner, rec timed) *pipeline.DAG {
	d := &pipeline.DAG{Name: fmt.Sprintf("bench-%d-%d", s, n)}
	for i := range n {
		t := pipeline.Task{Name: fmt.Sprint("t", i), Runner: timed{inner: inner, mu: rec.mu, starts: rec.starts, ends: rec.ends}}
		switch {
		case i == 0:
		case s == chain:
			t.DependsOn = []string{fmt.Sprint("t", i-1)}
		default:
			t.DependsOn = []string{"t0"}
		}
		d.Tasks = append(d.Tasks, t)
	}
	return d
}

func benchRuns(b *testing.B, s shape, n int, inner pipeline.Runner, newStore func(b *testing.B) store.Runs) {
	st := newStore(b)
	e := New(st, Options{Logger: slog.New(slog.DiscardHandler)})
	rec := timed{mu: &sync.Mutex{}, starts: map[string]time.Time{}, ends: map[string]time.Time{}}
	dag := benchDAG(s, n, inner, rec)
	var handoffs []time.Duration
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var wall time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		iv := pipeline.Interval{Start: base.Add(time.Duration(i) * time.Hour), End: base.Add(time.Duration(i+1) * time.Hour)}
		start := time.Now()
		run, err := e.Run(context.Background(), dag, iv, RunOptions{})
		wall += time.Since(start)
		if err != nil || run.State != pipeline.Success {
			b.Fatalf("run %s: %v", run.State, err)
		}
		b.StopTimer()
		for j := 1; j < n; j++ {
			prev := "t0"
			if s == chain {
				prev = fmt.Sprint("t", j-1)
			}
			handoffs = append(handoffs, rec.starts[fmt.Sprint("t", j)].Sub(rec.ends[prev]))
		}
		b.StartTimer()
	}
	slices.Sort(handoffs)
	q := func(p float64) float64 {
		return float64(handoffs[int(p*float64(len(handoffs)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(q(0.5), "handoff-p50-µs")
	b.ReportMetric(q(0.99), "handoff-p99-µs")
	b.ReportMetric(float64(wall.Microseconds())/float64(b.N)/float64(n), "µs/task")
}

var benchStores = []struct {
	name string
	open func(b *testing.B) store.Runs
}{
	{"mem", func(b *testing.B) store.Runs { return memstore.New() }},
	{"sqlite", func(b *testing.B) store.Runs { return openSQLite(b, filepath.Join(b.TempDir(), "memepipe.db")) }},
	// Skipped unless MEMEPIPE_TEST_POSTGRES_URL is set.
	{"postgres", func(b *testing.B) store.Runs { return openPostgres(b) }},
}

func benchShapes(b *testing.B, s shape, n int) {
	for _, st := range benchStores {
		b.Run("inproc/"+st.name, func(b *testing.B) { benchRuns(b, s, n, noop, st.open) })
		b.Run("true/"+st.name, func(b *testing.B) { benchRuns(b, s, n, command.Runner{Argv: []string{"true"}}, st.open) })
	}
}

func BenchmarkChain100(b *testing.B)  { benchShapes(b, chain, 100) }
func BenchmarkFanout200(b *testing.B) { benchShapes(b, fanout, 200) }
