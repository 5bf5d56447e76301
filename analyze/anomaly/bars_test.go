package anomaly

import (
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// noisyBars makes n hourly bars with returns drift±1% and volume 1000±10%,
// seeded so every run sees the same series.
func noisyBars(n int, drift float64, seed uint64) []Bar {
	r := rand.New(rand.NewPCG(seed, 7))
	px := 1.0
	var out []Bar
	for i := range n {
		ret := drift + 0.01*r.NormFloat64()
		open := px
		px *= math.Exp(ret)
		out = append(out, Bar{TS: t0.Add(time.Duration(i) * time.Hour), Open: open,
			High: math.Max(open, px) * 1.002, Low: math.Min(open, px) * 0.998, Close: px,
			Volume: 1000 * math.Exp(0.1*r.NormFloat64())})
	}
	return out
}

func runBars(t *testing.T, cfg BarConfig, bars []Bar) []Anomaly {
	t.Helper()
	d := NewBarDetector(cfg)
	var evs []Anomaly
	for _, b := range bars {
		e, err := d.Push(b)
		if err != nil {
			t.Fatalf("bar %s: %v", b.TS, err)
		}
		evs = append(evs, e...)
	}
	return evs
}

func kinds(evs []Anomaly, kind string) []Anomaly {
	var out []Anomaly
	for _, a := range evs {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// appendMove appends bars moving by the given returns with volume x vol.
func appendMove(bars []Bar, rets []float64, vol float64) []Bar {
	last := bars[len(bars)-1]
	px := last.Close
	for i, r := range rets {
		open := px
		px *= 1 + r
		bars = append(bars, Bar{TS: last.TS.Add(time.Duration(i+1) * time.Hour), Open: open,
			High: math.Max(open, px), Low: math.Min(open, px), Close: px, Volume: vol})
	}
	return bars
}

func TestPumpAndDumpShapeIsFlagged(t *testing.T) {
	bars := noisyBars(60, 0, 1)
	// +30%, +40% on 20x volume, then -30%, -30%: a rise of 82%.
	bars = appendMove(bars, []float64{0.3, 0.4}, 20000)
	bars = appendMove(bars, []float64{-0.3, -0.3}, 8000)
	evs := runBars(t, BarConfig{Token: "PEPE"}, bars)
	pd := kinds(evs, KindPumpAndDump)
	if len(pd) != 1 {
		t.Fatalf("pump_and_dump events = %d, want 1; all events: %+v", len(pd), evs)
	}
	a := pd[0]
	// The first -30% bar already gives back 60% of the rise (log terms).
	if want := bars[62].TS; !a.TS.Equal(want) {
		t.Errorf("pump_and_dump at %s, want the bar that completes the dump %s", a.TS, want)
	}
	if a.Token != "PEPE" || a.Severity == Info {
		t.Errorf("token %q severity %s, want PEPE and warn or critical", a.Token, a.Severity)
	}
	if got := a.Evidence["peak_ts"]; got != bars[61].TS.Format(time.RFC3339) {
		t.Errorf("peak_ts %v, want %s", got, bars[61].TS.Format(time.RFC3339))
	}
	if rise := a.Evidence["rise_pct"].(float64); math.Abs(rise-82) > 0.5 {
		t.Errorf("rise_pct %v, want 82", rise)
	}
	if len(kinds(evs, KindVolumeSpike)) == 0 || len(kinds(evs, KindReturnSpike)) == 0 {
		t.Errorf("want volume and return spikes beside the pump, got %+v", evs)
	}
}

func TestRiseWithoutReversalIsNoPumpAndDump(t *testing.T) {
	bars := noisyBars(60, 0, 2)
	bars = appendMove(bars, []float64{0.3, 0.4}, 20000)
	bars = appendMove(bars, []float64{0.01, -0.02, 0.01, 0.0, 0.01, -0.01, 0.02, 0.0}, 3000)
	if pd := kinds(runBars(t, BarConfig{}, bars), KindPumpAndDump); len(pd) != 0 {
		t.Fatalf("a pump that holds its gains is not a pump-and-dump: %+v", pd)
	}
}

func TestSmoothTrendIsNotFlagged(t *testing.T) {
	// +2% a bar for 300 bars with ordinary noise: a strong trend, no event.
	evs := runBars(t, BarConfig{}, noisyBars(300, 0.02, 3))
	for _, a := range evs {
		if a.Kind == KindPumpAndDump || a.Severity != Info {
			t.Errorf("smooth trend flagged: %+v", a)
		}
	}
	if len(evs) > 3 {
		t.Errorf("smooth trend gave %d events, want at most 3 stray info ones: %+v", len(evs), evs)
	}
}

func TestGapInBars(t *testing.T) {
	bars := noisyBars(40, 0, 4)
	b := bars[len(bars)-1]
	b.TS = b.TS.Add(12 * time.Hour) // 11 missing hourly bars
	b.Open = b.Close * 1.25         // and a 25% jump across them
	b.High, b.Close = b.Open*1.01, b.Open
	bars = append(bars, b)
	g := kinds(runBars(t, BarConfig{}, bars), KindGap)
	if len(g) != 1 {
		t.Fatalf("gap events %d, want 1", len(g))
	}
	if m := g[0].Evidence["missing_bars"]; m != 11 {
		t.Errorf("missing_bars %v, want 11", m)
	}
}

func TestBadBarsAreSkippedAndReported(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Date,Open,High,Low,Close,Adj Close,Volume\n")
	for i, b := range noisyBars(30, 0, 5) {
		if i == 12 {
			sb.WriteString("2024-03-01x,1,1,1,1,1,100\n")                                   // unparseable date
			sb.WriteString("2024-03-13,0.000000,0.000000,0.000000,0.000000,0.000000,100\n") // rounding to 6 decimals
			sb.WriteString("2024-03-13,null,null,null,null,null,null\n")
			sb.WriteString("2024-03-13,1.0,1.1,0.9,1.0,1.0,\n") // missing volume
		}
		sb.WriteString(b.TS.Format("2006-01-02 15:04:05") + "," + ftoa(b.Open) + "," + ftoa(b.High) + "," + ftoa(b.Low) + "," + ftoa(b.Close) + "," + ftoa(b.Close) + "," + ftoa(b.Volume) + "\n")
	}
	var out strings.Builder
	rep, err := DetectBarsCSV(strings.NewReader(sb.String()), "bad.csv", &out, BarConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"unparseable time": 1, "non-positive price": 1, "missing price": 1, "missing volume": 1}
	for k, v := range want {
		if rep.Reasons[k] != v {
			t.Errorf("reason %q = %d, want %d (report %v)", k, rep.Reasons[k], v, rep)
		}
	}
	if rep.Rows != 34 || rep.Used != 30 || rep.Skipped != 4 {
		t.Errorf("rows/used/skipped = %d/%d/%d, want 34/30/4", rep.Rows, rep.Used, rep.Skipped)
	}
	if !strings.Contains(rep.Examples[0], "bad.csv line 14") {
		t.Errorf("first example %q should name the file and line 14", rep.Examples[0])
	}
	if strings.Contains(out.String(), "Inf") || strings.Contains(out.String(), "NaN") {
		t.Errorf("output has non-finite numbers:\n%s", out.String())
	}
}

func ftoa(f float64) string { return strconvFloat(f) }

func TestBarHeadersByName(t *testing.T) {
	cases := []struct {
		name, csv string
		reversed  bool
	}{
		{"yahoo", "Date,Open,High,Low,Close,Adj Close,Volume\n2021-01-01,1,2,0.5,1.5,1.5,10\n2021-01-02,1.5,2,1,1.8,1.8,20\n", false},
		{"yfinance", "Date,Adj Close,Close,High,Low,Open,Volume\n2020-12-31,,,,,,\n2021-01-01,1.5e-06,1.5e-06,2e-06,5e-07,1e-06,10.0\n2021-01-02,1.8e-06,1.8e-06,2e-06,1e-06,1.5e-06,20.0\n", false},
		{"plain", "ts,open,high,low,close,volume\n1609459200,1,2,0.5,1.5,10\n1609545600,1.5,2,1,1.8,20\n", false},
		{"coinbase", "time,low,high,open,close,volume\n2021-01-02 00:00:00,1,2,1.5,1.8,20\n2021-01-01 00:00:00,0.5,2,1,1.5,10\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []Bar
			br, err := NewBarReader(strings.NewReader(c.csv), c.name)
			if err != nil {
				t.Fatal(err)
			}
			for {
				b, _, err := br.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					continue // the yfinance file's empty leading row
				}
				if b.Validate() == nil {
					got = append(got, b)
				}
			}
			if len(got) != 2 {
				t.Fatalf("read %d valid bars, want 2", len(got))
			}
			first, second := got[0], got[1]
			if c.reversed {
				first, second = second, first
			}
			scale := 1.0
			if c.name == "yfinance" { // scientific notation
				scale = 1e-6
			}
			if first.Open != 1*scale || first.High != 2*scale || first.Low != 0.5*scale || first.Close != 1.5*scale || first.Volume != 10 {
				t.Errorf("first bar %+v: columns mapped wrong", first)
			}
			if !first.TS.Equal(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)) || second.Close != 1.8*scale {
				t.Errorf("bars %+v %+v", first, second)
			}
			rep, err := ScanBars(strings.NewReader(c.csv), c.name, BarConfig{}, func(Anomaly) error { return nil })
			if err != nil || rep.Reversed != c.reversed || rep.Used != 2 {
				t.Errorf("scan: err %v reversed %v used %d", err, rep.Reversed, rep.Used)
			}
		})
	}
}

func TestNotABarFile(t *testing.T) {
	_, err := NewBarReader(strings.NewReader("id,text\n1,hello\n"), "tweets.csv")
	if err == nil || !strings.Contains(err.Error(), "tweets.csv") || !strings.Contains(err.Error(), "close") {
		t.Fatalf("err = %v, want one naming the file and the missing columns", err)
	}
}

func strconvFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
