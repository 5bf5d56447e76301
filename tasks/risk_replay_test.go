package tasks

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"memepipe/analyze/anomaly"
	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/sim"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/watchlist"
)

// The risk replay resumed from checkpoints, run after run, holds exactly
// the state of a replay from the first row, and the assessments match;
// a row stored late before a checkpoint discards it.
func TestRiskReplayResumesFromCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("simulator run")
	}
	ctx := context.Background()
	iv := pipeline.Interval{Start: simNow.Add(-30 * time.Hour), End: simNow}
	w := simCollect(t, sim.Options{Seed: 3, Tokens: 6}, iv)
	defer func(n int) { checkpointEvery = n }(checkpointEvery)
	checkpointEvery = 1 // a checkpoint after every run that read a row

	resumedRuns := 0
	for _, tok := range w.watchlist {
		if tok.Address != "" {
			resumedRuns += checkResumes(t, w.store, tok, iv, 3*time.Hour)
		}
	}
	if resumedRuns == 0 {
		t.Fatal("no run resumed from a checkpoint")
	}

	// A transfer stored late, before the last checkpoint: the counts no
	// longer match, the next run replays from the start and sees it.
	tok := w.watchlist[0]
	for _, cand := range w.watchlist {
		if cand.Address != "" {
			tok = cand
			break
		}
	}
	late := canonical.Transfer{Chain: "ethereum", TxHash: "0x" + string(bytes.Repeat([]byte("ab"), 32)), LogIndex: 7, BlockNumber: 1,
		TS: iv.Start.Add(time.Hour), TokenAddress: tok.Address, Token: tok.Key(), FromAddress: "0x00000000000000000000000000000000000000aa",
		ToAddress: "0x00000000000000000000000000000000000000bb", ValueRaw: "5", Value: "5", ValueFloat: 5, Source: "test"}
	if err := store.UpsertCanonical(ctx, w.store, []canonical.Row{late}); err != nil {
		t.Fatal(err)
	}
	if r, err := loadReplay(ctx, w.store, tok, iv.End); err != nil || r != nil {
		t.Fatalf("checkpoint still used after a late row: %v %v", r != nil, err)
	}
	got, _, resumed, err := replayTo(ctx, w.store, tok, iv.End)
	if err != nil || resumed {
		t.Fatalf("replay after a late row: resumed %v, %v", resumed, err)
	}
	if got.Chain.Holders["0x00000000000000000000000000000000000000bb"] != 5 {
		t.Errorf("the late transfer is not in the replay: %v", got.Chain.Holders["0x00000000000000000000000000000000000000bb"])
	}
}

// checkResumes replays tok every step over iv with a checkpoint after every
// run and checks each resumed replay against a replay from the first row:
// the same state, only the new rows read, the same facts and rug features
// at the end. It returns how many runs resumed.
func checkResumes(t *testing.T, st store.Store, tok watchlist.Token, iv pipeline.Interval, step time.Duration) int {
	t.Helper()
	ctx := context.Background()
	defer func(n int) { checkpointEvery = n }(checkpointEvery)
	checkpointEvery = 1 // a checkpoint after every run that read a row
	resumedRuns, lastRows := 0, 0
	for asOf := iv.Start.Add(step); !asOf.After(iv.End); asOf = asOf.Add(step) {
		got, rows, resumed, err := replayTo(ctx, st, tok, asOf)
		if err != nil {
			t.Fatal(err)
		}
		full := newRiskReplay()
		fullRows, err := full.advance(ctx, st, tok, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, full) {
			t.Fatalf("%s at %s: resumed replay (resumed %v) differs from the full one:\n%+v\n%+v", tok.Symbol, asOf, resumed, got, full)
		}
		// A resumed run reads only the rows since the previous run.
		if resumed {
			resumedRuns++
			if rows != fullRows-lastRows {
				t.Errorf("%s at %s: resumed run read %d rows, want %d (full replay %d, previous %d)", tok.Symbol, asOf, rows, fullRows-lastRows, fullRows, lastRows)
			}
		}
		lastRows = fullRows
	}
	// The assessment from the last checkpoint equals one from a full replay.
	a, err := AssessRisk(ctx, st, tok, iv.End)
	if err != nil || !a.Resumed {
		t.Fatalf("%s: %v, resumed %v", tok.Symbol, err, a.Resumed)
	}
	full := newRiskReplay()
	if _, err := full.advance(ctx, st, tok, iv.End); err != nil {
		t.Fatal(err)
	}
	cp, err := loadReplay(ctx, st, tok, iv.End)
	if err != nil || cp == nil {
		t.Fatalf("%s: no usable checkpoint at %s: %v", tok.Symbol, iv.End, err)
	}
	f1, _ := chainFacts(full, tok, iv.End)
	f2, _ := chainFacts(cp, tok, iv.End)
	if !reflect.DeepEqual(f1, f2) || !reflect.DeepEqual(rugFeatures(full, f1), rugFeatures(cp, f2)) {
		t.Errorf("%s: facts from the checkpoint %+v, from a full replay %+v", tok.Symbol, f2, f1)
	}
	return resumedRuns
}

// A pair's whole life, with the streams the simulator's collection lacks
// (the LP token's transfers, the first Mint): launch, liquidity, trading,
// LP locked, then the creator removing liquidity; replayed in steps of
// 30 minutes across every event.
func TestRiskReplayResumesAcrossAPairsLife(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	const (
		zero    = "0x0000000000000000000000000000000000000000"
		dead    = "0x000000000000000000000000000000000000dead"
		creator = "0x00000000000000000000000000000000000000c1"
		pair    = "0x00000000000000000000000000000000000000a1"
	)
	tok := watchlist.Token{Symbol: "LIFE", Chain: "ethereum", Address: "0x00000000000000000000000000000000000011fe", Pair: pair}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rows []canonical.Row
	n := 0
	tx := func() string { n++; return fmt.Sprintf("0x%064x", n) }
	transfer := func(token, hash string, ts time.Time, from, to string, v float64) {
		rows = append(rows, canonical.Transfer{Chain: "ethereum", TxHash: hash, LogIndex: int64(len(rows)), BlockNumber: int64(len(rows)), TS: ts,
			TokenAddress: token, Token: watchlist.Token{Chain: "ethereum", Address: token}.Key(), FromAddress: from, ToAddress: to,
			ValueRaw: strconv.FormatFloat(v, 'f', -1, 64), Value: strconv.FormatFloat(v, 'f', -1, 64), ValueFloat: v, Source: "test"})
	}
	liq := func(hash string, ts time.Time, kind, sender string) {
		rows = append(rows, canonical.LiquidityEvent{Chain: "ethereum", TxHash: hash, LogIndex: int64(len(rows)), TS: ts, PairAddress: pair,
			Token: tok.Key(), Kind: kind, Sender: sender, AmountTokenRaw: "1", AmountToken: "1", AmountQuoteRaw: "1", AmountQuote: "1"})
	}
	transfer(tok.Address, tx(), t0, zero, creator, 1e6) // launch
	h := tx()                                           // the first liquidity
	transfer(tok.Address, h, t0.Add(time.Minute), creator, pair, 5e5)
	transfer(pair, h, t0.Add(time.Minute), zero, dead, 0.001) // MINIMUM_LIQUIDITY
	transfer(pair, h, t0.Add(time.Minute), zero, creator, 100)
	liq(h, t0.Add(time.Minute), "mint", "0x7a250d5630b4cf539739df2c5dacb4c659f2488d")
	for i := range 600 {
		ts := t0.Add(time.Duration(2+i) * time.Minute)
		trader := fmt.Sprintf("0x%040x", 0xb000+i%37)
		h := tx()
		side := "buy"
		if i%3 == 2 {
			side = "sell"
			transfer(tok.Address, h, ts, trader, pair, 90)
		} else {
			transfer(tok.Address, h, ts, pair, trader, 100)
		}
		rows = append(rows, canonical.Swap{Chain: "ethereum", TxHash: h, LogIndex: int64(len(rows)), TS: ts, PairAddress: pair, Token: tok.Key(),
			Side: side, AmountTokenRaw: "1", AmountToken: "1", AmountQuoteRaw: "1", AmountQuote: "1", Sender: trader, Trader: trader})
		if i == 120 {
			transfer(pair, tx(), ts, creator, dead, 20) // part of the LP locked
		}
		if i == 400 { // the creator removes most of the rest
			h := tx()
			transfer(pair, h, ts, creator, pair, 70)
			transfer(pair, h, ts, pair, zero, 70)
			transfer(tok.Address, h, ts, pair, creator, 3e5)
			liq(h, ts, "burn", creator)
		}
	}
	if err := store.UpsertCanonical(ctx, st, rows); err != nil {
		t.Fatal(err)
	}
	iv := pipeline.Interval{Start: t0.Add(-30 * time.Minute), End: t0.Add(11 * time.Hour)}
	if checkResumes(t, st, tok, iv, 30*time.Minute) < 10 {
		t.Error("too few runs resumed")
	}
	r, err := loadReplay(ctx, st, tok, iv.End)
	if err != nil || r == nil {
		t.Fatal("no checkpoint", err)
	}
	f, _ := chainFacts(r, tok, iv.End)
	if r.Counts.PairTransfers != 5 || r.Counts.Liquidity != 2 || !r.RugUsable || f.f.LPRemovedByCreator == nil || *f.f.LPRemovedByCreator < 0.6 ||
		f.f.LPLockedShare == nil || *f.f.LPLockedShare <= 0 || rugFeatures(r, f) == nil {
		t.Errorf("the pair's life is not in the replay: counts %+v, rug usable %v, facts %+v", r.Counts, r.RugUsable, f.f)
	}
}

// A token launched days before the anomaly look-back: its holder
// concentration is judged on the balances of a checkpointed replay of
// everything before the look-back, and the jump inside the interval is
// found (before checkpoints such a token's history was partial and
// concentration not judged). Later runs resume from the checkpoint.
func TestAnomalyConcentrationOnOldToken(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	const (
		zero    = "0x0000000000000000000000000000000000000000"
		creator = "0x00000000000000000000000000000000000000c1"
		whale   = "0x00000000000000000000000000000000000000ee"
	)
	tok := watchlist.Token{Symbol: "OLD", Chain: "ethereum", Address: "0x00000000000000000000000000000000000001d0"}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	iv := pipeline.Interval{Start: t0.Add(6 * 24 * time.Hour), End: t0.Add(6*24*time.Hour + time.Hour)}
	var rows []canonical.Row
	transfer := func(ts time.Time, from, to string, v float64) {
		n := len(rows)
		rows = append(rows, canonical.Transfer{Chain: "ethereum", TxHash: fmt.Sprintf("0x%064x", n+1), BlockNumber: int64(n), TS: ts,
			TokenAddress: tok.Address, Token: tok.Key(), FromAddress: from, ToAddress: to,
			ValueRaw: strconv.FormatFloat(v, 'f', -1, 64), Value: strconv.FormatFloat(v, 'f', -1, 64), ValueFloat: v, Source: "test"})
	}
	holder := func(i int) string { return fmt.Sprintf("0x%040x", 0xd000+i) }
	transfer(t0, zero, creator, 1e6)
	// Days 0-5: the creator hands 5,000 to each of 150 holders, an hour apart.
	for i := range 150 {
		transfer(t0.Add(time.Duration(i+1)*45*time.Minute), creator, holder(i), 5000)
	}
	// The interval: a whale collects 40% of the supply in 20 transfers of
	// 2% each (whale transfers, judged against the minted supply).
	for i := range 20 {
		transfer(iv.Start.Add(time.Duration(i+1)*160*time.Second), creator, whale, 20_000)
	}
	if err := store.UpsertCanonical(ctx, st, rows); err != nil {
		t.Fatal(err)
	}
	defer func(n int) { checkpointEvery = n }(checkpointEvery)
	checkpointEvery = 1

	scan, err := DetectAnomalies(ctx, st, tok, iv, AnomalyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range scan.Anomalies {
		kinds[a.Kind]++
	}
	if scan.PartialHistory || kinds[anomaly.KindConcentrationJump] == 0 || kinds[anomaly.KindWhaleTransfer] == 0 {
		t.Fatalf("partial history %v, anomalies by kind %v", scan.PartialHistory, kinds)
	}
	// The checkpoint at the look-back's start holds a full replay's state.
	from := iv.Start.Add(-48 * time.Hour)
	cp, ok, err := loadCheckpoint(ctx, st, tok, holdersReplayKind, from, newHoldersReplay)
	if err != nil || !ok || !cp.AsOf.Equal(from) {
		t.Fatalf("no checkpoint at %s: %v %v", from, ok, err)
	}
	full := newHoldersReplay()
	if _, err := full.advance(ctx, st, tok, from); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cp, full) {
		t.Errorf("checkpoint %+v\ndiffers from a full replay %+v", cp.Count, full.Count)
	}
	// The next hour's run resumes from it.
	next := pipeline.Interval{Start: iv.End, End: iv.End.Add(time.Hour)}
	h, read, resumed, err := resume(ctx, st, tok, holdersReplayKind, next.Start.Add(-48*time.Hour), newHoldersReplay)
	if err != nil || !resumed || read != h.Count-cp.Count {
		t.Errorf("next run: resumed %v, read %d, want %d; %v", resumed, read, h.Count-cp.Count, err)
	}
}

// tempStore is a SQLite store in a temporary folder, closed at the end.
func tempStore(t testing.TB) store.Store {
	t.Helper()
	st, err := open.Open(context.Background(), filepath.Join(t.TempDir(), "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
