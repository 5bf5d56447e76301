package score

import (
	"io"
	"testing"

	"memepipe/analytics"
)

// BenchmarkRank scores and ranks 1,000 tokens with every component and a
// few flags each (the breakdown JSON included).
func BenchmarkRank(b *testing.B) {
	c := Defaults()
	var inputs []Input
	for _, r := range ranking(b, 1000) {
		in := full()
		in.Token.Symbol, in.Token.Address = r.Symbol, r.Address
		in.Anomalies = []analytics.Anomaly{ev("volume_spike", 7), ev("rush_orders", 9)}
		in.Flags = []analytics.RiskFlag{rflag("top10_concentration", "warn"), rflag("new_token", "info")}
		inputs = append(inputs, in)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Rank(asOf, inputs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(inputs))/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeCSV writes a 1,000-token ranking as CSV.
func BenchmarkEncodeCSV(b *testing.B) {
	rows := ranking(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := EncodeCSV(io.Discard, rows); err != nil {
			b.Fatal(err)
		}
	}
}
