package score

import (
	"errors"
	"io"
	"math"
	"os"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/anomaly"
	"memepipe/internal/shareddata"
	"memepipe/pipeline"
	"memepipe/watchlist"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func dayIv(s string) pipeline.Interval {
	return pipeline.Interval{Start: day(s), End: day(s).Add(24 * time.Hour)}
}

func TestMarketFromBars(t *testing.T) {
	h := func(n int) time.Time { return asOf.Add(time.Duration(n) * time.Hour) }
	iv := pipeline.Interval{Start: h(0), End: h(3)}
	bars := []Bar{
		{TS: h(-3), Close: 1.0, Volume: 100},
		{TS: h(-2), Close: 0, Volume: 100}, // rounded to zero: skipped
		{TS: h(-1), Close: 2.0, Volume: 300},
		{TS: h(0), Open: 2.0, Close: 2.5, Volume: 400},
		{TS: h(1), Open: 2.5, Close: math.NaN(), Volume: 1}, // skipped
		{TS: h(2), Open: 2.5, Close: 3.0, Volume: 400},
		{TS: h(3), Open: 3.0, Close: 9.0, Volume: 9000}, // next interval
	}
	m, ok := MarketFromBars(bars, iv)
	if !ok || m.Points != 2 || m.Skipped != 2 || m.Source != "bars" {
		t.Fatalf("market = %+v, %v", m, ok)
	}
	// From the last baseline close 2.0 to 3.0; mean volume 400 against 200.
	if !near(m.Return, math.Log(1.5)) || m.VolumeTrend == nil || !near(*m.VolumeTrend, math.Log(2)) {
		t.Errorf("return %v trend %v, want ln 1.5 and ln 2", m.Return, *m.VolumeTrend)
	}
	// No baseline: the first bar's open is the start, no volume trend.
	m, ok = MarketFromBars(bars[3:], iv)
	if !ok || !near(m.Return, math.Log(1.5)) || m.VolumeTrend != nil {
		t.Errorf("without baseline: %+v, %v", m, ok)
	}
	if _, ok := MarketFromBars(bars[:3], iv); ok {
		t.Errorf("no bar in the interval: ok")
	}
	if _, ok := MarketFromBars([]Bar{{TS: h(0), Close: 0}, {TS: h(1), Close: -1}}, iv); ok {
		t.Errorf("only bad bars: ok")
	}
}

func TestMarketFromTrades(t *testing.T) {
	m0 := func(n int) time.Time { return asOf.Add(time.Duration(n) * time.Minute) }
	iv := pipeline.Interval{Start: m0(0), End: m0(60)}
	trades := []Trade{
		{TS: m0(-200), Price: 100, QuoteAmount: 1000}, // before the lookback
		{TS: m0(-90), Price: 1.0, QuoteAmount: 2},
		{TS: m0(-30), Price: 2.0, QuoteAmount: 2}, // baseline VWAP 1.5, 4 quote over 2 h
		{TS: m0(10), Price: 0, QuoteAmount: 5},    // skipped
		{TS: m0(20), Price: 3.0, QuoteAmount: 3},
		{TS: m0(50), Price: 6.0, QuoteAmount: 1}, // VWAP (9+6)/4 = 3.75, 4 quote in 1 h
	}
	m, ok := MarketFromTrades(trades, iv, 2*time.Hour)
	if !ok || m.Points != 2 || m.Skipped != 1 || m.Source != "swaps" {
		t.Fatalf("market = %+v, %v", m, ok)
	}
	if !near(m.Return, math.Log(3.75/1.5)) || m.VolumeTrend == nil || !near(*m.VolumeTrend, math.Log(2)) {
		t.Errorf("return %v trend %v, want ln 2.5 and ln 2", m.Return, m.VolumeTrend)
	}
	if _, ok := MarketFromTrades(trades[:3], iv, time.Hour); ok {
		t.Errorf("no trade in the interval: ok")
	}
}

// readBars reads a Yahoo daily CSV as it is (nulls included) with the
// anomaly package's reader.
func readBars(t *testing.T, elem ...string) []anomaly.Bar {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br, err := anomaly.NewBarReader(f, elem[len(elem)-1])
	if err != nil {
		t.Fatal(err)
	}
	var out []anomaly.Bar
	for {
		b, _, err := br.Next()
		if err == io.EOF {
			return out
		}
		if errors.Is(err, anomaly.ErrBadRow) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
}

// DOGE's January 2021 move, day by day, scored on market data alone with
// the bar detector's real events. The detector sees return and volume
// spikes but no pump-and-dump (the price kept most of its rise), so the
// anomaly component discounts the spike days without sinking them: the
// peak day has more momentum than the run-up but scores lower, and the
// 40% fall the day after drops the score far below both.
func TestDOGEJanuary2021(t *testing.T) {
	all := readBars(t, "prices", "yahoo_DOGE-USD_daily_2014-09-17_2021-04-21.csv")
	var evs []anomaly.Anomaly
	det := anomaly.NewBarDetector(anomaly.BarConfig{Token: "DOGE"})
	var bars []Bar
	for _, b := range all {
		if b.TS.After(day("2021-02-05")) {
			break
		}
		out, err := det.Push(b)
		if err != nil {
			continue
		}
		evs = append(evs, out...)
		bars = append(bars, Bar{TS: b.TS, Open: b.Open, Close: b.Close, Volume: b.Volume})
	}
	c := Defaults()
	doge := watchlist.Token{Symbol: "DOGE"}
	type dayScore struct{ momentum, anomaly, integrated float64 }
	scoreDay := func(d string) dayScore {
		iv := dayIv(d)
		// The glue passes a week of bars before the interval as baseline.
		var window []Bar
		for _, b := range bars {
			if !b.TS.Before(iv.Start.Add(-7*24*time.Hour)) && b.TS.Before(iv.End) {
				window = append(window, b)
			}
		}
		m, ok := MarketFromBars(window, iv)
		if !ok {
			t.Fatalf("%s: no bar", d)
		}
		var found []analytics.Anomaly
		for _, e := range evs {
			if !e.TS.Before(iv.Start) && e.TS.Before(iv.End) {
				found = append(found, analytics.Anomaly{Token: "DOGE", TS: e.TS, Kind: e.Kind, Score: e.Score, Severity: string(e.Severity)})
			}
		}
		row, _, ok, err := c.Integrate(iv.End, Input{Token: doge, Market: &m, AnomaliesScanned: true, Anomalies: found})
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", d, ok, err)
		}
		return dayScore{*row.MomentumScore, *row.AnomalyScore, row.IntegratedScore}
	}
	runUp := scoreDay("2021-01-28") // close 0.007482 -> 0.012555 on 10x volume
	peak := scoreDay("2021-01-29")  // -> 0.047162
	dump := scoreDay("2021-01-30")  // -> 0.028176
	t.Logf("run-up %+v, peak %+v, dump %+v", runUp, peak, dump)
	if runUp.momentum < 95 || peak.momentum < runUp.momentum {
		t.Errorf("momentum on the run-up %v and peak %v, want >= 95 and rising", runUp.momentum, peak.momentum)
	}
	if !(runUp.anomaly > 10 && peak.anomaly > runUp.anomaly) {
		t.Errorf("anomaly on the run-up %v and peak %v, want > 10 and rising (return spike 10.6, then 26.2 with a volume spike)", runUp.anomaly, peak.anomaly)
	}
	if !(peak.integrated < runUp.integrated) {
		t.Errorf("integrated on the peak %v, run-up %v: want the spikes to outweigh the extra momentum", peak.integrated, runUp.integrated)
	}
	if dump.momentum > 10 || !(dump.integrated < 40 && dump.integrated < peak.integrated-30) {
		t.Errorf("dump day: momentum %v, integrated %v (peak %v); want <= 10, and under 40 and 30 below the peak", dump.momentum, dump.integrated, peak.integrated)
	}
}
