package tasks

import (
	"context"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/sim"
	"memepipe/store"
)

func TestExploreSim(t *testing.T) {
	iv := pipeline.Interval{Start: simNow.Add(-24 * time.Hour), End: simNow}
	w := simCollect(t, sim.Options{Seed: 3, Tokens: 50}, pipeline.Interval{Start: iv.Start.Add(-48 * time.Hour), End: iv.End})
	ctx := context.Background()
	full := w.sim.Truth(pipeline.Interval{})
	for _, sym := range []string{"GOLDENPEN", "BULLA"} {
		for _, tk := range full.Tokens {
			if tk.Symbol == sym {
				t.Logf("%s creator %s launched %s labels %v", sym, tk.Creator, tk.LaunchedAt, tk.Labels)
			}
		}
		for _, ev := range full.Events {
			if ev.Token == sym {
				t.Logf("  event %s %s..%s %v", ev.Kind, ev.Start, ev.End, ev.Details)
			}
		}
		for _, tok := range w.watchlist {
			if tok.Symbol != sym {
				continue
			}
			for _, seller := range []string{"0x44c5e194b960b182209d7d5fb349a1bc5d7ab023", "0x3cea6bff8165ed9fb1a9671d4574384de7147c3d", "0x3970407f7b4813c146bedc92a1a76210f7ed7094"} {
				trs, _ := store.ListCanonical[canonical.Transfer](ctx, w.store, store.CanonicalQuery{Token: tok.Key(), Address: seller})
				for _, tr := range trs {
					t.Logf("  %s %s -> %s %g", tr.TS, tr.FromAddress[:8], tr.ToAddress[:8], tr.ValueFloat)
				}
			}
			_ = strings.ToLower
		}
	}
}
