package tokenview_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/internal/servetest"
	"memepipe/store"
	"memepipe/store/sqlite"
	"memepipe/tokenview"
)

var end = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func seeded(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	servetest.SeedTokens(t, st, end)
	return st
}

func TestLoadBarsSentimentAnomaliesBreakdown(t *testing.T) {
	st := seeded(t)
	v, err := tokenview.Load(context.Background(), st, servetest.PepeKey, tokenview.Options{Now: end.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// The window ends just past the newest data (the score as of end),
	// not at Now.
	if want := end.Add(time.Second); !v.To.Equal(want) || !v.From.Equal(want.Add(-7*24*time.Hour)) {
		t.Errorf("window [%s, %s), want [.., %s)", v.From, v.To, want)
	}
	if v.Symbol != "PEPE" || v.PriceUnit != "USD" || !strings.Contains(v.PriceSource, "1h") {
		t.Errorf("symbol %q unit %q source %q", v.Symbol, v.PriceUnit, v.PriceSource)
	}
	// The window's hourly bars (the 12:00 bar is still open), fewer than
	// the 240 buckets: one point each.
	if v.PriceRows != 167 || len(v.Price) != 167 {
		t.Errorf("%d bars in %d points, want 167 and 167", v.PriceRows, len(v.Price))
	}
	top := 0.0
	for _, p := range v.Price {
		top = math.Max(top, p.Hi)
	}
	if want := 1.2e-5 * 3 * 1.02 * 1.1; top < 3*1.2e-5 || top > want {
		t.Errorf("price high %g, want the pump's (~3.6e-5)", top)
	}
	if len(v.Sentiment) != 167 || v.Sentiment[0].Volume < 10 || v.Sentiment[0].Volume > 19 {
		t.Errorf("%d sentiment points, first %+v", len(v.Sentiment), v.Sentiment[0])
	}
	// The two anomalies at the pump, not the one nine days back.
	if len(v.Anomalies) != 2 || v.Anomalies[0].Kind != "volume_spike" || len(v.PriceChart.Markers) != 2 {
		t.Fatalf("anomalies %+v, %d markers", v.Anomalies, len(v.PriceChart.Markers))
	}
	m := v.PriceChart.Markers[1] // price_pump, critical, at the pump
	if m.Color != "#d0353a" || !strings.Contains(m.Title, "price_pump (critical") {
		t.Errorf("marker %+v", m)
	}
	// It sits on the pump's price: near the top of the plot.
	if m.Y > float64(v.PriceChart.Y0+v.PriceChart.H/5) {
		t.Errorf("pump marker at y %.1f, plot %d..%d", m.Y, v.PriceChart.Y0, v.PriceChart.Y0+v.PriceChart.H)
	}
	if v.Score == nil || v.Score.IntegratedScore != 41.5 || v.Score.Rank != 2 {
		t.Fatalf("score %+v", v.Score)
	}
	if v.Breakdown == nil || len(v.Breakdown.Components) != 4 || v.Breakdown.Components[3].Name != "risk" ||
		len(v.Breakdown.Overrides) != 1 || v.Breakdown.Overrides[0].Cap != 41.5 {
		t.Errorf("breakdown %+v", v.Breakdown)
	}
	if v.Risk == nil || v.Risk.RiskScore != 72 || len(v.Flags) != 2 || v.Flags[0].Flag != "lp_removed_by_creator" ||
		!strings.Contains(string(v.Flags[0].Evidence), "share_removed") {
		t.Errorf("risk %+v flags %+v", v.Risk, v.Flags)
	}
	if len(v.Scores) != 72 || v.Scores[len(v.Scores)-1].V != 41.5 {
		t.Errorf("%d score points", len(v.Scores))
	}
	c := v.PriceChart
	if c.Empty || !strings.HasPrefix(c.Line, "M") || strings.Count(c.Line, "L") != 166 || !strings.HasSuffix(c.Band, "Z") {
		t.Errorf("price chart line %.40q… band %.20q…", c.Line, c.Band)
	}
	if len(c.XTicks) != 7 || c.XTicks[0].Label != "Nov 22" {
		t.Errorf("x ticks %+v", c.XTicks)
	}
	if len(v.SentimentChart.Bars) != 167 || v.SentimentChart.ZeroY != v.SentimentChart.Y0+v.SentimentChart.H/2 {
		t.Errorf("sentiment chart: %d bars, zero at %d", len(v.SentimentChart.Bars), v.SentimentChart.ZeroY)
	}
}

func TestLoadDownsamplesToPoints(t *testing.T) {
	st := seeded(t)
	v, err := tokenview.Load(context.Background(), st, servetest.PepeKey, tokenview.Options{Points: 24})
	if err != nil {
		t.Fatal(err)
	}
	if v.PriceRows != 167 || len(v.Price) != 24 || len(v.Sentiment) != 24 {
		t.Fatalf("%d rows in %d price points, %d sentiment points; want 167 in 24, 24", v.PriceRows, len(v.Price), len(v.Sentiment))
	}
	// Buckets keep the pump's high even though the close moved on.
	top := 0.0
	for _, p := range v.Price {
		top = math.Max(top, p.Hi)
	}
	if top < 3*1.2e-5*0.9 {
		t.Errorf("downsampled high %g lost the pump", top)
	}
	var vol int
	for _, p := range v.Sentiment {
		vol += p.Volume
	}
	if vol < 167*10 || vol > 167*19 {
		t.Errorf("sentiment volume %d after merging", vol)
	}
}

func TestLoadSwapDerivedPrice(t *testing.T) {
	st := seeded(t)
	v, err := tokenview.Load(context.Background(), st, servetest.SwappyKey, tokenview.Options{Points: 50})
	if err != nil {
		t.Fatal(err)
	}
	if v.PriceRows != 400 || !strings.Contains(v.PriceSource, "swaps") || v.PriceUnit != "WETH" {
		t.Fatalf("%d rows, source %q unit %q", v.PriceRows, v.PriceSource, v.PriceUnit)
	}
	// Equal quote amounts at 0.002 and 0.001: the volume-weighted price of
	// a buy and a sell is 2 quote / (500 + 1000) tokens = 0.001333…; a
	// bucket of 13 or 14 swaps lands near it, never at the plain mean 0.0015.
	for _, p := range v.Price {
		if p.V < 0.00128 || p.V > 0.00139 || p.Lo != 0.001 || p.Hi != 0.002 {
			t.Fatalf("point %+v", p)
		}
	}
	if len(v.Price) > 50 || len(v.Price) < 10 {
		t.Errorf("%d points", len(v.Price))
	}
	// Its stored breakdown is another formula's: kept as JSON.
	if v.Breakdown != nil || !strings.Contains(v.BreakdownJSON, "other-v0") {
		t.Errorf("breakdown %+v / %q", v.Breakdown, v.BreakdownJSON)
	}
	if !v.SentimentChart.Empty || v.SentimentChart.Line != "" {
		t.Errorf("sentiment chart of a token with no texts: %+v", v.SentimentChart)
	}
}

func TestLoadUnknownAndBadWindow(t *testing.T) {
	st := seeded(t)
	_, err := tokenview.Load(context.Background(), st, "ethereum:0xnope", tokenview.Options{})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if _, err := tokenview.Load(context.Background(), st, servetest.PepeKey, tokenview.Options{Window: 400 * 24 * time.Hour}); err == nil {
		t.Error("a 400-day window was accepted")
	}
	// A token with only a canonical row is known: an empty page, not 404.
	if err := store.UpsertCanonical(context.Background(), st, []canonical.Row{canonical.Token{Token: "BONK", Symbol: "BONK"}}); err != nil {
		t.Fatal(err)
	}
	v, err := tokenview.Load(context.Background(), st, "BONK", tokenview.Options{Now: end})
	if err != nil || !v.PriceChart.Empty || v.Score != nil || !v.To.Equal(end.Add(time.Second)) {
		t.Errorf("BONK: %v %+v", err, v)
	}
}
