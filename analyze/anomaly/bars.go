package anomaly

import (
	"math"
	"time"
)

// Bar is one OHLCV candle. Prices are in the quote currency, Volume in
// whatever unit the source reports (Yahoo: quote currency; Coinbase: base);
// the detector only compares a bar's volume with its own trailing history.
type Bar struct {
	TS                     time.Time
	Open, High, Low, Close float64
	Volume                 float64
}

// Validate reports why a bar cannot be used: a zero or negative price (what
// 6-decimal rounding makes of a very cheap token), a missing (NaN) or
// negative volume, non-finite numbers, or high below low.
func (b Bar) Validate() error {
	if b.TS.IsZero() {
		return badRow("missing time", "")
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"open", b.Open}, {"high", b.High}, {"low", b.Low}, {"close", b.Close}} {
		if math.IsNaN(p.v) || math.IsInf(p.v, 0) {
			return badRow("missing price", "%s is empty or not finite", p.name)
		}
		if p.v <= 0 {
			return badRow("non-positive price", "%s %g", p.name, p.v)
		}
	}
	if math.IsNaN(b.Volume) || math.IsInf(b.Volume, 0) {
		return badRow("missing volume", "")
	}
	if b.Volume < 0 {
		return badRow("negative volume", "%g", b.Volume)
	}
	if b.High < b.Low {
		return badRow("high below low", "high %g, low %g", b.High, b.Low)
	}
	return nil
}

// BarConfig tunes the bar detector. Zero fields take the defaults below.
type BarConfig struct {
	Token string
	// Window is the number of trailing bars in the median/MAD baselines
	// (default 30: a month of daily bars, half an hour of minute bars).
	Window int
	// MinHistory bars must be seen before any z-score is trusted (default 10).
	MinHistory int
	// ZMin is the robust z from which a return or volume spike is emitted
	// (default 4).
	ZMin float64
	// RiseBars is how many bars a pump may take to rise (default 3).
	RiseBars int
	// RiseMin is the minimal rise, as a fraction, for a pump (default 0.15).
	RiseMin float64
	// RiseZ is the robust z of the rise (excess over the median drift,
	// scaled by sqrt of its length) for a pump (default 4).
	RiseZ float64
	// PumpVolumeZ is the volume z one of the rising bars must reach (default 3).
	PumpVolumeZ float64
	// ReversalBars is how many bars after the peak the dump must come in
	// (default 6). Exchange pumps last minutes (La Morgia et al.; the events
	// in data/pump-and-dump start at round hours and are over within the
	// hour), so on minute bars 6 bars catches the dump and on hourly or
	// daily bars it asks for a reversal within a few periods.
	ReversalBars int
	// Giveback is the share of the rise (in log terms) the reversal must
	// give back (default 0.5).
	Giveback float64
	// GapBars is the number of missing bar intervals from which a time gap
	// is reported (default 5); PriceGap the open-vs-previous-close jump
	// (fraction, default 0.1) from which a price gap is.
	GapBars  int
	PriceGap float64
	Thresholds
}

func (c BarConfig) withDefaults() BarConfig {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Window, 30)
	def(&c.MinHistory, 10)
	def(&c.RiseBars, 3)
	def(&c.ReversalBars, 6)
	def(&c.GapBars, 5)
	deff(&c.ZMin, 4)
	deff(&c.RiseMin, 0.15)
	deff(&c.RiseZ, 4)
	deff(&c.PumpVolumeZ, 3)
	deff(&c.Giveback, 0.5)
	deff(&c.PriceGap, 0.1)
	if c.Thresholds == (Thresholds{}) {
		c.Thresholds = DefaultThresholds
	}
	if c.MinHistory > c.Window {
		c.MinHistory = c.Window
	}
	return c
}

// Floors for the robust scales: a log-return spread under 0.2% or a
// log-volume spread under 5% is treated as that much, so flat or quantised
// history does not make every small move a spike.
const (
	retFloor = 0.002
	volFloor = 0.05
)

type barMark struct {
	ts    time.Time
	close float64
	volZ  float64
}

type pumpCandidate struct {
	startTS, peakTS     time.Time
	startClose, peakPx  float64
	riseZ, volZ         float64
	barsSincePeak, bars int
}

// BarDetector flags return and volume spikes, pump-and-dump shapes and gaps
// in one token's bars. Push bars in time order.
type BarDetector struct {
	cfg       BarConfig
	rets      *window   // log returns close/prev close
	vols      *window   // log(1+volume)
	dts       *window   // seconds between bars
	recent    []barMark // the last RiseBars+1 bars, oldest first
	prev      Bar
	hasPrev   bool
	seen      int
	pump      *pumpCandidate
	skipped   int
	processed int
}

// NewBarDetector returns a detector with cfg's defaults filled in.
func NewBarDetector(cfg BarConfig) *BarDetector {
	cfg = cfg.withDefaults()
	return &BarDetector{
		cfg:  cfg,
		rets: newWindow(cfg.Window),
		vols: newWindow(cfg.Window),
		dts:  newWindow(cfg.Window),
	}
}

// Config returns the effective configuration.
func (d *BarDetector) Config() BarConfig { return d.cfg }

// Push consumes the next bar and returns the anomalies it completes. A bad
// bar (see Bar.Validate) or one not after the previous bar is skipped: the
// error wraps ErrBadRow and the detector's state is unchanged.
func (d *BarDetector) Push(b Bar) ([]Anomaly, error) {
	if err := b.Validate(); err != nil {
		d.skipped++
		return nil, err
	}
	if d.hasPrev && !b.TS.After(d.prev.TS) {
		d.skipped++
		reason := "out of order"
		if b.TS.Equal(d.prev.TS) {
			reason = "duplicate time"
		}
		return nil, badRow(reason, "time %s is not after the previous bar %s", b.TS.Format(time.RFC3339), d.prev.TS.Format(time.RFC3339))
	}
	d.processed++
	var out []Anomaly
	logVol := math.Log1p(b.Volume)
	volZ := 0.0
	warm := d.seen >= d.cfg.MinHistory
	if warm {
		volZ = d.vols.Z(logVol, volFloor)
	}
	if d.hasPrev {
		r := math.Log(b.Close / d.prev.Close)
		dt := b.TS.Sub(d.prev.TS).Seconds()
		if warm {
			out = append(out, d.spikes(b, r, volZ)...)
			if a, ok := d.gap(b, dt); ok {
				out = append(out, a)
			}
		}
		out = append(out, d.pumpStep(b, volZ, warm)...)
		d.rets.Push(r)
		d.dts.Push(dt)
	}
	d.vols.Push(logVol)
	d.seen++
	if len(d.recent) == d.cfg.RiseBars+1 {
		copy(d.recent, d.recent[1:])
		d.recent = d.recent[:len(d.recent)-1]
	}
	d.recent = append(d.recent, barMark{ts: b.TS, close: b.Close, volZ: volZ})
	d.prev, d.hasPrev = b, true
	return out, nil
}

func (d *BarDetector) event(ts time.Time, kind string, score float64, ev map[string]any) Anomaly {
	return Anomaly{Token: d.cfg.Token, TS: ts, Kind: kind, Score: round(score, 3), Severity: d.cfg.Of(score), Evidence: ev}
}

func (d *BarDetector) spikes(b Bar, r, volZ float64) []Anomaly {
	var out []Anomaly
	retZ := d.rets.Z(r, retFloor)
	if math.Abs(retZ) >= d.cfg.ZMin {
		dir := "up"
		if r < 0 {
			dir = "down"
		}
		out = append(out, d.event(b.TS, KindReturnSpike, math.Abs(retZ), map[string]any{
			"return_pct":        round(100*math.Expm1(r), 2),
			"z":                 round(retZ, 2),
			"direction":         dir,
			"close":             b.Close,
			"prev_close":        d.prev.Close,
			"baseline_bars":     d.rets.Len(),
			"median_return_pct": round(100*math.Expm1(d.rets.Median()), 3),
		}))
	}
	if volZ >= d.cfg.ZMin {
		out = append(out, d.event(b.TS, KindVolumeSpike, volZ, map[string]any{
			"volume":          b.Volume,
			"median_volume":   round(math.Expm1(d.vols.Median()), 2),
			"volume_multiple": round(b.Volume/math.Max(math.Expm1(d.vols.Median()), 1e-12), 2),
			"z":               round(volZ, 2),
			"baseline_bars":   d.vols.Len(),
		}))
	}
	return out
}

// gap reports a hole in the bar series (more than GapBars intervals
// missing: exchange outage, delisting, no trades) or an open far from the
// previous close (crypto trades around the clock, so on a continuous
// series that is a data problem or a halt).
func (d *BarDetector) gap(b Bar, dt float64) (Anomaly, bool) {
	interval := d.dts.Median()
	missing := 0
	if interval > 0 {
		missing = int(math.Round(dt/interval)) - 1
	}
	openJump := math.Log(b.Open / d.prev.Close)
	timeGap := missing >= d.cfg.GapBars
	priceGap := math.Abs(math.Expm1(openJump)) >= d.cfg.PriceGap
	if !timeGap && !priceGap {
		return Anomaly{}, false
	}
	// Time gaps score low (info) unless the price jumped across them: a
	// hole is a data-quality fact, the jump is the market event.
	score := 0.0
	if timeGap {
		score = 1 + math.Log2(float64(missing)/float64(d.cfg.GapBars))
	}
	jumpZ := math.Abs(openJump) / d.rets.Scale(retFloor)
	if priceGap {
		score = math.Max(score, jumpZ)
	}
	return d.event(b.TS, KindGap, score, map[string]any{
		"missing_bars":       missing,
		"interval_seconds":   interval,
		"open_vs_prev_close": round(100*math.Expm1(openJump), 2),
		"prev_ts":            d.prev.TS.UTC().Format(time.RFC3339),
	}), true
}

// pumpStep tracks the pump-and-dump shape: a rise of at least RiseMin over
// at most RiseBars bars that is extreme against the trailing return spread
// (RiseZ) and comes with a volume spike (PumpVolumeZ), followed within
// ReversalBars of the peak by a fall giving back Giveback of the rise. The
// event is emitted on the bar that completes the reversal.
func (d *BarDetector) pumpStep(b Bar, volZ float64, warm bool) []Anomaly {
	c := d.cfg
	if p := d.pump; p != nil {
		p.bars++
		if b.Close > p.peakPx {
			p.peakPx, p.peakTS, p.barsSincePeak = b.Close, b.TS, 0
			p.volZ = math.Max(p.volZ, volZ)
		} else {
			p.barsSincePeak++
			rise := math.Log(p.peakPx / p.startClose)
			give := math.Log(p.peakPx/b.Close) / rise
			if give >= c.Giveback {
				d.pump = nil
				sev := c.Of(p.riseZ)
				if sev == Info {
					sev = Warn // a completed pump-and-dump shape is never just info
				}
				return []Anomaly{{Token: c.Token, TS: b.TS, Kind: KindPumpAndDump, Score: round(p.riseZ, 3), Severity: sev,
					Evidence: map[string]any{
						"start_ts":        p.startTS.UTC().Format(time.RFC3339),
						"peak_ts":         p.peakTS.UTC().Format(time.RFC3339),
						"rise_pct":        round(100*math.Expm1(rise), 2),
						"drop_pct":        round(100*(1-b.Close/p.peakPx), 2),
						"giveback":        round(give, 3),
						"bars_to_reverse": p.barsSincePeak,
						"rise_z":          round(p.riseZ, 2),
						"peak_volume_z":   round(p.volZ, 2),
					}}}
			}
			if p.barsSincePeak > c.ReversalBars {
				d.pump = nil
			}
		}
		return nil
	}
	if !warm || d.rets.Len() < c.MinHistory-1 {
		return nil
	}
	med, scale := d.rets.Median(), d.rets.Scale(retFloor)
	bestZ, bestK := 0.0, 0
	maxVolZ := volZ
	for k := 1; k <= c.RiseBars && k <= len(d.recent); k++ {
		from := d.recent[len(d.recent)-k]
		if k > 1 {
			maxVolZ = math.Max(maxVolZ, d.recent[len(d.recent)-k+1].volZ)
		}
		rise := math.Log(b.Close / from.close)
		if rise < math.Log1p(c.RiseMin) {
			continue
		}
		z := (rise - float64(k)*med) / (scale * math.Sqrt(float64(k)))
		if z > bestZ && maxVolZ >= c.PumpVolumeZ {
			bestZ, bestK = z, k
		}
	}
	if bestK > 0 && bestZ >= c.RiseZ {
		from := d.recent[len(d.recent)-bestK]
		d.pump = &pumpCandidate{startTS: from.ts, startClose: from.close, peakTS: b.TS, peakPx: b.Close, riseZ: bestZ, volZ: maxVolZ}
	}
	return nil
}

// Stats reports how many bars were used and skipped.
func (d *BarDetector) Stats() (processed, skipped int) { return d.processed, d.skipped }
