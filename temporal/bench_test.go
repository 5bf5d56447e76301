package temporal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"memepipe/config"
	"memepipe/engine"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/tasks"
)

// benchPipeline has the demo's shape as six command tasks: two collectors
// fan out, a cleaner joins them, two analyzers fan out, a scorer joins them.
const benchPipeline = `
pipelines:
  - name: demo
    tasks:
      - {name: collect_social, command: ["true"]}
      - {name: collect_onchain, command: ["true"]}
      - {name: clean, command: ["true"], depends_on: [collect_social, collect_onchain]}
      - {name: analyze_sentiment, command: ["true"], depends_on: [clean]}
      - {name: analyze_risk, command: ["true"], depends_on: [clean]}
      - {name: score, command: ["true"], depends_on: [analyze_sentiment, analyze_risk]}
`

// BenchmarkDemoPipeline runs benchPipeline once per iteration, each for a new interval, with the in-process engine and
// through Temporal with one and two in-process workers, on one SQLite store.
// The difference per task is Temporal's orchestration overhead: a workflow
// task and an activity task round trip through the server per dispatch.
//
//	go test ./temporal -run '^$' -bench DemoPipeline -benchtime 20x
func BenchmarkDemoPipeline(b *testing.B) {
	path := filepath.Join(b.TempDir(), "memepipe.yaml")
	if err := os.WriteFile(path, []byte(benchPipeline), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Path: path, Environ: []string{}})
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	open1 := func(b *testing.B) (store.Store, *pipeline.DAG) {
		st, err := open.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		dag, err := tasks.BuildPipeline(cfg, "demo", tasks.Deps{Config: cfg, Store: st, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return st, dag
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	interval := func(i int) pipeline.Interval {
		return pipeline.Interval{Start: base.Add(time.Duration(i) * time.Hour), End: base.Add(time.Duration(i+1) * time.Hour)}
	}
	report := func(b *testing.B, tasksPerRun int) {
		perRun := b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(perRun.Microseconds())/1000, "ms/run")
		b.ReportMetric(float64(tasksPerRun*b.N)/b.Elapsed().Seconds(), "tasks/s")
		b.ReportMetric(0, "ns/op")
	}

	b.Run("engine", func(b *testing.B) {
		st, dag := open1(b)
		eng := engine.New(st, engine.Options{Logger: quiet, MaxParallel: cfg.MaxParallel})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			run, err := eng.Run(context.Background(), dag, interval(i), engine.RunOptions{})
			if err != nil || run.State != pipeline.Success {
				b.Fatalf("run %d: %s %v", i, run.State, err)
			}
		}
		report(b, len(dag.Tasks))
	})

	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("temporal-%dworker", workers), func(b *testing.B) {
			c := devServer(b)
			st, dag := open1(b)
			queue := randomName("bench-")
			for w := 0; w < workers; w++ {
				acts := &Activities{Store: st, Config: cfg, DAGs: map[string]*pipeline.DAG{"demo": dag}, Identity: fmt.Sprintf("bench-%d", w), Logger: quiet}
				wk := NewWorker(c, acts, WorkerOptions{TaskQueue: queue, MaxParallel: cfg.MaxParallel, Identity: fmt.Sprintf("bench-%d", w)})
				if err := wk.Start(); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(wk.Stop)
			}
			// One run to warm the task queue and the workers' caches.
			runOnce(b, c, queue, interval(-1))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runOnce(b, c, queue, interval(i))
			}
			report(b, len(dag.Tasks))
		})
	}
}

func runOnce(b *testing.B, c client.Client, queue string, iv pipeline.Interval) {
	wr, err := StartRun(context.Background(), c, queue, RunRequest{Pipeline: "demo", Interval: iv})
	if err != nil {
		b.Fatal(err)
	}
	var out RunOutcome
	if err := wr.Get(context.Background(), &out); err != nil || out.State != pipeline.Success {
		b.Fatalf("run %s: %+v %v", iv, out, err)
	}
}
