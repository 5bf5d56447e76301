package servetest

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/score"
	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/store"
)

// Tokens seeded by SeedTokens: PEPE has hourly price bars, sentiment,
// anomalies, risk flags and scores; SWAPPY has only DEX swaps (its price
// comes from them).
const (
	PepeKey   = "ethereum:0x6982508145454Ce325dDbE47a25d4ec3d2311933"
	SwappyKey = "ethereum:0x1111111111111111111111111111111111111111"
)

// SeedTokens stores ten days of history ending at end (an hour boundary)
// for two tokens, the shape the analytics leave behind:
//   - PEPE: hourly price bars around 1.2e-5 USD with a 3x pump two days
//     before end (3 bars), hourly sentiment aggregates, two anomalies
//     at the pump and one nine days back, a risk assessment with two flags,
//     and integrated scores every hour of the last three days (newest:
//     41.5, rank 2, capped by lp_removed_by_creator).
//   - SWAPPY: 400 swaps over the last 100 hours, buys at 0.002 and sells
//     at 0.001 WETH per token in equal quote amounts; the newest ranking
//     puts it first (score 63.0).
func SeedTokens(t testing.TB, st store.Store, end time.Time) {
	t.Helper()
	ctx := context.Background()
	pump := end.Add(-48 * time.Hour)
	rows := []canonical.Row{
		canonical.Token{Token: PepeKey, Symbol: "PEPE", Name: "Pepe", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933",
			Decimals: 18, QuoteSymbol: "WETH", YahooTicker: "PEPE24478-USD"},
		canonical.Token{Token: SwappyKey, Symbol: "SWAPPY", Name: "Swappy", Chain: "ethereum", Address: "0x1111111111111111111111111111111111111111",
			Decimals: 18, QuoteSymbol: "WETH"},
	}
	var aggs []analytics.SentimentAggregate
	for h := 240; h > 0; h-- {
		ts := end.Add(-time.Duration(h) * time.Hour)
		p := 1.2e-5 * (1 + 0.1*math.Sin(float64(h)/6))
		if !ts.Before(pump) && ts.Before(pump.Add(3*time.Hour)) {
			p *= 3
		}
		rows = append(rows, canonical.PriceBar{Token: PepeKey, BarInterval: "1h", TS: ts, Open: p, High: p * 1.02, Low: p * 0.98, Close: p,
			Volume: 1e9, Currency: "USD", Source: "yahoo"})
		aggs = append(aggs, analytics.SentimentAggregate{Token: PepeKey, IntervalStart: ts, IntervalEnd: ts.Add(time.Hour),
			Volume: 10 + h%10, UniqueAuthors: 5, MeanCompound: 0.1, ReachWeightedCompound: 0.5 * math.Sin(float64(h)/12),
			BullishRatio: 0.6})
	}
	for i := range 400 {
		ts := end.Add(-100*time.Hour + time.Duration(i)*15*time.Minute)
		side, price := "buy", 0.002
		if i%2 == 1 {
			side, price = "sell", 0.001
		}
		rows = append(rows, canonical.Swap{Chain: "ethereum", TxHash: "0x" + hex64(i), LogIndex: 1, BlockNumber: int64(20_000_000 + i), TS: ts,
			PairAddress: "0x2222222222222222222222222222222222222222", Token: SwappyKey, Side: side,
			AmountTokenRaw: "0", AmountToken: "0", AmountTokenFloat: 1 / price, AmountQuoteRaw: "0", AmountQuote: "1", AmountQuoteFloat: 1, Price: price})
	}
	if err := store.UpsertCanonical(ctx, st, rows); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSentimentAggregates(ctx, aggs); err != nil {
		t.Fatal(err)
	}
	put := func(iv pipeline.Interval, as ...analytics.Anomaly) {
		if err := st.ReplaceAnomalies(ctx, PepeKey, iv, as); err != nil {
			t.Fatal(err)
		}
	}
	pumpIv := pipeline.Interval{Start: pump, End: pump.Add(time.Hour)}
	put(pumpIv,
		analytics.Anomaly{Token: PepeKey, TS: pump, Kind: "price_pump", Score: 6.2, Severity: "critical", Evidence: json.RawMessage(`{"return":1.1,"z":6.2}`)},
		analytics.Anomaly{Token: PepeKey, TS: pump.Add(10 * time.Minute), Kind: "volume_spike", Score: 3.1, Severity: "warn", Evidence: json.RawMessage(`{"z":3.1}`)})
	old := end.Add(-9 * 24 * time.Hour)
	put(pipeline.Interval{Start: old, End: old.Add(time.Hour)},
		analytics.Anomaly{Token: PepeKey, TS: old, Kind: "wash_trading", Score: 2, Severity: "info", Evidence: json.RawMessage(`{}`)})

	asOf := end.Add(-time.Hour)
	if err := st.PutRiskAssessment(ctx, analytics.RiskScore{Token: PepeKey, AsOf: asOf, RiskScore: 72, RugProbability: analytics.F(0.81),
		Breakdown: json.RawMessage(`{"model":"rug-v1"}`)}, []analytics.RiskFlag{
		{Token: PepeKey, Flag: "lp_removed_by_creator", AsOf: asOf, Severity: "critical", Source: "onchain",
			Evidence: json.RawMessage(`{"tx_hash":"0xfeed","share_removed":0.93}`)},
		{Token: PepeKey, Flag: "holder_concentration", AsOf: asOf, Severity: "warn", Source: "onchain",
			Evidence: json.RawMessage(`{"top10_share":0.71}`)},
	}); err != nil {
		t.Fatal(err)
	}
	for h := 72; h > 0; h-- {
		at := end.Add(-time.Duration(h-1) * time.Hour)
		pepe := 40 + 0.02*float64(72-h)*float64(72-h)/5
		if h == 1 {
			pepe = 41.5
		}
		b := score.Breakdown{Formula: score.FormulaVersion, Missing: []string{}, Coverage: 1, Weighted: 58.2, Integrated: pepe,
			Components: []score.Component{
				{Name: score.Sentiment, Present: true, Score: analytics.F(66), Value: analytics.F(66), Weight: 0.3, WeightUsed: 0.3,
					Inputs: map[string]any{"reach_weighted_compound": 0.31, "volume": 42}},
				{Name: score.Momentum, Present: true, Score: analytics.F(71), Value: analytics.F(71), Weight: 0.3, WeightUsed: 0.3},
				{Name: score.Anomaly, Present: true, Score: analytics.F(35), Value: analytics.F(65), Weight: 0.2, WeightUsed: 0.2},
				{Name: score.Risk, Present: true, Score: analytics.F(72), Value: analytics.F(28), Weight: 0.2, WeightUsed: 0.2},
			},
			Overrides: []score.Override{{Flag: "lp_removed_by_creator", Severity: "critical", Cap: 41.5}}}
		bj, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ReplaceIntegratedScores(ctx, at, []analytics.IntegratedScore{
			{Token: SwappyKey, Symbol: "SWAPPY", Chain: "ethereum", Address: "0x1111111111111111111111111111111111111111", AsOf: at,
				MomentumScore: analytics.F(63), IntegratedScore: 63, Rank: 1, Flags: []string{}, Breakdown: json.RawMessage(`{"formula":"other-v0"}`)},
			{Token: PepeKey, Symbol: "PEPE", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933", AsOf: at,
				SentimentScore: analytics.F(66), MomentumScore: analytics.F(71), AnomalyScore: analytics.F(35), RiskScore: analytics.F(72),
				IntegratedScore: pepe, Rank: 2, Flags: []string{"lp_removed_by_creator"}, Breakdown: bj},
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func hex64(i int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 64)
	for j := range b {
		b[j] = '0'
	}
	for j := 63; i > 0; j-- {
		b[j] = digits[i%16]
		i /= 16
	}
	return string(b)
}
