package anomaly

import (
	"math"
	"time"
)

// LiquidityRemoval is one Uniswap V2 Burn (liquidity taken out of the
// pair), with the pair's quote reserve right after it (the Sync the pair
// emits in the same transaction), so its share of the pool is known.
type LiquidityRemoval struct {
	TS       time.Time
	Block    uint64
	TxHash   string
	Pair     string
	Receiver string // Burn's `to`: who got the tokens and the quote
	// AmountQuote is the quote (WETH) taken out; ReserveQuoteAfter the
	// quote left in the pool, NaN when unknown.
	AmountQuote       float64
	ReserveQuoteAfter float64
}

// LiquidityConfig tunes the liquidity detector.
type LiquidityConfig struct {
	Token string
	// MinShare is the share of the pool's quote reserve one removal must
	// take to be flagged (default 0.25); it scores 4 there and 8 at half
	// the pool. The simple rug pull takes 90% or more at once.
	MinShare float64
	Thresholds
}

// LiquidityDetector flags large liquidity removals, the mechanics of the
// simple rug pull. It keeps no state across removals: each is judged by
// its share of the pool at that moment.
type LiquidityDetector struct {
	cfg LiquidityConfig
}

// NewLiquidityDetector returns a detector with cfg's defaults filled in.
func NewLiquidityDetector(cfg LiquidityConfig) *LiquidityDetector {
	if cfg.MinShare <= 0 {
		cfg.MinShare = 0.25
	}
	if cfg.Thresholds == (Thresholds{}) {
		cfg.Thresholds = DefaultThresholds
	}
	return &LiquidityDetector{cfg: cfg}
}

// Push judges one removal. A removal whose reserve is unknown cannot be
// judged and is refused with ErrBadRow.
func (d *LiquidityDetector) Push(r LiquidityRemoval) ([]Anomaly, error) {
	if r.TS.IsZero() {
		return nil, badRow("missing time", "burn %s", r.TxHash)
	}
	if math.IsNaN(r.AmountQuote) || r.AmountQuote < 0 || math.IsNaN(r.ReserveQuoteAfter) || r.ReserveQuoteAfter < 0 {
		return nil, badRow("unknown reserve", "burn %s: amount %g, reserve after %g", r.TxHash, r.AmountQuote, r.ReserveQuoteAfter)
	}
	before := r.AmountQuote + r.ReserveQuoteAfter
	if before <= 0 {
		return nil, nil
	}
	share := r.AmountQuote / before
	if share < d.cfg.MinShare {
		return nil, nil
	}
	score := 4 * share / d.cfg.MinShare
	if share >= 0.5 {
		// Half the pool gone at once leaves holders unable to exit at any
		// price near the last one: critical whatever MinShare is.
		score = math.Max(score, d.cfg.Critical)
	}
	return []Anomaly{{Token: d.cfg.Token, TS: r.TS, Kind: KindLiquidityRemoval, Score: round(score, 3), Severity: d.cfg.Of(score),
		Evidence: map[string]any{
			"pair":                r.Pair,
			"receiver":            r.Receiver,
			"amount_quote":        round(r.AmountQuote, 6),
			"reserve_quote_after": round(r.ReserveQuoteAfter, 6),
			"pool_share":          round(share, 4),
			"tx":                  r.TxHash,
			"block":               r.Block,
		}}}, nil
}
