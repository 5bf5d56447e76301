// Package anomaly finds unusual market and on-chain activity in streams of
// bars, trades/DEX swaps and token transfers.
//
// Every detector consumes rows in time order and keeps bounded state
// (trailing windows, robust median/MAD estimates, the current bucket), so a
// token's history never has to be loaded at once: the glue feeds rows as it
// reads them from the store and collects the events each Push returns.
//
// Scores are on one z-like scale across kinds: a robust z-score where the
// kind has a natural baseline, otherwise a magnitude scaled so that the
// emission threshold lands near 4 and "critical" near 8. That keeps events of
// different kinds rankable in one list.
package anomaly

import (
	"errors"
	"fmt"
	"time"
)

// Severity grades an anomaly for alerting and display.
type Severity string

const (
	Info     Severity = "info"
	Warn     Severity = "warn"
	Critical Severity = "critical"
)

// Kinds of anomaly, as stored and printed.
const (
	KindReturnSpike       = "return_spike"
	KindVolumeSpike       = "volume_spike"
	KindPumpAndDump       = "pump_and_dump"
	KindGap               = "gap"
	KindRushOrders        = "rush_orders"
	KindBuyBurst          = "buy_burst"
	KindFreshWalletBuys   = "fresh_wallet_buys"
	KindBuySellImbalance  = "buy_sell_imbalance"
	KindWhaleTransfer     = "whale_transfer"
	KindNewHolderBurst    = "new_holder_burst"
	KindWashCycle         = "wash_cycle"
	KindConcentrationJump = "concentration_jump"
	KindHolderDump        = "holder_dump"
	KindLiquidityRemoval  = "liquidity_removal"
	KindSocialBurst       = "social_burst"
	KindBotBurst          = "bot_burst"
)

// Anomaly is one detected event.
type Anomaly struct {
	Token    string         `json:"token"`
	TS       time.Time      `json:"ts"`
	Kind     string         `json:"kind"`
	Score    float64        `json:"score"`
	Severity Severity       `json:"severity"`
	Evidence map[string]any `json:"evidence"`
}

// Thresholds maps a score to a severity: below Warn is info, from Critical
// up is critical.
type Thresholds struct {
	Warn, Critical float64
}

// DefaultThresholds is the z-like scale shared by all detectors.
var DefaultThresholds = Thresholds{Warn: 6, Critical: 10}

// Of returns the severity of score.
func (t Thresholds) Of(score float64) Severity {
	switch {
	case score >= t.Critical:
		return Critical
	case score >= t.Warn:
		return Warn
	default:
		return Info
	}
}

// ErrBadRow marks an input row a detector refuses (non-positive price,
// missing volume, time going backwards). Callers count it and go on.
var ErrBadRow = errors.New("bad row")

// RowError says why one row was refused: Reason is a short category
// ("non-positive price", "missing volume", ...) that reports count by,
// Detail the specifics.
type RowError struct {
	Reason, Detail string
}

func (e *RowError) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}

// Is makes errors.Is(err, ErrBadRow) true for every RowError.
func (e *RowError) Is(target error) bool { return target == ErrBadRow }

func badRow(reason, format string, args ...any) error {
	return &RowError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// round keeps evidence readable in JSON and CSV.
func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	v := x * p
	if v > 1e15 || v < -1e15 {
		return x // beyond int64 after scaling: big enough not to need rounding
	}
	if v < 0 {
		return -float64(int64(-v+0.5)) / p
	}
	return float64(int64(v+0.5)) / p
}
