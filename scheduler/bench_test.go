package scheduler

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/engine"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/postgres"
	"memepipe/store/storetest"
)

// BenchmarkSlotToRunStart fires one slot of N pipelines at once (all
// "@every 1m", so every slot is shared) and measures, per run, the time
// from the scheduler waking for the slot to the engine starting the run's
// first task: what the schedule-lag histogram adds on top of timer
// accuracy. Each iteration is one slot; p50 and p99 over all runs.
// The store is SQLite in a temp dir (BenchmarkSlotToRunStartPostgres: a
// schema of MEMEPIPE_TEST_POSTGRES_URL); tasks are no-ops on the real
// engine.
func BenchmarkSlotToRunStart(b *testing.B) {
	benchSlotToRunStart(b, func(b *testing.B) store.Store { return openSQLite(b) })
}

// BenchmarkSlotToRunStartPostgres is BenchmarkSlotToRunStart on
// PostgreSQL, where pipelines tick several at a time.
func BenchmarkSlotToRunStartPostgres(b *testing.B) {
	benchSlotToRunStart(b, openPostgres)
}

func openPostgres(b *testing.B) store.Store {
	url := storetest.PostgresURL(b)
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func benchSlotToRunStart(b *testing.B, open func(*testing.B) store.Store) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("pipelines=%d", n), func(b *testing.B) {
			st := open(b)
			var mu sync.Mutex
			var lags []time.Duration
			var woke time.Time
			started := make(chan struct{}, n)
			first := func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
				mu.Lock()
				lags = append(lags, time.Since(woke))
				mu.Unlock()
				started <- struct{}{}
				return pipeline.Result{}, nil
			}
			eng := engine.New(st, engine.Options{Logger: quietLogger(), MaxParallel: 4 * n})
			var ps []Pipeline
			for i := range n {
				ps = append(ps, Pipeline{DAG: dag(fmt.Sprintf("p%03d", i), pipeline.Task{Name: "collect", Runner: pipeline.RunnerFunc(first)}),
					Schedule: mustSchedule(b, "@every 1m")})
			}
			s := newTestScheduler(b, st, newFakeClock(time.Time{}), Engine(eng), ps...)
			at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			// The first slot registers the pipelines; not measured.
			if _, err := s.step(context.Background(), at); err != nil {
				b.Fatal(err)
			}
			for range n {
				<-started
			}
			s.runs.Wait()
			lags = lags[:0]
			for b.Loop() {
				at = at.Add(time.Minute)
				mu.Lock()
				woke = time.Now()
				mu.Unlock()
				if _, err := s.step(context.Background(), at); err != nil {
					b.Fatal(err)
				}
				for range n {
					<-started
				}
				s.runs.Wait()
			}
			reportPercentiles(b, lags, "slot_to_start")
		})
	}
}

// BenchmarkHandoffManyPipelines runs N pipelines' slots at once, each a
// chain of 4 no-op tasks, and reports the engine's hand-off latency (a
// task's start minus its upstream's end) across all of them: contention
// between many concurrent runs on one engine and one SQLite store.
func BenchmarkHandoffManyPipelines(b *testing.B) {
	benchHandoff(b, openSQLite(b))
}

// BenchmarkHandoffManyPipelinesPostgres is BenchmarkHandoffManyPipelines
// on PostgreSQL.
func BenchmarkHandoffManyPipelinesPostgres(b *testing.B) {
	benchHandoff(b, openPostgres(b))
}

func benchHandoff(b *testing.B, st store.Store) {
	const n = 50
	var mu sync.Mutex
	var handoffs []time.Duration
	observe := func(ev engine.Event) {
		if ev.Kind == engine.TaskStarted && !ev.ReadyAt.IsZero() && ev.TaskRun != nil && ev.TaskRun.Task != "t0" {
			mu.Lock()
			handoffs = append(handoffs, ev.At.Sub(ev.ReadyAt))
			mu.Unlock()
		}
	}
	eng := engine.New(st, engine.Options{Logger: quietLogger(), MaxParallel: 4 * n, Observe: observe})
	noop := pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
		return pipeline.Result{}, nil
	})
	var ps []Pipeline
	for i := range n {
		d := dag(fmt.Sprintf("p%03d", i), pipeline.Task{Name: "t0", Runner: noop})
		for j := 1; j < 4; j++ {
			d.Tasks = append(d.Tasks, pipeline.Task{Name: fmt.Sprintf("t%d", j), DependsOn: []string{fmt.Sprintf("t%d", j-1)}, Runner: noop})
		}
		ps = append(ps, Pipeline{DAG: d, Schedule: mustSchedule(b, "@every 1m")})
	}
	s := newTestScheduler(b, st, newFakeClock(time.Time{}), Engine(eng), ps...)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		at = at.Add(time.Minute)
		if _, err := s.step(context.Background(), at); err != nil {
			b.Fatal(err)
		}
		s.runs.Wait()
	}
	reportPercentiles(b, handoffs, "handoff")
}

func reportPercentiles(b *testing.B, ds []time.Duration, name string) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), name+"_p50_ms")
	b.ReportMetric(pct(0.99), name+"_p99_ms")
}
