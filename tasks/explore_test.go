package tasks

import (
	"context"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/sim"
	"memepipe/store"
)

func TestExploreSim(t *testing.T) {
	iv := pipeline.Interval{Start: simNow.Add(-24 * time.Hour), End: simNow}
	w := simCollect(t, sim.Options{Seed: 1, Tokens: 10}, pipeline.Interval{Start: iv.Start.Add(-24 * time.Hour), End: iv.End})
	ctx := context.Background()
	for _, ev := range w.sim.Truth(iv).Events {
		if ev.Kind != sim.KindWhaleTransfer {
			continue
		}
		for _, tok := range w.watchlist {
			if tok.Symbol != ev.Token {
				continue
			}
			trs, _ := store.ListCanonical[canonical.Transfer](ctx, w.store, store.CanonicalQuery{Token: tok.Key(), From: ev.Start.Add(-time.Minute), To: ev.End.Add(time.Minute)})
			for _, tr := range trs {
				t.Logf("%s %s %s -> %s %g", tok.Symbol, tr.TS, tr.FromAddress, tr.ToAddress, tr.ValueFloat)
			}
			t.Logf("truth %v", ev.Details)
			s, _ := tokenSupply(ctx, w.store, tok.Key(), iv.End)
			t.Logf("supply %g", s)
			scan, err := DetectAnomalies(ctx, w.store, tok, iv, AnomalyOptions{})
			t.Logf("%v %v partial=%v", scan, err, scan.PartialHistory)
		}
	}
}
