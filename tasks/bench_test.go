package tasks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/store"
	"memepipe/watchlist"
)

// BenchmarkAssessRiskReplay measures one analyze.risk assessment of a token
// with n stored transfers (SQLite): "full" replays every transfer from the
// token's first (no checkpoint: the first run, or one after a late row);
// "resumed" goes on from a checkpoint that covers all but the last 1,000
// transfers (a run after the last one). transfers/s is the rate over the
// token's whole history.
//
//	go test ./tasks -run '^$' -bench AssessRiskReplay -benchtime 3x
func BenchmarkAssessRiskReplay(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		ctx := context.Background()
		st := tempStore(b)
		tok := watchlist.Token{Symbol: "BENCH", Chain: "ethereum", Address: "0x00000000000000000000000000000000000be7c4",
			Pair: "0x00000000000000000000000000000000000000a1"}
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		const holders = 5_000
		addr := func(i int) string { return fmt.Sprintf("0x%040x", 0x1000+i) }
		rows := make([]canonical.Row, 0, 10_000)
		flush := func() {
			if err := store.UpsertCanonical(ctx, st, rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
		for i := range n {
			from, to := addr(i%holders), addr((i*7+3)%holders)
			if i == 0 {
				from = "0x0000000000000000000000000000000000000000" // the mint
			}
			rows = append(rows, canonical.Transfer{Chain: "ethereum", TxHash: fmt.Sprintf("0x%064x", i), LogIndex: 0,
				BlockNumber: int64(1_000_000 + i), TS: start.Add(time.Duration(i) * 10 * time.Second), TokenAddress: tok.Address,
				Token: tok.Key(), FromAddress: from, ToAddress: to, ValueRaw: "1000", Value: "1000", ValueFloat: 1000, Decimals: 0, Source: "bench"})
			if len(rows) == cap(rows) {
				flush()
			}
		}
		flush()
		asOf := start.Add(time.Duration(n) * 10 * time.Second)
		b.Run(fmt.Sprintf("transfers=%d/full", n), func(b *testing.B) {
			for b.Loop() {
				r := newRiskReplay()
				if read, err := r.advance(ctx, st, tok, asOf); err != nil || read < n {
					b.Fatal(err, read)
				}
				chainFacts(r, tok, asOf)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "transfers/s")
		})
		// A checkpoint 1,000 transfers before asOf.
		cpAt := asOf.Add(-1000 * 10 * time.Second)
		defer func(n int) { checkpointEvery = n }(checkpointEvery)
		checkpointEvery = 1
		if _, _, _, err := replayTo(ctx, st, tok, cpAt); err != nil {
			b.Fatal(err)
		}
		checkpointEvery = 1 << 30 // the runs measured must not write one at asOf
		b.Run(fmt.Sprintf("transfers=%d/resumed", n), func(b *testing.B) {
			for b.Loop() {
				res, err := AssessRisk(ctx, st, tok, asOf)
				if err != nil || !res.Resumed || res.Rows > 2000 {
					b.Fatal(err, res.Resumed, res.Rows)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "transfers/s")
		})
	}
}
