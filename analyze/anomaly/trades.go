package anomaly

import (
	"math"
	"time"
)

// Side of a trade, from the taker's point of view: on a DEX a buy is a swap
// paying the quote (WETH) into the pair and taking the token out.
type Side int8

const (
	Buy  Side = 1
	Sell Side = -1
)

// Trade is one exchange trade or DEX swap.
type Trade struct {
	TS time.Time
	// Block is the block number of a DEX swap; 0 for exchange trades, whose
	// "same instant" is then RushWindow of time.
	Block  uint64
	TxHash string
	Side   Side
	Price  float64 // quote per token
	Amount float64 // tokens
	// Trader is the taker (the swap's recipient for buys); optional.
	Trader string
	// FreshWallet says the trader's address had no history before a short
	// look-back (for example first funded within the last day). Collectors
	// that know the wallet's first transaction set it; detection of
	// fresh-wallet buying is silent without it.
	FreshWallet bool
}

// Validate refuses trades that cannot be used.
func (t Trade) Validate() error {
	if t.TS.IsZero() {
		return badRow("missing time", "")
	}
	if t.Side != Buy && t.Side != Sell {
		return badRow("bad side", "%d", t.Side)
	}
	if math.IsNaN(t.Price) || math.IsInf(t.Price, 0) || t.Price <= 0 {
		return badRow("non-positive price", "%g", t.Price)
	}
	if math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) || t.Amount <= 0 {
		return badRow("non-positive amount", "%g", t.Amount)
	}
	return nil
}

// TradeConfig tunes the trade detector. Zero fields take the defaults.
type TradeConfig struct {
	Token string
	// RushWindow is the "same instant" for trades without a block number
	// (default 1s): La Morgia et al.'s rush orders are market buys in the
	// same instant. On chain the same block plays that role.
	RushWindow time.Duration
	// MinRushBuys is the least number of buys in one block/instant that can
	// be a rush (default 5).
	MinRushBuys int
	// BurstWindow is the chunk over which buys are counted (default 25s,
	// the chunk on which La Morgia et al. detect exchange pumps; about two
	// Ethereum blocks).
	BurstWindow time.Duration
	// MinBurstBuys is the least number of buys in a chunk that can be a
	// burst (default 10).
	MinBurstBuys int
	// Baseline is the number of trailing buckets/chunks in the robust
	// baselines (default 120: 50 minutes of 25 s chunks).
	Baseline int
	// ZMin is the robust z from which rushes and bursts are emitted (default 4).
	ZMin float64
	// MinFreshBuys and FreshShare: a chunk with at least this many buys from
	// fresh wallets making at least this share of its buys is flagged
	// (defaults 5 and 0.6).
	MinFreshBuys int
	FreshShare   float64
	// ImbalanceWindow is the window for the buy/sell imbalance (default
	// 15m: pumps last minutes); MinImbalanceTrades trades must fall in it
	// (default 20) and |buys-sells|/(buys+sells) must reach Imbalance
	// (default 0.8).
	ImbalanceWindow    time.Duration
	MinImbalanceTrades int
	Imbalance          float64
	Thresholds
}

func (c TradeConfig) withDefaults() TradeConfig {
	if c.RushWindow <= 0 {
		c.RushWindow = time.Second
	}
	if c.BurstWindow <= 0 {
		c.BurstWindow = 25 * time.Second
	}
	if c.ImbalanceWindow <= 0 {
		c.ImbalanceWindow = 15 * time.Minute
	}
	for _, p := range []struct {
		v *int
		d int
	}{{&c.MinRushBuys, 5}, {&c.MinBurstBuys, 10}, {&c.Baseline, 120}, {&c.MinFreshBuys, 5}, {&c.MinImbalanceTrades, 20}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	for _, p := range []struct {
		v *float64
		d float64
	}{{&c.ZMin, 4}, {&c.FreshShare, 0.6}, {&c.Imbalance, 0.8}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if c.Thresholds == (Thresholds{}) {
		c.Thresholds = DefaultThresholds
	}
	return c
}

// countFloor: a count baseline never has a spread under one trade, so a
// quiet history of zeros does not make two buys a spike.
const countFloor = 1.0

type rushBucket struct {
	key       int64 // block number, or time bucket index
	byBlock   bool
	first     time.Time
	buys      int
	buyTokens float64
	traders   map[string]struct{}
	firstTx   string
	sells     int
}

type chunk struct {
	idx         int64
	start       time.Time
	buys        int
	freshBuys   int
	buyNotional float64
}

type imbWindow struct {
	idx                 int64
	start               time.Time
	buys, sells         int
	buyQuote, sellQuote float64
}

// TradeDetector finds rush orders (many buys in one block or instant), buy
// bursts over short chunks, fresh-wallet buying and one-sided trading in
// one token's trades or swaps. Push trades in time order; call Flush at the
// end of the stream to close the open buckets.
type TradeDetector struct {
	cfg                TradeConfig
	rush               *rushBucket
	rushBase           *window // buys per non-empty block/instant
	chunk              *chunk
	chunkBase          *window // buys per chunk, empty chunks included
	imb                *imbWindow
	last               time.Time
	lastBlock          uint64
	processed, skipped int
}

// NewTradeDetector returns a detector with cfg's defaults filled in.
func NewTradeDetector(cfg TradeConfig) *TradeDetector {
	cfg = cfg.withDefaults()
	return &TradeDetector{cfg: cfg, rushBase: newWindow(cfg.Baseline), chunkBase: newWindow(cfg.Baseline)}
}

// Push consumes the next trade and returns the events of the buckets it
// closes. Trades must come in time order (and block order, when blocks are
// given); a bad or out-of-order trade is skipped with an ErrBadRow error.
func (d *TradeDetector) Push(t Trade) ([]Anomaly, error) {
	if err := t.Validate(); err != nil {
		d.skipped++
		return nil, err
	}
	if t.TS.Before(d.last) || (t.Block != 0 && t.Block < d.lastBlock) {
		d.skipped++
		return nil, badRow("out of order", "trade at %s (block %d) before the previous one at %s (block %d)", t.TS.Format(time.RFC3339), t.Block, d.last.Format(time.RFC3339), d.lastBlock)
	}
	d.last, d.lastBlock = t.TS, t.Block
	d.processed++
	var out []Anomaly

	// Rush orders: same block, or same RushWindow instant.
	key, byBlock := int64(t.Block), t.Block != 0
	if !byBlock {
		key = t.TS.UnixNano() / int64(d.cfg.RushWindow)
	}
	if d.rush != nil && (d.rush.key != key || d.rush.byBlock != byBlock) {
		out = append(out, d.closeRush()...)
	}
	if d.rush == nil {
		d.rush = &rushBucket{key: key, byBlock: byBlock, first: t.TS, traders: map[string]struct{}{}}
	}
	if t.Side == Buy {
		d.rush.buys++
		d.rush.buyTokens += t.Amount
		if t.Trader != "" {
			d.rush.traders[t.Trader] = struct{}{}
		}
		if d.rush.firstTx == "" {
			d.rush.firstTx = t.TxHash
		}
	} else {
		d.rush.sells++
	}

	// Burst chunks.
	ci := t.TS.UnixNano() / int64(d.cfg.BurstWindow)
	if d.chunk != nil && d.chunk.idx != ci {
		out = append(out, d.closeChunk(ci)...)
	}
	if d.chunk == nil {
		d.chunk = &chunk{idx: ci, start: time.Unix(0, ci*int64(d.cfg.BurstWindow)).UTC()}
	}
	if t.Side == Buy {
		d.chunk.buys++
		d.chunk.buyNotional += t.Price * t.Amount
		if t.FreshWallet {
			d.chunk.freshBuys++
		}
	}

	// Imbalance windows.
	ii := t.TS.UnixNano() / int64(d.cfg.ImbalanceWindow)
	if d.imb != nil && d.imb.idx != ii {
		out = append(out, d.closeImbalance()...)
	}
	if d.imb == nil {
		d.imb = &imbWindow{idx: ii, start: time.Unix(0, ii*int64(d.cfg.ImbalanceWindow)).UTC()}
	}
	if t.Side == Buy {
		d.imb.buys++
		d.imb.buyQuote += t.Price * t.Amount
	} else {
		d.imb.sells++
		d.imb.sellQuote += t.Price * t.Amount
	}
	return out, nil
}

// Flush closes the open buckets and returns their events.
func (d *TradeDetector) Flush() []Anomaly {
	var out []Anomaly
	if d.rush != nil {
		out = append(out, d.closeRush()...)
	}
	if d.chunk != nil {
		out = append(out, d.closeChunk(d.chunk.idx+1)...)
	}
	if d.imb != nil {
		out = append(out, d.closeImbalance()...)
	}
	return out
}

// Stats reports how many trades were used and skipped.
func (d *TradeDetector) Stats() (processed, skipped int) { return d.processed, d.skipped }

func (d *TradeDetector) event(ts time.Time, kind string, score float64, ev map[string]any) Anomaly {
	return Anomaly{Token: d.cfg.Token, TS: ts, Kind: kind, Score: round(score, 3), Severity: d.cfg.Of(score), Evidence: ev}
}

// closeRush scores the finished block/instant against the trailing
// non-empty ones. Before any history the baseline is one buy per block.
func (d *TradeDetector) closeRush() []Anomaly {
	r := d.rush
	d.rush = nil
	if r.buys == 0 {
		return nil
	}
	med, scale := 1.0, countFloor
	if d.rushBase.Len() > 0 {
		med, scale = d.rushBase.Median(), d.rushBase.Scale(countFloor)
	}
	z := (float64(r.buys) - med) / scale
	d.rushBase.Push(float64(r.buys))
	if r.buys < d.cfg.MinRushBuys || z < d.cfg.ZMin {
		return nil
	}
	ev := map[string]any{
		"buys":            r.buys,
		"sells":           r.sells,
		"baseline_median": med,
		"z":               round(z, 2),
		"buy_tokens":      round(r.buyTokens, 6),
	}
	if r.byBlock {
		ev["block"] = r.key
	} else {
		ev["window_ms"] = d.cfg.RushWindow.Milliseconds()
	}
	if len(r.traders) > 0 {
		ev["distinct_buyers"] = len(r.traders)
	}
	if r.firstTx != "" {
		ev["first_tx"] = r.firstTx
	}
	return []Anomaly{d.event(r.first, KindRushOrders, z, ev)}
}

// closeChunk scores the finished chunk, then pushes zeros for the empty
// chunks up to next (at most a baseline's worth), so quiet time counts.
func (d *TradeDetector) closeChunk(next int64) []Anomaly {
	c := d.chunk
	d.chunk = nil
	var out []Anomaly
	med, scale := d.chunkBase.Median(), d.chunkBase.Scale(countFloor)
	z := (float64(c.buys) - med) / scale
	if c.buys >= d.cfg.MinBurstBuys && z >= d.cfg.ZMin {
		out = append(out, d.event(c.start, KindBuyBurst, z, map[string]any{
			"buys":            c.buys,
			"window_seconds":  d.cfg.BurstWindow.Seconds(),
			"baseline_median": med,
			"z":               round(z, 2),
			"buy_notional":    round(c.buyNotional, 6),
		}))
	}
	if c.freshBuys >= d.cfg.MinFreshBuys && float64(c.freshBuys) >= d.cfg.FreshShare*float64(c.buys) {
		share := float64(c.freshBuys) / float64(c.buys)
		// Scored so the minimum (5 fresh buys at 60%) lands at the
		// emission level 4 and grows with both count and share.
		score := 4 * share / d.cfg.FreshShare * math.Sqrt(float64(c.freshBuys)/float64(d.cfg.MinFreshBuys))
		out = append(out, d.event(c.start, KindFreshWalletBuys, score, map[string]any{
			"fresh_buys":     c.freshBuys,
			"buys":           c.buys,
			"fresh_share":    round(share, 3),
			"window_seconds": d.cfg.BurstWindow.Seconds(),
		}))
	}
	d.chunkBase.Push(float64(c.buys))
	empty := next - c.idx - 1
	if empty > int64(d.cfg.Baseline) {
		empty = int64(d.cfg.Baseline)
	}
	for range empty {
		d.chunkBase.Push(0)
	}
	return out
}

// closeImbalance flags a window whose trades are nearly all on one side.
// The score is the binomial z of the buy count against a fair coin,
// |buys-sells|/sqrt(n): 20 buys and no sells is 4.5.
func (d *TradeDetector) closeImbalance() []Anomaly {
	w := d.imb
	d.imb = nil
	n := w.buys + w.sells
	if n < d.cfg.MinImbalanceTrades {
		return nil
	}
	imb := float64(w.buys-w.sells) / float64(n)
	if math.Abs(imb) < d.cfg.Imbalance {
		return nil
	}
	side := "buy"
	if imb < 0 {
		side = "sell"
	}
	z := math.Abs(float64(w.buys-w.sells)) / math.Sqrt(float64(n))
	return []Anomaly{d.event(w.start, KindBuySellImbalance, z, map[string]any{
		"buys":           w.buys,
		"sells":          w.sells,
		"imbalance":      round(imb, 3),
		"side":           side,
		"buy_quote":      round(w.buyQuote, 6),
		"sell_quote":     round(w.sellQuote, 6),
		"window_seconds": d.cfg.ImbalanceWindow.Seconds(),
		"no_sells":       w.sells == 0,
	})}
}
