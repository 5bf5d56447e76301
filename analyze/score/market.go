package score

import (
	"fmt"
	"math"
	"time"

	"memepipe/pipeline"
)

// Market is a token's price move and volume trend over the scored
// interval, the momentum component's input. MarketFromBars and
// MarketFromTrades compute it from price bars or DEX swaps.
type Market struct {
	// Return is the log return over the interval: ln(end price / price
	// at the interval's start).
	Return float64 `json:"return"`
	// VolumeTrend is ln(volume rate in the interval / volume rate in the
	// trailing baseline); nil when there is no baseline to compare with.
	VolumeTrend *float64 `json:"volume_trend"`
	// Source says what it was computed from ("bars", "swaps"), Points from
	// how many rows in the interval, Skipped how many bad rows were left out.
	Source  string `json:"source"`
	Points  int    `json:"points"`
	Skipped int    `json:"skipped,omitempty"`
}

// Bar is a price bar (the fields momentum needs of canonical price bars).
type Bar struct {
	TS     time.Time // bar open time
	Open   float64
	Close  float64
	Volume float64
}

// Trade is one exchange trade or DEX swap: its price and its size in the
// quote currency (WETH, USD).
type Trade struct {
	TS          time.Time
	Price       float64
	QuoteAmount float64
}

// maxLogTrend bounds volume trends: a baseline of zero volume would make
// the log infinite, which no JSON breakdown can hold.
const maxLogTrend = 5

func clampTrend(v float64) float64 { return math.Max(-maxLogTrend, math.Min(maxLogTrend, v)) }

func goodPrice(p float64) bool { return p > 0 && !math.IsInf(p, 0) }

// MarketFromBars measures the move over iv from bars in time order: bars
// before iv.Start are the baseline (give the glue's lookback, e.g. the last
// day of bars), bars in [iv.Start, iv.End) the interval. The start price is
// the last baseline close, or the first interval bar's open; the end price
// the last interval close. The volume trend compares mean volume per bar.
// Bars with a non-positive or missing close (tokens priced below the
// source's rounding show as 0) are skipped and counted. ok is false when
// the interval has no usable bar.
func MarketFromBars(bars []Bar, iv pipeline.Interval) (m Market, ok bool) {
	m.Source = "bars"
	var ref, last float64
	var baseVol, curVol float64
	var baseN, curN int
	for _, b := range bars {
		if b.TS.Before(iv.Start) {
			if !goodPrice(b.Close) {
				m.Skipped++
				continue
			}
			ref = b.Close
			if b.Volume >= 0 && !math.IsInf(b.Volume, 0) && !math.IsNaN(b.Volume) {
				baseVol += b.Volume
				baseN++
			}
			continue
		}
		if !b.TS.Before(iv.End) {
			continue
		}
		if !goodPrice(b.Close) {
			m.Skipped++
			continue
		}
		if curN == 0 && ref == 0 && goodPrice(b.Open) {
			ref = b.Open
		}
		last = b.Close
		if b.Volume >= 0 && !math.IsInf(b.Volume, 0) && !math.IsNaN(b.Volume) {
			curVol += b.Volume
		}
		curN++
	}
	m.Points = curN
	if curN == 0 || ref == 0 {
		return m, false
	}
	m.Return = math.Log(last / ref)
	if baseN > 0 && baseVol > 0 {
		v := clampTrend(math.Log((curVol / float64(curN)) / (baseVol / float64(baseN))))
		m.VolumeTrend = &v
	}
	return m, true
}

// vwapTrades is how many trades at each end of a window price it: one swap
// can be a whale's slippage, twenty are the market.
const vwapTrades = 20

func vwap(ts []Trade) float64 {
	var pq, q float64
	for _, t := range ts {
		pq += t.Price * t.QuoteAmount
		q += t.QuoteAmount
	}
	if q <= 0 {
		// Amounts unknown: plain mean.
		var s float64
		for _, t := range ts {
			s += t.Price
		}
		return s / float64(len(ts))
	}
	return pq / q
}

// MarketFromTrades measures the move over iv from trades or DEX swaps in
// time order. Trades in [iv.Start−lookback, iv.Start) are the baseline. The
// start price is the volume-weighted price of the last 20 baseline trades
// (or of the first 20 in the interval), the end price that of the last 20
// in the interval. The volume trend compares quote volume per hour. Trades
// with a non-positive price are skipped and counted. ok is false when the
// interval has no usable trade.
func MarketFromTrades(trades []Trade, iv pipeline.Interval, lookback time.Duration) (m Market, ok bool) {
	m.Source = "swaps"
	baseStart := iv.Start.Add(-lookback)
	var base, cur []Trade
	var baseVol, curVol float64
	for _, t := range trades {
		if t.TS.Before(baseStart) || !t.TS.Before(iv.End) {
			continue
		}
		if !goodPrice(t.Price) || math.IsNaN(t.QuoteAmount) || math.IsInf(t.QuoteAmount, 0) || t.QuoteAmount < 0 {
			m.Skipped++
			continue
		}
		if t.TS.Before(iv.Start) {
			base = append(base, t)
			baseVol += t.QuoteAmount
			if len(base) > vwapTrades {
				base = base[1:]
			}
			continue
		}
		cur = append(cur, t)
		curVol += t.QuoteAmount
	}
	m.Points = len(cur)
	if len(cur) == 0 {
		return m, false
	}
	ref := vwap(cur[:min(len(cur), vwapTrades)])
	if len(base) > 0 {
		ref = vwap(base)
	}
	end := vwap(cur[max(0, len(cur)-vwapTrades):])
	m.Return = math.Log(end / ref)
	if lookback > 0 && baseVol > 0 {
		rate := curVol / iv.End.Sub(iv.Start).Hours()
		baseRate := baseVol / lookback.Hours()
		v := clampTrend(math.Log(rate / baseRate)) // no volume now: ln 0 clamps to −5
		m.VolumeTrend = &v
	}
	return m, true
}

// check reports a market input the formula cannot use.
func (m Market) check() error {
	if math.IsNaN(m.Return) || math.IsInf(m.Return, 0) {
		return fmt.Errorf("market return is %v", m.Return)
	}
	if m.VolumeTrend != nil && (math.IsNaN(*m.VolumeTrend) || math.IsInf(*m.VolumeTrend, 0)) {
		return fmt.Errorf("market volume trend is %v", *m.VolumeTrend)
	}
	return nil
}
