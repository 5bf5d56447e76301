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
	Holders   map[string]float64 // anomaly.HolderBook balances
	Negative  int
	Buyers    map[string]bool // received tokens from the pair
	Sellers   map[string]bool // sent tokens to the pair
	Minted    float64
	Burned    float64
	Creator   string // receiver of the first mint
	FirstMint time.Time

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
	return &riskReplay{Version: riskReplayVersion, Holders: map[string]float64{}, Buyers: map[string]bool{}, Sellers: map[string]bool{},
		LP: map[string]float64{}, Rug: risk.RugBuilderState{LP: map[string]float64{}}}
}

// book is the holder book over the replay's balances (shared, not copied).
func (r *riskReplay) book(tok watchlist.Token) *anomaly.HolderBook {
	return anomaly.RestoreHolderBook(r.Holders, r.Negative, tok.Pair)
}

// advance replays the rows in [r.AsOf, to) of every stream and returns how
// many it read.
func (r *riskReplay) advance(ctx context.Context, st store.Canonical, tok watchlist.Token, to time.Time) (int, error) {
	if !to.After(r.AsOf) {
		return 0, nil
	}
	key := tok.Key()
	pair := strings.ToLower(tok.Pair)
	rows := 0
	book := r.book(tok)
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: key, From: r.AsOf, To: to}, func(row canonical.Row) error {
		t := row.(canonical.Transfer)
		rows++
		r.Counts.Transfers++
		from, dst := strings.ToLower(t.FromAddress), strings.ToLower(t.ToAddress)
		switch {
		case from == anomaly.ZeroAddress:
			r.Minted += t.ValueFloat
			if r.Creator == "" {
				r.Creator, r.FirstMint = dst, t.TS
			}
		case anomaly.IsBurnAddress(dst):
			r.Burned += t.ValueFloat
		}
		if pair != "" && from == pair && !anomaly.IsBurnAddress(dst) {
			r.Buyers[dst] = true
		}
		if pair != "" && dst == pair && from != anomaly.ZeroAddress {
			r.Sellers[from] = true
		}
		book.Apply(from, dst, t.ValueFloat)
		return nil
	})
	r.Holders, r.Negative = book.Balances(), book.Negative
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
				if from == r.LPCreator || from == r.Creator {
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

// counts are the rows each stream holds before at, as the store says now.
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

// replayTo returns tok's replay up to asOf: from the latest checkpoint at
// or before asOf when the store still holds exactly the rows it covers,
// else from the first row; and saves a checkpoint at asOf when it replayed
// checkpointEvery rows or more. rows is what it read; resumed says whether
// it went on from a checkpoint.
func replayTo(ctx context.Context, st store.Store, tok watchlist.Token, asOf time.Time) (r *riskReplay, rows int, resumed bool, err error) {
	r, err = loadReplay(ctx, st, tok, asOf)
	if err != nil {
		return nil, 0, false, err
	}
	resumed = r != nil
	if r == nil {
		r = newRiskReplay()
	}
	rows, err = r.advance(ctx, st, tok, asOf)
	if err != nil || rows < checkpointEvery {
		return r, rows, resumed, err
	}
	state, err := r.encode()
	if err != nil {
		return r, rows, resumed, err
	}
	cp := analytics.Checkpoint{Kind: riskReplayKind, Token: tok.Key(), AsOf: r.AsOf, Rows: int64(r.Counts.total()), State: state}
	if err := st.PutCheckpoint(ctx, cp); err != nil {
		return r, rows, resumed, fmt.Errorf("save checkpoint: %w", err)
	}
	return r, rows, resumed, nil
}

func (c replayCounts) total() int { return c.Transfers + c.PairTransfers + c.Liquidity + c.Swaps }

// loadReplay returns the checkpointed replay of tok at or before asOf, or
// nil when there is none or it no longer matches the store.
func loadReplay(ctx context.Context, st store.Store, tok watchlist.Token, asOf time.Time) (*riskReplay, error) {
	cp, ok, err := st.LatestCheckpoint(ctx, riskReplayKind, tok.Key(), asOf)
	if err != nil || !ok {
		return nil, err
	}
	r, err := decodeRiskReplay(cp.State)
	if err != nil || r.Version != riskReplayVersion || !r.AsOf.Equal(cp.AsOf) {
		return nil, nil // unreadable or of another version: replay from the start
	}
	now, err := replayCountsAt(ctx, st, tok, r.AsOf)
	if err != nil || now != r.Counts {
		return nil, err // rows were added or removed before the checkpoint
	}
	return r, nil
}

func (r *riskReplay) encode() ([]byte, error) {
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

func decodeRiskReplay(b []byte) (*riskReplay, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := newRiskReplay()
	if err := gob.NewDecoder(zr).Decode(r); err != nil {
		return nil, err
	}
	// gob leaves empty maps nil.
	for _, m := range []*map[string]float64{&r.Holders, &r.LP, &r.Rug.LP} {
		if *m == nil {
			*m = map[string]float64{}
		}
	}
	for _, m := range []*map[string]bool{&r.Buyers, &r.Sellers} {
		if *m == nil {
			*m = map[string]bool{}
		}
	}
	return r, nil
}
