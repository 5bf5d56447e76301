package tasks

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/gob"
	"fmt"
	"strings"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/anomaly"
	"memepipe/analyze/risk"
	"memepipe/canonical"
	"memepipe/store"
	"memepipe/watchlist"
)

// riskReplay is analyze.risk's replay of one token's chain history up to
// AsOf (rows with time < AsOf): the token's transfers into holder
// balances, buyers and sellers; the pair's LP token transfers into LP
// balances; the pair's Mint, Burn and Swap events into the rug feature
// builder. Its state is per holder, not per row, and it goes on from where
// it stopped: advance replays only the rows after AsOf. analyze.risk keeps
// it in the store as a checkpoint (kind riskReplayKind), so a run reads the
// rows since the last checkpoint instead of the token's whole history.
//
// The fields are exported for encoding/gob; the counts say how many rows
// of each stream the state covers, which is how a loaded checkpoint is
// checked against the store (a re-clean that added rows before AsOf makes
// the counts differ, and the replay starts over).
type riskReplay struct {
	Version int
	AsOf    time.Time
	Counts  replayCounts

	// Token transfers.
	Chain holderReplay

	// The pair's LP token transfers.
	LPMinted, LPRemoved, LPPeak float64
	CreatorRemoved              float64 // LP the creator (or LP creator) sent back to the pair
	LP                          map[string]float64
	LPCreator                   string

	// The pair's events, for the rug model.
	LiquiditySeen bool // a Mint or Burn was replayed
	RugUsable     bool // the first of them was the pair's first Mint
	Rug           risk.RugBuilderState
}

type replayCounts struct {
	Transfers, PairTransfers, Liquidity, Swaps int
}

// riskReplayKind names analyze.risk's checkpoints; riskReplayVersion is
// bumped when the state's meaning changes, which discards older ones.
const (
	riskReplayKind    = "risk.chain"
	riskReplayVersion = 1
)

// checkpointEvery: a run that replayed at least this many rows past its
// checkpoint writes a new one, so a run replays at most about this many
// rows beyond the last checkpoint, and a quiet token is not rewritten
// every run.
var checkpointEvery = 10_000

func newRiskReplay() *riskReplay {
	return &riskReplay{Version: riskReplayVersion, Chain: newHolderReplay(), LP: map[string]float64{}, Rug: risk.RugBuilderState{LP: map[string]float64{}}}
}

// holderReplay is the replay of a token's own transfers: balances, mints
// and burns, the creator (receiver of the first mint), and who bought from
// or sold to the pair. analyze.risk keeps it inside riskReplay;
// analyze.anomaly checkpoints it alone (holdersReplayKind), to judge holder
// concentration on complete balances.
type holderReplay struct {
	Holders   map[string]float64 // anomaly.HolderBook balances
	Negative  int
	Buyers    map[string]bool // received tokens from the pair
	Sellers   map[string]bool // sent tokens to the pair
	Minted    float64
	Burned    float64
	Creator   string // receiver of the first mint
	FirstMint time.Time
}

func newHolderReplay() holderReplay {
	return holderReplay{Holders: map[string]float64{}, Buyers: map[string]bool{}, Sellers: map[string]bool{}}
}

// book is the holder book over the replay's balances (shared, not copied).
func (h *holderReplay) book(tok watchlist.Token) *anomaly.HolderBook {
	return anomaly.RestoreHolderBook(h.Holders, h.Negative, tok.Pair)
}

// scan replays tok's transfers in [from, to) and returns how many it read.
func (h *holderReplay) scan(ctx context.Context, st store.Canonical, tok watchlist.Token, from, to time.Time) (int, error) {
	pair := strings.ToLower(tok.Pair)
	rows := 0
	book := h.book(tok)
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: tok.Key(), From: from, To: to}, func(row canonical.Row) error {
		t := row.(canonical.Transfer)
		rows++
		src, dst := strings.ToLower(t.FromAddress), strings.ToLower(t.ToAddress)
		switch {
		case src == anomaly.ZeroAddress:
			h.Minted += t.ValueFloat
			if h.Creator == "" {
				h.Creator, h.FirstMint = dst, t.TS
			}
		case anomaly.IsBurnAddress(dst):
			h.Burned += t.ValueFloat
		}
		if pair != "" && src == pair && !anomaly.IsBurnAddress(dst) {
			h.Buyers[dst] = true
		}
		if pair != "" && dst == pair && src != anomaly.ZeroAddress {
			h.Sellers[src] = true
		}
		book.Apply(src, dst, t.ValueFloat)
		return nil
	})
	h.Holders, h.Negative = book.Balances(), book.Negative
	return rows, err
}

// advance replays the rows in [r.AsOf, to) of every stream and returns how
// many it read.
func (r *riskReplay) advance(ctx context.Context, st store.Canonical, tok watchlist.Token, to time.Time) (int, error) {
	if !to.After(r.AsOf) {
		return 0, nil
	}
	key := tok.Key()
	pair := strings.ToLower(tok.Pair)
	rows, err := r.Chain.scan(ctx, st, tok, r.AsOf, to)
	r.Counts.Transfers += rows
	if err != nil {
		return rows, fmt.Errorf("transfers: %w", err)
	}

	// LP tokens: minted to providers (from 0x0), sent back to the pair to
	// be burned (liquidity removal), or burned/locked by sending them to a
	// burn address. The same rows give the LP of each Mint's and Burn's
	// transaction, for the rug builder below (one transaction has one
	// time, so the events of this range find their transfers here).
	type lpMint struct {
		to  string
		amt float64
	}
	lpMints := map[string]lpMint{}
	lpBurns := map[string]float64{}
	if pk := pairKey(tok); pk != "" {
		err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: pk, From: r.AsOf, To: to}, func(row canonical.Row) error {
			t := row.(canonical.Transfer)
			rows++
			r.Counts.PairTransfers++
			from, dst := strings.ToLower(t.FromAddress), strings.ToLower(t.ToAddress)
			v := t.ValueFloat
			switch {
			case from == anomaly.ZeroAddress:
				r.LPMinted += v
				if r.LPCreator == "" && !anomaly.IsBurnAddress(dst) {
					r.LPCreator = dst
				}
				if !anomaly.IsBurnAddress(dst) {
					m := lpMints[t.TxHash]
					m.to, m.amt = dst, m.amt+v
					lpMints[t.TxHash] = m
				}
			case from == pair && anomaly.IsBurnAddress(dst):
				r.LPRemoved += v // the pair burning returned LP
				lpBurns[t.TxHash] += v
			case dst == pair:
				if from == r.LPCreator || from == r.Chain.Creator {
					r.CreatorRemoved += v
				}
			}
			if from != anomaly.ZeroAddress {
				r.LP[from] -= v
			}
			r.LP[dst] += v
			r.LPPeak = max(r.LPPeak, r.LPMinted-r.LPRemoved)
			return nil
		})
		if err != nil {
			return rows, fmt.Errorf("pair transfers: %w", err)
		}
	}

	// The pair's Mint and Burn events merged with its swaps by time (an
	// event before the swaps of its second), into the rug builder.
	liq, err := store.ListCanonical[canonical.LiquidityEvent](ctx, st, store.CanonicalQuery{Token: key, From: r.AsOf, To: to})
	if err != nil {
		return rows, fmt.Errorf("liquidity events: %w", err)
	}
	rows += len(liq)
	r.Counts.Liquidity += len(liq)
	if len(liq) > 0 && !r.LiquiditySeen {
		r.LiquiditySeen, r.RugUsable = true, liq[0].Kind == "mint"
	}
	b := risk.RestoreRugFeatureBuilder(r.Rug)
	i := 0
	addLiq := func(upTo time.Time, inclusive bool) {
		for ; i < len(liq) && (liq[i].TS.Before(upTo) || (inclusive && liq[i].TS.Equal(upTo))); i++ {
			e := liq[i]
			switch e.Kind {
			case "mint":
				m := lpMints[e.TxHash]
				acct := m.to
				if acct == "" {
					acct = e.Sender
				}
				b.Add(risk.PairEvent{Kind: risk.Mint, TS: e.TS, Account: acct, Liquidity: m.amt})
			case "burn":
				b.Add(risk.PairEvent{Kind: risk.Burn, TS: e.TS, Account: e.Sender, Liquidity: lpBurns[e.TxHash]})
			}
		}
	}
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableSwaps, Token: key, From: r.AsOf, To: to}, func(row canonical.Row) error {
		s := row.(canonical.Swap)
		rows++
		r.Counts.Swaps++
		addLiq(s.TS, true)
		b.Add(risk.PairEvent{Kind: risk.Swap, TS: s.TS, WETHIn: s.Side == "buy"})
		return nil
	})
	if err != nil {
		return rows, fmt.Errorf("swaps: %w", err)
	}
	addLiq(to, false)
	r.Rug = b.State()
	r.AsOf = to
	return rows, nil
}

// replayCountsAt is the rows each stream holds before at, as the store says now.
func replayCountsAt(ctx context.Context, st store.Canonical, tok watchlist.Token, at time.Time) (replayCounts, error) {
	var c replayCounts
	var err error
	count := func(table, token string) int {
		if err != nil || token == "" {
			return 0
		}
		var n int
		n, err = st.CountCanonical(ctx, store.CanonicalQuery{Table: table, Token: token, To: at})
		return n
	}
	c.Transfers = count(canonical.TableTransfers, tok.Key())
	c.PairTransfers = count(canonical.TableTransfers, pairKey(tok))
	c.Liquidity = count(canonical.TableLiquidityEvents, tok.Key())
	c.Swaps = count(canonical.TableSwaps, tok.Key())
	return c, err
}

// checkpointStore is what a checkpointed replay needs of the store.
type checkpointStore interface {
	store.Canonical
	PutCheckpoint(ctx context.Context, c analytics.Checkpoint) error
	LatestCheckpoint(ctx context.Context, kind, token string, notAfter time.Time) (analytics.Checkpoint, bool, error)
}

// A replay is a checkpointed replay state: encoded with gob (so its
// fields are exported), it knows the time it reached, whether the store
// still holds exactly the rows it covers, and how to go on.
type replay interface {
	version() int
	reached() time.Time
	advance(ctx context.Context, st store.Canonical, tok watchlist.Token, to time.Time) (int, error)
	covers(ctx context.Context, st store.Canonical, tok watchlist.Token) (bool, error)
	rows() int
}

// resume returns tok's replay of kind up to at: from the latest checkpoint
// at or before at when it is of this version and the store still holds
// exactly the rows it covers, else from fresh(); and saves a checkpoint at
// at when it replayed checkpointEvery rows or more. rows is what it read;
// resumed says whether it went on from a checkpoint.
func resume[R replay](ctx context.Context, st checkpointStore, tok watchlist.Token, kind string, at time.Time, fresh func() R) (r R, rows int, resumed bool, err error) {
	r, resumed, err = loadCheckpoint(ctx, st, tok, kind, at, fresh)
	if err != nil {
		return r, 0, false, err
	}
	rows, err = r.advance(ctx, st, tok, at)
	if err != nil || rows < checkpointEvery {
		return r, rows, resumed, err
	}
	state, err := encodeReplay(r)
	if err != nil {
		return r, rows, resumed, err
	}
	cp := analytics.Checkpoint{Kind: kind, Token: tok.Key(), AsOf: r.reached(), Rows: int64(r.rows()), State: state}
	if err := st.PutCheckpoint(ctx, cp); err != nil {
		return r, rows, resumed, fmt.Errorf("save checkpoint: %w", err)
	}
	return r, rows, resumed, nil
}

// loadCheckpoint decodes the latest usable checkpoint of kind at or before
// at into a fresh replay; ok false (and fresh()) when there is none.
func loadCheckpoint[R replay](ctx context.Context, st checkpointStore, tok watchlist.Token, kind string, at time.Time, fresh func() R) (R, bool, error) {
	cp, found, err := st.LatestCheckpoint(ctx, kind, tok.Key(), at)
	if err != nil || !found {
		return fresh(), false, err
	}
	r := fresh()
	if err := decodeReplay(cp.State, r); err != nil || r.version() != fresh().version() || !r.reached().Equal(cp.AsOf) {
		return fresh(), false, nil // unreadable or of another version: replay from the start
	}
	if ok, err := r.covers(ctx, st, tok); err != nil || !ok {
		return fresh(), false, err // rows were added or removed before the checkpoint
	}
	return r, true, nil
}

func encodeReplay(r any) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := gob.NewEncoder(zw).Encode(r); err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeReplay decodes into r, which holds empty maps: gob leaves out the
// empty ones it encoded, so they stay empty, not nil.
func decodeReplay(b []byte, r any) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return gob.NewDecoder(zr).Decode(r)
}

// replayTo is analyze.risk's replay of tok up to asOf (see resume).
func replayTo(ctx context.Context, st store.Store, tok watchlist.Token, asOf time.Time) (*riskReplay, int, bool, error) {
	return resume(ctx, st, tok, riskReplayKind, asOf, newRiskReplay)
}

// loadReplay is analyze.risk's usable checkpoint at or before asOf, or nil.
func loadReplay(ctx context.Context, st store.Store, tok watchlist.Token, asOf time.Time) (*riskReplay, error) {
	r, ok, err := loadCheckpoint(ctx, st, tok, riskReplayKind, asOf, newRiskReplay)
	if !ok {
		return nil, err
	}
	return r, err
}

func (r *riskReplay) version() int       { return r.Version }
func (r *riskReplay) reached() time.Time { return r.AsOf }
func (r *riskReplay) rows() int {
	return r.Counts.Transfers + r.Counts.PairTransfers + r.Counts.Liquidity + r.Counts.Swaps
}
func (r *riskReplay) covers(ctx context.Context, st store.Canonical, tok watchlist.Token) (bool, error) {
	now, err := replayCountsAt(ctx, st, tok, r.AsOf)
	return err == nil && now == r.Counts, err
}

// holdersReplay is analyze.anomaly's checkpointed replay of a token's own
// transfers up to its look-back (holderReplayKind).
type holdersReplay struct {
	Version int
	AsOf    time.Time
	Count   int // transfers replayed
	Chain   holderReplay
}

const (
	holdersReplayKind    = "anomaly.holders"
	holdersReplayVersion = 1
)

func newHoldersReplay() *holdersReplay {
	return &holdersReplay{Version: holdersReplayVersion, Chain: newHolderReplay()}
}

func (h *holdersReplay) version() int       { return h.Version }
func (h *holdersReplay) reached() time.Time { return h.AsOf }
func (h *holdersReplay) rows() int          { return h.Count }
func (h *holdersReplay) covers(ctx context.Context, st store.Canonical, tok watchlist.Token) (bool, error) {
	n, err := st.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: tok.Key(), To: h.AsOf})
	return err == nil && n == h.Count, err
}
func (h *holdersReplay) advance(ctx context.Context, st store.Canonical, tok watchlist.Token, to time.Time) (int, error) {
	if !to.After(h.AsOf) {
		return 0, nil
	}
	n, err := h.Chain.scan(ctx, st, tok, h.AsOf, to)
	h.Count += n
	if err != nil {
		return n, fmt.Errorf("transfers: %w", err)
	}
	h.AsOf = to
	return n, nil
}
