package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/anomaly"
	"memepipe/canonical"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/watchlist"
)

// analyze.anomaly streams each watched token's price bars, DEX swaps,
// transfers, tweets and liquidity removals of the run's interval through
// analyze/anomaly's detectors and stores what they find with
// ReplaceAnomalies: re-running an interval replaces its anomalies, so the
// task is idempotent.
//
// The detectors judge each row against trailing baselines, so every stream
// starts a bounded look-back before the interval (the detectors are fed
// it, but only events stamped inside the interval are kept: each event
// belongs to exactly one interval, and a pump whose reversal completes in
// the next interval is found by the next run, whose look-back covers its
// rise). Nothing loads a token's whole history: rows stream from the store
// into detectors with bounded state.
//
//   - price bars (bar_interval, default 1h): return and volume spikes,
//     pump-and-dump shapes, gaps; look-back 48 bars.
//   - swaps (look-back swap_lookback, default 12h): rush orders (many buys
//     in one block), buy bursts, one-sided trading; and 15-minute candles
//     built from the swaps, for the pump-and-dump shape of tokens no
//     exchange lists (only that kind is kept from the candles: their
//     spikes and gaps duplicate the trade detectors).
//   - transfers (look-back transfer_lookback, default 48h): whale
//     transfers between wallets, holder dumps into the pair, wash cycles
//     A->B->A, new-holder bursts; holder concentration jumps when the
//     token's first mint is stored: the detector starts from a checkpointed
//     replay of the transfers before the look-back (holdersReplay; without
//     the mint the balances are partial and concentration is not judged).
//     The supply is the mints minus the burns so far.
//   - tweets (look-back 24h): posting bursts (bot campaigns, pump promotion).
//   - liquidity removals (Burn events) with the pool's reserve after them:
//     the simple rug pull.
//
// Params: tokens, bar_interval, swap_lookback, transfer_lookback,
// post_lookback, candle (DEX candle size, default 15m).
func init() {
	Register("analyze.anomaly", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens           []string        `koanf:"tokens"`
			BarInterval      string          `koanf:"bar_interval"`
			SwapLookback     config.Duration `koanf:"swap_lookback"`
			TransferLookback config.Duration `koanf:"transfer_lookback"`
			PostLookback     config.Duration `koanf:"post_lookback"`
			Candle           config.Duration `koanf:"candle"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		if err := checkTokenParams(p.Tokens); err != nil {
			return nil, err
		}
		o := AnomalyOptions{BarInterval: p.BarInterval, SwapLookback: p.SwapLookback.D(), TransferLookback: p.TransferLookback.D(),
			PostLookback: p.PostLookback.D(), Candle: p.Candle.D()}
		var errs config.Errors
		for key, v := range map[string]time.Duration{"swap_lookback": o.SwapLookback, "transfer_lookback": o.TransferLookback, "post_lookback": o.PostLookback, "candle": o.Candle} {
			if v < 0 {
				errs.Add(key, "must not be negative")
			}
		}
		if o.BarInterval != "" {
			if _, err := barDuration(o.BarInterval); err != nil {
				errs.Add("bar_interval", "%v", err)
			}
		}
		sort.Slice(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
		if err := errs.Err(); err != nil {
			return nil, err
		}
		return &anomalyTask{deps: d, tokens: p.Tokens, opt: o}, nil
	})
}

// AnomalyOptions are analyze.anomaly's look-backs; zero values take the
// defaults in the task's comment.
type AnomalyOptions struct {
	BarInterval      string
	SwapLookback     time.Duration
	TransferLookback time.Duration
	PostLookback     time.Duration
	Candle           time.Duration
}

func (o AnomalyOptions) withDefaults() AnomalyOptions {
	if o.BarInterval == "" {
		o.BarInterval = "1h"
	}
	if o.SwapLookback <= 0 {
		o.SwapLookback = 12 * time.Hour
	}
	if o.TransferLookback <= 0 {
		o.TransferLookback = 48 * time.Hour
	}
	if o.PostLookback <= 0 {
		o.PostLookback = 24 * time.Hour
	}
	if o.Candle <= 0 {
		o.Candle = 15 * time.Minute
	}
	return o
}

// barDuration reads Yahoo's bar sizes (1m, 5m, 15m, 1h, 1d, 1wk).
func barDuration(s string) (time.Duration, error) {
	switch strings.ToLower(s) {
	case "1d":
		return 24 * time.Hour, nil
	case "5d":
		return 5 * 24 * time.Hour, nil
	case "1wk":
		return 7 * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a bar size such as 1m, 15m, 1h or 1d", s)
	}
	return d, nil
}

type anomalyTask struct {
	deps   Deps
	tokens []string
	opt    AnomalyOptions
}

func (t *anomalyTask) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	st, err := analysisStore(t.deps, "analyze.anomaly")
	if err != nil {
		return pipeline.Result{}, err
	}
	tokens, err := analysisTokens(t.deps, t.tokens)
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("analyze.anomaly: %w", err))
	}
	var res pipeline.Result
	for _, tok := range tokens {
		scan, err := DetectAnomalies(ctx, st, tok, tc.Interval, t.opt)
		res.RecordsIn += int64(scan.Rows)
		if err != nil {
			return res, err
		}
		if err := st.ReplaceAnomalies(ctx, tok.Key(), tc.Interval, scan.Anomalies); err != nil {
			return res, fmt.Errorf("analyze.anomaly: %s: store: %w", tok.Key(), err)
		}
		res.RecordsOut += int64(len(scan.Anomalies))
		if tc.Log != nil {
			fmt.Fprintf(tc.Log, "%s\n", scan)
		}
	}
	return res, nil
}

// AnomalyScan is what DetectAnomalies found for one token.
type AnomalyScan struct {
	Token string
	// Rows read per stream (bars, swaps, transfers, posts, burns) and
	// skipped as bad (by stream).
	Read    map[string]int
	Skipped map[string]int
	Rows    int
	// PartialHistory: the transfer replay did not start at the token's
	// first transfer, so concentration was not judged.
	PartialHistory bool
	// Anomalies stamped inside the interval, by time then kind.
	Anomalies []analytics.Anomaly
}

func (s AnomalyScan) String() string {
	kinds := map[string]int{}
	for _, a := range s.Anomalies {
		kinds[a.Kind]++
	}
	var parts []string
	for _, k := range sortedKeys(kinds) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, kinds[k]))
	}
	var read []string
	for _, k := range sortedKeys(s.Read) {
		r := fmt.Sprintf("%s %d", k, s.Read[k])
		if n := s.Skipped[k]; n > 0 {
			r += fmt.Sprintf(" (%d bad)", n)
		}
		read = append(read, r)
	}
	return fmt.Sprintf("%s: read %s; %d anomalies %s", s.Token, strings.Join(read, ", "), len(s.Anomalies), strings.Join(parts, " "))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// DetectAnomalies runs every detector over one token's rows of iv (plus
// the look-backs) and returns the anomalies stamped inside iv.
func DetectAnomalies(ctx context.Context, st checkpointStore, tok watchlist.Token, iv pipeline.Interval, opt AnomalyOptions) (AnomalyScan, error) {
	opt = opt.withDefaults()
	key := tok.Key()
	scan := AnomalyScan{Token: key, Read: map[string]int{}, Skipped: map[string]int{}}
	var found []anomaly.Anomaly
	emit := func(evs []anomaly.Anomaly) { found = append(found, evs...) }
	fail := func(what string, err error) (AnomalyScan, error) {
		return scan, fmt.Errorf("analyze.anomaly: %s: %s: %w", key, what, err)
	}
	// pushed counts a row and a refused one; a refused row is bad input
	// (ErrBadRow), anything else is a bug and stops the scan.
	pushed := func(stream string, err error) error {
		scan.Read[stream]++
		scan.Rows++
		if err == nil {
			return nil
		}
		if isBadRow(err) {
			scan.Skipped[stream]++
			return nil
		}
		return err
	}

	// Price bars.
	barSize, _ := barDuration(opt.BarInterval)
	bars := anomaly.NewBarDetector(anomaly.BarConfig{Token: key})
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TablePriceBars, Token: key, BarInterval: opt.BarInterval,
		From: iv.Start.Add(-48 * barSize), To: iv.End}, func(r canonical.Row) error {
		b := r.(canonical.PriceBar)
		evs, err := bars.Push(anomaly.Bar{TS: b.TS, Open: b.Open, High: b.High, Low: b.Low, Close: b.Close, Volume: b.Volume})
		emit(evs)
		return pushed("bars", err)
	})
	if err != nil {
		return fail("price bars", err)
	}

	// Swaps: the trade detectors, and candles for the pump shape.
	trades := anomaly.NewTradeDetector(anomaly.TradeConfig{Token: key})
	candles := anomaly.NewCandleBuilder(opt.Candle, 0)
	// A meme token's pool moves 20-30% in a quarter hour on ordinary
	// flow; announced pumps aim at multiples. A candle pump must at least
	// rise by half.
	candleBars := anomaly.NewBarDetector(anomaly.BarConfig{Token: key, RiseMin: 0.5})
	pushCandles := func(bs []anomaly.Bar) {
		for _, b := range bs {
			evs, _ := candleBars.Push(b) // built bars are valid and in order
			for _, e := range evs {
				if e.Kind == anomaly.KindPumpAndDump {
					e.Evidence["source"] = fmt.Sprintf("%s candles from swaps", opt.Candle)
					found = append(found, e)
				}
			}
		}
	}
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableSwaps, Token: key, From: iv.Start.Add(-opt.SwapLookback), To: iv.End},
		func(r canonical.Row) error {
			s := r.(canonical.Swap)
			side := anomaly.Buy
			if s.Side == "sell" {
				side = anomaly.Sell
			}
			tr := anomaly.Trade{TS: s.TS, Block: uint64(max(s.BlockNumber, 0)), TxHash: s.TxHash, Side: side, Price: s.Price, Amount: s.AmountTokenFloat, Trader: s.Trader}
			evs, err := trades.Push(tr)
			emit(evs)
			if err == nil {
				bs, _ := candles.Push(tr)
				pushCandles(bs)
			}
			return pushed("swaps", err)
		})
	if err != nil {
		return fail("swaps", err)
	}
	emit(trades.Flush())
	pushCandles(candles.Flush())

	// Transfers.
	if tok.Address != "" {
		if err := scanTransfers(ctx, st, tok, iv, opt, &scan, emit, pushed); err != nil {
			return fail("transfers", err)
		}
	}

	// Tweets.
	posts := anomaly.NewPostDetector(anomaly.PostConfig{Token: key})
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets, Token: key, From: iv.Start.Add(-opt.PostLookback), To: iv.End},
		func(r canonical.Row) error {
			tw := r.(canonical.Tweet)
			p := anomaly.Post{TS: tw.CreatedAt, ID: tw.TweetID, Author: tw.AuthorID}
			if tw.AuthorCreatedAt != nil {
				p.AuthorCreatedAt = *tw.AuthorCreatedAt
			}
			evs, err := posts.Push(p)
			emit(evs)
			return pushed("posts", err)
		})
	if err != nil {
		return fail("tweets", err)
	}
	emit(posts.Flush())

	// Liquidity removals.
	if err := scanRemovals(ctx, st, tok, iv, &scan, emit, pushed); err != nil {
		return fail("liquidity events", err)
	}

	rows, err := anomalyRows(key, iv, found)
	if err != nil {
		return fail("evidence", err)
	}
	scan.Anomalies = rows
	return scan, nil
}

func scanTransfers(ctx context.Context, st checkpointStore, tok watchlist.Token, iv pipeline.Interval, opt AnomalyOptions, scan *AnomalyScan,
	emit func([]anomaly.Anomaly), pushed func(string, error) error) error {
	key := tok.Key()
	from := iv.Start.Add(-opt.TransferLookback)
	var first *canonical.Transfer
	if err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: key, To: iv.End, Limit: 1}, func(r canonical.Row) error {
		t := r.(canonical.Transfer)
		first = &t
		return nil
	}); err != nil {
		return err
	}
	if first == nil {
		return nil
	}
	cfg := anomaly.TransferConfig{Token: key, Exclude: append([]string{}, routers...)}
	if tok.Pair != "" {
		cfg.Exclude = append(cfg.Exclude, tok.Pair)
	}
	// The balances are complete when the first stored transfer is the
	// token's first mint: in the look-back, the replay starts there; before
	// it, the transfers up to the look-back are replayed into a checkpoint
	// (holdersReplay: a run reads the rows since the last one) that the
	// detector starts from. Otherwise (collection started after launch)
	// balances are partial and the supply is looked up.
	switch launched := strings.EqualFold(first.FromAddress, anomaly.ZeroAddress); {
	case launched && !first.TS.Before(from):
		from = first.TS
	case launched:
		h, _, _, err := resume(ctx, st, tok, holdersReplayKind, from, newHoldersReplay)
		if err != nil {
			return err
		}
		c := h.Chain
		cfg.Start = &anomaly.TransferStart{Balances: c.Holders, Negative: c.Negative, Minted: c.Minted, Burned: c.Burned,
			Minter: c.Creator, MintedAt: c.FirstMint}
	default:
		cfg.PartialHistory = true
		scan.PartialHistory = true
		supply, err := tokenSupply(ctx, st, key, iv.End)
		if err != nil {
			return err
		}
		cfg.Supply = supply
	}
	// Transfers in a pair Mint's or Burn's transaction move liquidity.
	liq := map[string]bool{}
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableLiquidityEvents, Token: key, From: from, To: iv.End}, func(r canonical.Row) error {
		liq[r.(canonical.LiquidityEvent).TxHash] = true
		return nil
	})
	if err != nil {
		return err
	}
	d := anomaly.NewTransferDetector(cfg)
	var evs []anomaly.Anomaly
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: key, From: from, To: iv.End}, func(r canonical.Row) error {
		t := r.(canonical.Transfer)
		e, err := d.Push(anomaly.Transfer{TS: t.TS, Block: uint64(max(t.BlockNumber, 0)), TxHash: t.TxHash, LogIndex: int(t.LogIndex),
			From: t.FromAddress, To: t.ToAddress, Amount: t.ValueFloat, Liquidity: liq[t.TxHash]})
		evs = append(evs, e...)
		return pushed("transfers", err)
	})
	if err != nil {
		return err
	}
	evs = append(evs, d.Flush()...)
	emit(anomaly.DropWashLegs(evs))
	return nil
}

// routers are the well-known DEX routers (Uniswap V2 and V3, the
// Universal Router): tokens pass through them in multi-hop swaps, which
// makes them neither holders nor whales.
var routers = []string{
	"0x7a250d5630b4cf539739df2c5dacb4c659f2488d",
	"0xe592427a0aece92de3edee1f18e0157c05861564",
	"0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45",
	"0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad",
	"0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b",
}

// tokenSupply is the token's supply as of at, for judging transfers by
// their share of it when the replay does not see the mints: the mints less
// the burns in the store (transfers from and to the zero address, which
// the store finds by address), else the latest snapshot's total supply,
// else its fully diluted value over its price (DexScreener gives both).
// 0 when nothing says.
func tokenSupply(ctx context.Context, st store.Canonical, key string, at time.Time) (float64, error) {
	var minted, burned float64
	mints := 0
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: key, Address: anomaly.ZeroAddress, To: at},
		func(r canonical.Row) error {
			t := r.(canonical.Transfer)
			if strings.EqualFold(t.FromAddress, anomaly.ZeroAddress) {
				minted += t.ValueFloat
				mints++
			} else {
				burned += t.ValueFloat
			}
			return nil
		})
	if err != nil || (mints > 0 && minted > burned) {
		return minted - burned, err
	}
	// Snapshots are taken when an interval is collected, after it ends:
	// look a day past at for one (a supply moves slowly; prices do not,
	// which is why only the ratio of one snapshot's FDV and price is used).
	var total, fdv float64
	var fdvAt time.Time
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableFundamentals, Token: key, To: at.Add(24 * time.Hour)}, func(r canonical.Row) error {
		f := r.(canonical.Fundamentals)
		if f.TotalSupply != nil && *f.TotalSupply > 0 {
			total = *f.TotalSupply
		}
		if f.FDV != nil && *f.FDV > 0 {
			fdv, fdvAt = *f.FDV, f.FetchedAt
		}
		return nil
	})
	if err != nil || total > 0 || fdv == 0 {
		return total, err
	}
	var price float64
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableQuotes, Token: key, From: fdvAt, To: fdvAt.Add(time.Second)}, func(r canonical.Row) error {
		q := r.(canonical.Quote)
		if q.Price != nil && *q.Price > 0 && q.FetchedAt.Equal(fdvAt) {
			price = *q.Price
		}
		return nil
	})
	if err != nil || price == 0 {
		return 0, err
	}
	return fdv / price, nil
}

// scanRemovals judges the interval's Burn events by the share of the pool
// they took: the pair's Sync in the same transaction (emitted just before
// the Burn) gives the reserve left.
func scanRemovals(ctx context.Context, st store.Canonical, tok watchlist.Token, iv pipeline.Interval, scan *AnomalyScan,
	emit func([]anomaly.Anomaly), pushed func(string, error) error) error {
	key := tok.Key()
	burns, err := store.ListCanonical[canonical.LiquidityEvent](ctx, st, store.CanonicalQuery{Token: key, From: iv.Start, To: iv.End})
	if err != nil {
		return err
	}
	byTx := map[string][]int{}
	for i, b := range burns {
		if b.Kind == "burn" {
			byTx[b.TxHash] = append(byTx[b.TxHash], i)
		}
	}
	if len(byTx) == 0 {
		return nil
	}
	after := map[int]float64{} // burn index -> quote reserve after it
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TablePairReserves, Token: key, From: iv.Start, To: iv.End}, func(r canonical.Row) error {
		s := r.(canonical.PairReserve)
		for _, i := range byTx[s.TxHash] {
			if s.LogIndex < burns[i].LogIndex {
				after[i] = s.ReserveQuoteFloat // the latest Sync before the Burn wins
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	d := anomaly.NewLiquidityDetector(anomaly.LiquidityConfig{Token: key})
	for i, b := range burns {
		if b.Kind != "burn" {
			continue
		}
		res, ok := after[i]
		if !ok {
			res = math.NaN()
		}
		evs, err := d.Push(anomaly.LiquidityRemoval{TS: b.TS, Block: uint64(max(b.BlockNumber, 0)), TxHash: b.TxHash, Pair: b.PairAddress,
			Receiver: b.ToAddress, AmountQuote: decimalFloat(b.AmountQuote), ReserveQuoteAfter: res})
		emit(evs)
		if err := pushed("burns", err); err != nil {
			return err
		}
	}
	return nil
}

// anomalyRows keeps the events stamped inside iv, one per (kind, time)
// (the strongest: bars and swap candles may both see one pump), as store
// rows ordered by time then kind.
func anomalyRows(token string, iv pipeline.Interval, found []anomaly.Anomaly) ([]analytics.Anomaly, error) {
	best := map[string]anomaly.Anomaly{}
	for _, a := range found {
		if !iv.Contains(a.TS) {
			continue
		}
		k := a.Kind + "|" + a.TS.UTC().Format(time.RFC3339Nano)
		if b, ok := best[k]; !ok || a.Score > b.Score {
			best[k] = a
		}
	}
	rows := make([]analytics.Anomaly, 0, len(best))
	for _, a := range best {
		ev, err := json.Marshal(a.Evidence)
		if err != nil {
			return nil, err
		}
		rows = append(rows, analytics.Anomaly{Token: token, TS: a.TS.UTC(), Kind: a.Kind, Score: a.Score, Severity: string(a.Severity),
			Evidence: ev, IntervalStart: iv.Start.UTC(), IntervalEnd: iv.End.UTC()})
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].TS.Equal(rows[j].TS) {
			return rows[i].TS.Before(rows[j].TS)
		}
		return rows[i].Kind < rows[j].Kind
	})
	return rows, nil
}
