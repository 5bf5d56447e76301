package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/store"
)

// Bench runs the store benchmarks on s, a new empty store.
//
//	RunCycle: what the engine writes for a one-task run: CreateRun,
//	  InsertTaskRun (running), UpdateTaskRun (success, with a short log).
//	TaskUpdate: one UpdateTaskRun, the engine's most frequent write.
//	ListRunsPage: the UI's first page (50 runs, newest first) of one
//	  pipeline among 10,000 runs, seeded before the clock starts.
func Bench(b *testing.B, s store.Store) {
	ctx := context.Background()
	b.Run("RunCycle", func(b *testing.B) {
		base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		i := 0
		for b.Loop() {
			iv := pipeline.Interval{Start: base.Add(time.Duration(i) * time.Minute), End: base.Add(time.Duration(i+1) * time.Minute)}
			i++
			r, _, err := s.CreateRun(ctx, pipeline.Run{Pipeline: "bench-cycle", Interval: iv})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			tr := pipeline.TaskRun{RunID: r.ID, Task: "collect", Attempt: 1, State: pipeline.Running, StartedAt: &now}
			if err := s.InsertTaskRun(ctx, tr); err != nil {
				b.Fatal(err)
			}
			end := time.Now()
			tr.State, tr.EndedAt, tr.RecordsOut, tr.Log = pipeline.Success, &end, 100, "fetched 100 tweets\n"
			if err := s.UpdateTaskRun(ctx, tr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TaskUpdate", func(b *testing.B) {
		r, _, err := s.CreateRun(ctx, pipeline.Run{Pipeline: "bench-update", Interval: hour(0)})
		if err != nil {
			b.Fatal(err)
		}
		tr := pipeline.TaskRun{RunID: r.ID, Task: "t", Attempt: 1, State: pipeline.Running}
		if err := s.InsertTaskRun(ctx, tr); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			tr.RecordsOut++
			if err := s.UpdateTaskRun(ctx, tr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListRunsPage", func(b *testing.B) {
		const runs = 10_000
		pipelines := []string{"memes", "whales", "scores", "other"}
		base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range runs {
			iv := pipeline.Interval{Start: base.Add(time.Duration(i) * time.Hour), End: base.Add(time.Duration(i+1) * time.Hour)}
			if _, _, err := s.CreateRun(ctx, pipeline.Run{Pipeline: pipelines[i%len(pipelines)], Interval: iv, State: pipeline.Success}); err != nil {
				b.Fatal(err)
			}
		}
		f := store.RunFilter{Pipeline: "whales", Limit: 50}
		for b.Loop() {
			page, err := s.ListRuns(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) != 50 {
				b.Fatalf("page of %d runs, want 50", len(page))
			}
		}
	})
}

// BenchCanonical measures canonical writes on s, a new empty store:
//
//	UpsertTransfers1000: one raw object's worth (1,000 transfers, an
//	  Etherscan page) upserted in one writer; reports rows/s.
//	ReupsertTransfers1000: the same 1,000 rows again (a re-clean).
func BenchCanonical(b *testing.B, s store.Store) {
	ctx := context.Background()
	const n = 1000
	page := func(p int) []canonical.Row {
		rows := make([]canonical.Row, n)
		for i := range rows {
			rows[i] = transferRow(p*n+i, int64(i))
		}
		return rows
	}
	b.Run("UpsertTransfers1000", func(b *testing.B) {
		p := 0
		for b.Loop() {
			if err := store.UpsertCanonical(ctx, s, page(p)); err != nil {
				b.Fatal(err)
			}
			p++
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("ReupsertTransfers1000", func(b *testing.B) {
		rows := page(0)
		for b.Loop() {
			if err := store.UpsertCanonical(ctx, s, rows); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchObjects measures what a clean writes, without the parsing: raw
// objects' rows through store.ObjectBatch, batches of 50,000 rows, into a
// growing table. Tweets come 80 to an object (an X search page), transfers
// 1,000 (an Etherscan tokentx page). Reports rows/s.
func BenchObjects(b *testing.B, s store.Store) {
	ctx := context.Background()
	run := func(b *testing.B, perObject int, row func(i int) canonical.Row) {
		i := 0
		for b.Loop() {
			batch, err := store.BeginObjects(ctx, s)
			if err != nil {
				b.Fatal(err)
			}
			for o := 0; o < benchBatchRows/perObject; o++ {
				rows := make([]canonical.Row, perObject)
				for j := range rows {
					rows[j] = row(i)
					i++
				}
				if err := batch.Add(ctx, fmt.Sprint(i), rows); err != nil {
					b.Fatal(err)
				}
			}
			if failed, err := batch.Commit(ctx); err != nil || len(failed) > 0 {
				b.Fatal(failed, err)
			}
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("Tweets80", func(b *testing.B) {
		run(b, 80, func(i int) canonical.Row {
			// Ids spread like snowflakes of one day, authors from a pool.
			id := uint64(1_900_000_000_000_000_000) + uint64(i)*7_919_000_003%1_000_000_000_000
			return canonical.Tweet{TweetID: fmt.Sprint(id), Token: fmt.Sprintf("ethereum:0x%040x", i%50),
				AuthorID: fmt.Sprint(1000 + i%5000), AuthorUsername: fmt.Sprintf("user%d", i%5000), AuthorFollowers: canonical.I64(int64(i % 100000)),
				CreatedAt: t0.Add(time.Duration(i) * time.Second), Text: fmt.Sprintf("$PEPE to the moon 🚀 gm frens, tweet number %d with some more words to look like a post", i),
				Lang: "en", Retweets: canonical.I64(3), Likes: canonical.I64(40), Replies: canonical.I64(1), Quotes: canonical.I64(0),
				Cashtags: []string{"PEPE"}, CashtagTokens: []string{"ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933"},
				ConversationID: fmt.Sprint(id), ReferencedType: ""}
		})
	})
	b.Run("Transfers1000", func(b *testing.B) {
		run(b, 1000, func(i int) canonical.Row {
			r := transferRow(i, int64(i)*1_000_000_007)
			// Counterparties spread over the index like real holders.
			r.FromAddress = fmt.Sprintf("0x%040x", uint64(i)*2_654_435_761%1_000_003)
			r.ToAddress = fmt.Sprintf("0x%040x", uint64(i)*40_503%999_983)
			r.TxHash = fmt.Sprintf("0x%064x", uint64(i/3)*11_400_714_819_323_198_485)
			return r
		})
	})
}

// benchBatchRows is the clean task's default batch (tasks.BatchLimits).
const benchBatchRows = 50_000
