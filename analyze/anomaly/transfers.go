package anomaly

import (
	"math"
	"strings"
	"time"
)

// Transfer is one ERC-20 Transfer event (or tokentx row), amounts in token
// units (already divided by 10^decimals).
type Transfer struct {
	TS       time.Time
	Block    uint64
	TxHash   string
	LogIndex int
	From, To string
	Amount   float64
	// Liquidity marks a transfer that adds or removes pair liquidity (its
	// transaction holds the pair's Mint or Burn): the tokens a provider
	// deposits are not a sell, and those a removal pays out not a buy.
	Liquidity bool
}

// Validate refuses transfers that cannot be used.
func (t Transfer) Validate() error {
	if t.TS.IsZero() {
		return badRow("missing time", "")
	}
	if t.From == "" || t.To == "" {
		return badRow("missing address", "from %q to %q", t.From, t.To)
	}
	if math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) || t.Amount < 0 {
		return badRow("bad amount", "%g", t.Amount)
	}
	return nil
}

// TransferConfig tunes the transfer detector. Zero fields take defaults.
type TransferConfig struct {
	Token string
	// Supply is the total supply in token units. When 0 the detector uses
	// the supply minted so far (transfers from the zero address) minus
	// burns.
	Supply float64
	// Exclude lists the DEX pair(s), router and lockers: they are neither
	// whales nor holders, and round trips through them are trades, not
	// wash cycles.
	Exclude []string
	// WhaleShare is the share of supply from which a single transfer
	// between wallets (less what the sender bought on the pair in view) is
	// a whale transfer (default 0.01, 1%); it scores 4 there and 8 at 2%.
	WhaleShare float64
	// HolderWindow is the window over which new holders are counted
	// (default 1h); MinNewHolders of them (default 20) and a robust z of
	// ZMin (default 4) against the trailing Baseline windows (default 48)
	// make a burst.
	HolderWindow  time.Duration
	MinNewHolders int
	Baseline      int
	ZMin          float64
	// WashWindow is how soon B->A must follow A->B to count as a wash
	// cycle (default 1h), WashTolerance how far the amounts may differ
	// (default 0.1 = 10%). MaxPending bounds the remembered transfers
	// (default 100000).
	WashWindow    time.Duration
	WashTolerance float64
	MaxPending    int
	// ConcentrationEvery is how often (in event time) holder concentration
	// is recomputed (default 1h), ConcentrationJump the rise in top-10
	// share (default 0.1 = 10 points) or in HHI (x2 of it) that is flagged.
	ConcentrationEvery time.Duration
	ConcentrationJump  float64
	// MinHolders is the least holder count for concentration to be judged
	// (default 20): a token's first minutes always look concentrated.
	MinHolders int
	// DumpShare is the share of supply that one address selling into an
	// excluded address (the pair) within DumpWindow makes a holder dump
	// (default 0.05 over 1h): the creator's "sell rug" sells tens of
	// percent in a few blocks, while pump wallets and ordinary sellers
	// move around 1% each.
	DumpShare  float64
	DumpWindow time.Duration
	// PartialHistory says the replay does not start at the token's first
	// transfer (a bounded look-back): balances are then only what moved in
	// the window, so concentration readings are meaningless and are not
	// taken. Set Supply with it, as the mints are not in view either.
	PartialHistory bool
	// Start, when set, is the token's state before the first transfer
	// pushed, from a replay of all earlier ones (a checkpoint): the
	// balances are then complete although the detector sees only a
	// look-back, and concentration is judged. The detector takes over
	// Start.Balances.
	Start *TransferStart
	// LaunchWindow is how long after the first mint the minter's
	// transfers are launch allocation (team wallets, the pool), not whale
	// moves (default 1h). Only applies when the mint is in the replay.
	LaunchWindow time.Duration
	Thresholds
}

func (c TransferConfig) withDefaults() TransferConfig {
	if c.HolderWindow <= 0 {
		c.HolderWindow = time.Hour
	}
	if c.WashWindow <= 0 {
		c.WashWindow = time.Hour
	}
	if c.ConcentrationEvery <= 0 {
		c.ConcentrationEvery = time.Hour
	}
	if c.DumpWindow <= 0 {
		c.DumpWindow = time.Hour
	}
	if c.LaunchWindow <= 0 {
		c.LaunchWindow = time.Hour
	}
	for _, p := range []struct {
		v *int
		d int
	}{{&c.MinNewHolders, 20}, {&c.Baseline, 48}, {&c.MaxPending, 100000}, {&c.MinHolders, 20}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	for _, p := range []struct {
		v *float64
		d float64
	}{{&c.WhaleShare, 0.01}, {&c.ZMin, 4}, {&c.WashTolerance, 0.1}, {&c.ConcentrationJump, 0.1}, {&c.DumpShare, 0.05}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	if c.Thresholds == (Thresholds{}) {
		c.Thresholds = DefaultThresholds
	}
	return c
}

type pendingTransfer struct {
	ts     time.Time
	key    string // from|to
	amount float64
	tx     string
}

// dumpTally is one address's sells into excluded addresses since start,
// and the part of them beyond what it had bought (its bag).
type dumpTally struct {
	start   time.Time
	net     float64
	sold    float64
	sells   int
	next    float64 // share at which the next event is due
	firstTx string
}

type holderWindow struct {
	idx   int64
	start time.Time
	count int
}

// TransferDetector finds whale transfers, bursts of new holders, wash
// cycles A->B->A and jumps in holder concentration in one token's
// transfers. Push transfers in (block, log index) order; Flush at the end.
type TransferDetector struct {
	cfg                TransferConfig
	book               *HolderBook
	minted             float64
	burned             float64
	hw                 *holderWindow
	hwBase             *window
	pending            []pendingTransfer            // FIFO by time, for eviction
	recent             map[string][]pendingTransfer // from|to -> transfers in WashWindow
	cycles             map[string]int               // a|b (sorted) -> cycles seen
	dumps              map[string]*dumpTally        // trader -> sells in the current DumpWindow
	bought             map[string]float64           // trader -> tokens bought from the pair and not sold yet
	lastDumpSweep      time.Time
	minter             string    // receiver of the first mint seen
	mintedAt           time.Time // its time
	lastConc           time.Time
	conc               Concentration
	haveConc           bool
	last               time.Time
	processed, skipped int
}

// TransferStart is a token's state from a replay of its transfers up to
// some time: balances (HolderBook.Balances), the Negative count, the mints
// and burns so far, and the first mint's receiver and time ("" and zero
// when none).
type TransferStart struct {
	Balances       map[string]float64
	Negative       int
	Minted, Burned float64
	Minter         string
	MintedAt       time.Time
}

// NewTransferDetector returns a detector with cfg's defaults filled in.
func NewTransferDetector(cfg TransferConfig) *TransferDetector {
	cfg = cfg.withDefaults()
	d := &TransferDetector{
		cfg:    cfg,
		book:   NewHolderBook(cfg.Exclude...),
		hwBase: newWindow(cfg.Baseline),
		recent: map[string][]pendingTransfer{},
		cycles: map[string]int{},
		dumps:  map[string]*dumpTally{},
		bought: map[string]float64{},
	}
	if s := cfg.Start; s != nil {
		d.book = RestoreHolderBook(s.Balances, s.Negative, cfg.Exclude...)
		d.minted, d.burned, d.minter, d.mintedAt = s.Minted, s.Burned, strings.ToLower(s.Minter), s.MintedAt
	}
	return d
}

// Book exposes the replayed balances (for risk features: creator share,
// top-10 share).
func (d *TransferDetector) Book() *HolderBook { return d.book }

// Stats reports how many transfers were used and skipped.
func (d *TransferDetector) Stats() (processed, skipped int) { return d.processed, d.skipped }

func (d *TransferDetector) supply() float64 {
	if d.cfg.Supply > 0 {
		return d.cfg.Supply
	}
	return d.minted - d.burned
}

func (d *TransferDetector) event(ts time.Time, kind string, score float64, ev map[string]any) Anomaly {
	return Anomaly{Token: d.cfg.Token, TS: ts, Kind: kind, Score: round(score, 3), Severity: d.cfg.Of(score), Evidence: ev}
}

// Push consumes the next transfer.
func (d *TransferDetector) Push(t Transfer) ([]Anomaly, error) {
	if err := t.Validate(); err != nil {
		d.skipped++
		return nil, err
	}
	if t.TS.Before(d.last) {
		d.skipped++
		return nil, badRow("out of order", "transfer at %s before %s", t.TS.Format(time.RFC3339), d.last.Format(time.RFC3339))
	}
	d.last = t.TS
	d.processed++
	from, to := strings.ToLower(t.From), strings.ToLower(t.To)
	var out []Anomaly

	// Concentration is judged on the book as it stood at the checkpoint,
	// before this transfer.
	if d.lastConc.IsZero() {
		d.lastConc = t.TS
	} else if !d.cfg.PartialHistory && t.TS.Sub(d.lastConc) >= d.cfg.ConcentrationEvery {
		out = append(out, d.checkConcentration(t.TS)...)
	}

	mint := from == ZeroAddress
	burn := IsBurnAddress(to)
	if mint {
		d.minted += t.Amount
		if d.minter == "" {
			d.minter, d.mintedAt = to, t.TS
		}
	}
	if burn {
		d.burned += t.Amount
	}
	fromEx, toEx := d.book.Excluded(from), d.book.Excluded(to)
	trade := !mint && !burn && !t.Liquidity
	if trade && !fromEx && toEx {
		out = append(out, d.dump(t, from, to)...)
	}
	if trade && fromEx && !toEx {
		d.bought[to] += t.Amount
	}
	launch := d.minter != "" && from == d.minter && t.TS.Sub(d.mintedAt) < d.cfg.LaunchWindow
	// A whale transfer moves a bag between wallets. Transfers to or from
	// the pair are trades: a big buy or sell is the trade detectors' and
	// the dump check's business, and counting them here would make every
	// pump wallet's buy a "whale". The minter handing out the supply in
	// the launch hour is allocation. And the part of a transfer the sender
	// bought on the pair within the replay is a buyer moving its purchase
	// (to a cold wallet, a friend): what is flagged is a bag that was not
	// bought in view, the team and insider allocations being moved to
	// fresh wallets, typically before a sale.
	if trade && !fromEx && !toEx {
		covered := 0.0
		if b := d.bought[from]; b > 0 {
			covered = min(b, t.Amount)
			if b-covered <= 1e-12*b {
				delete(d.bought, from)
			} else {
				d.bought[from] = b - covered
			}
		}
		if covered > 0 {
			// Bought tokens stay bought tokens wherever they go: a round
			// trip A->B->A of a purchase, then sold, is still trading.
			d.bought[to] += covered
		}
		bag := t.Amount - covered
		if s := d.supply(); s > 0 && !launch && bag/s >= d.cfg.WhaleShare {
			share := bag / s
			score := 4 * share / d.cfg.WhaleShare
			out = append(out, d.event(t.TS, KindWhaleTransfer, score, map[string]any{
				"from":         from,
				"to":           to,
				"amount":       t.Amount,
				"bought_part":  round(covered, 6),
				"supply_share": round(share, 5),
				"tx":           t.TxHash,
				"block":        t.Block,
			}))
		}
	}
	if trade {
		out = append(out, d.wash(t, from, to)...)
	}

	// New holders per window.
	wi := t.TS.UnixNano() / int64(d.cfg.HolderWindow)
	if d.hw != nil && d.hw.idx != wi {
		out = append(out, d.closeHolderWindow(wi)...)
	}
	if d.hw == nil {
		d.hw = &holderWindow{idx: wi, start: time.Unix(0, wi*int64(d.cfg.HolderWindow)).UTC()}
	}
	if d.book.Apply(from, to, t.Amount) {
		d.hw.count++
	}
	return out, nil
}

// Flush closes the open window and takes a last concentration reading.
func (d *TransferDetector) Flush() []Anomaly {
	var out []Anomaly
	if d.hw != nil {
		out = append(out, d.closeHolderWindow(d.hw.idx+1)...)
	}
	if !d.last.IsZero() && !d.cfg.PartialHistory {
		out = append(out, d.checkConcentration(d.last)...)
	}
	return out
}

// dump tallies one address's sells into the pair over DumpWindow (from
// its first sell in the window) and flags the address when the part of
// them beyond what it had bought from the pair reaches DumpShare of the
// supply, and again each time that doubles (5%, 10%, 20%...: the last
// event of a dump carries its size): the "sell rug", a creator or insider unloading
// a bag it never paid for (minted, or handed out at launch). Selling what
// one bought is trading, however large: a pump wallet's exit, a wash
// trader's leg, a big buyer taking profit. The score is 4 at DumpShare and
// grows with the share (8 at twice it).
//
// State: the bought-and-unsold amount per buyer seen in the replay, one
// entry per buyer like the holder book; and the tallies of the last window.
func (d *TransferDetector) dump(t Transfer, trader, pair string) []Anomaly {
	excess := t.Amount
	if b := d.bought[trader]; b > 0 {
		covered := min(b, t.Amount)
		excess -= covered
		if b-covered <= 1e-12*b {
			delete(d.bought, trader)
		} else {
			d.bought[trader] = b - covered
		}
	}
	s := d.supply()
	if s <= 0 {
		return nil
	}
	// Forget tallies whose window ended, at most once a window, so the
	// map holds only recent sellers.
	if t.TS.Sub(d.lastDumpSweep) >= d.cfg.DumpWindow {
		for a, dt := range d.dumps {
			if t.TS.Sub(dt.start) > d.cfg.DumpWindow {
				delete(d.dumps, a)
			}
		}
		d.lastDumpSweep = t.TS
	}
	dt := d.dumps[trader]
	if dt == nil || t.TS.Sub(dt.start) > d.cfg.DumpWindow {
		dt = &dumpTally{start: t.TS, firstTx: t.TxHash, next: d.cfg.DumpShare}
		d.dumps[trader] = dt
	}
	dt.net += excess
	dt.sold += t.Amount
	dt.sells++
	share := dt.net / s
	if share < dt.next {
		return nil
	}
	for dt.next <= share {
		dt.next *= 2
	}
	return []Anomaly{d.event(t.TS, KindHolderDump, 4*share/d.cfg.DumpShare, map[string]any{
		"seller":         trader,
		"into":           pair,
		"unbought_sold":  round(dt.net, 6),
		"sold":           round(dt.sold, 6),
		"supply_share":   round(share, 5),
		"sells":          dt.sells,
		"since":          dt.start.UTC().Format(time.RFC3339),
		"first_tx":       dt.firstTx,
		"tx":             t.TxHash,
		"block":          t.Block,
		"window_seconds": d.cfg.DumpWindow.Seconds(),
	})}
}

func (d *TransferDetector) closeHolderWindow(next int64) []Anomaly {
	w := d.hw
	d.hw = nil
	var out []Anomaly
	if d.hwBase.Len() > 0 || w.count > 0 {
		med, scale := d.hwBase.Median(), d.hwBase.Scale(countFloor)
		z := (float64(w.count) - med) / scale
		if w.count >= d.cfg.MinNewHolders && z >= d.cfg.ZMin && d.hwBase.Len() >= 3 {
			out = append(out, d.event(w.start, KindNewHolderBurst, z, map[string]any{
				"new_holders":     w.count,
				"baseline_median": med,
				"z":               round(z, 2),
				"window_seconds":  d.cfg.HolderWindow.Seconds(),
			}))
		}
		d.hwBase.Push(float64(w.count))
	}
	empty := min(next-w.idx-1, int64(d.cfg.Baseline))
	for range empty {
		d.hwBase.Push(0)
	}
	return out
}

// wash looks for the reverse of this transfer (to->from) within
// WashWindow with an amount within WashTolerance: tokens going A->B->A,
// which changes no ownership but prints volume and activity. Transfers
// through excluded addresses (the pair, the router) are trades, not washes.
func (d *TransferDetector) wash(t Transfer, from, to string) []Anomaly {
	if d.book.Excluded(from) || d.book.Excluded(to) || from == to {
		return nil
	}
	// Evict what fell out of the window, and the oldest past MaxPending.
	cut := t.TS.Add(-d.cfg.WashWindow)
	n := 0
	for n < len(d.pending) && (d.pending[n].ts.Before(cut) || len(d.pending)-n >= d.cfg.MaxPending) {
		p := d.pending[n]
		lst := d.recent[p.key]
		// The leg may already be consumed by a cycle: drop it only if
		// it is still there.
		for i, q := range lst {
			if q == p {
				lst = append(lst[:i:i], lst[i+1:]...)
				break
			}
		}
		if len(lst) == 0 {
			delete(d.recent, p.key)
		} else {
			d.recent[p.key] = lst
		}
		n++
	}
	if n > 0 {
		d.pending = append(d.pending[:0], d.pending[n:]...)
	}

	var out []Anomaly
	rev := to + "|" + from
	if lst := d.recent[rev]; len(lst) > 0 {
		for i, p := range lst {
			if p.amount <= 0 || math.Abs(t.Amount-p.amount)/p.amount > d.cfg.WashTolerance {
				continue
			}
			pair := from + "|" + to
			if to < from {
				pair = to + "|" + from
			}
			d.cycles[pair]++
			cycles := d.cycles[pair]
			// One round trip scores 4 (info: it happens innocently,
			// e.g. a refund), two 6 (warn), four or more 10+ (critical).
			score := 2 + 2*float64(cycles)
			share := 0.0
			if s := d.supply(); s > 0 {
				share = t.Amount / s
			}
			out = append(out, d.event(t.TS, KindWashCycle, score, map[string]any{
				"a":            to,
				"b":            from,
				"amount_out":   p.amount,
				"amount_back":  t.Amount,
				"seconds":      t.TS.Sub(p.ts).Seconds(),
				"first_tx":     p.tx,
				"second_tx":    t.TxHash,
				"round_trips":  cycles,
				"supply_share": round(share, 6),
			}))
			// A matched leg is consumed: it cannot close a second cycle.
			d.recent[rev] = append(lst[:i:i], lst[i+1:]...)
			return out
		}
	}
	key := from + "|" + to
	p := pendingTransfer{ts: t.TS, key: key, amount: t.Amount, tx: t.TxHash}
	d.pending = append(d.pending, p)
	d.recent[key] = append(d.recent[key], p)
	return out
}

// checkConcentration recomputes top-10 share and HHI and flags a rise
// since the previous reading.
func (d *TransferDetector) checkConcentration(now time.Time) []Anomaly {
	d.lastConc = now
	c := d.book.Concentration()
	prev, had := d.conc, d.haveConc
	d.conc, d.haveConc = c, true
	if !had || c.Holders < d.cfg.MinHolders || prev.Holders < d.cfg.MinHolders {
		return nil
	}
	dTop := c.Top10Share - prev.Top10Share
	dHHI := c.HHI - prev.HHI
	jump := math.Max(dTop/d.cfg.ConcentrationJump, dHHI/(d.cfg.ConcentrationJump/2))
	if jump < 1 {
		return nil
	}
	ev := map[string]any{
		"top10_share":      round(c.Top10Share, 4),
		"prev_top10_share": round(prev.Top10Share, 4),
		"hhi":              round(c.HHI, 4),
		"prev_hhi":         round(prev.HHI, 4),
		"holders":          c.Holders,
		"prev_holders":     prev.Holders,
	}
	if len(c.Top) > 0 {
		ev["largest_holder"] = c.Top[0].Address
		ev["largest_share"] = round(c.Top[0].Share, 4)
	}
	return []Anomaly{d.event(now, KindConcentrationJump, 4*jump, ev)}
}

// Concentration returns the latest concentration reading.
func (d *TransferDetector) Concentration() Concentration { return d.book.Concentration() }

// DropWashLegs removes the whale transfers that turned out to be legs of
// a wash cycle found in the same stream (a round trip A->B->A moves no
// bag: the wash_cycle event reports it). Events keep their order.
func DropWashLegs(evs []Anomaly) []Anomaly {
	legs := map[string]bool{}
	for _, e := range evs {
		if e.Kind != KindWashCycle {
			continue
		}
		for _, k := range []string{"first_tx", "second_tx"} {
			if tx, ok := e.Evidence[k].(string); ok && tx != "" {
				legs[tx] = true
			}
		}
	}
	if len(legs) == 0 {
		return evs
	}
	out := evs[:0:0]
	for _, e := range evs {
		if e.Kind == KindWhaleTransfer {
			if tx, ok := e.Evidence["tx"].(string); ok && legs[tx] {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}
