package tasks

import (
	"context"
	"fmt"
	"time"

	"memepipe/analyze/score"
	"memepipe/canonical"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/watchlist"
)

// score ranks the watched tokens as of the end of the run's interval with
// analyze/score (weights and calibration from the config's score: section)
// and publishes the ranking twice: ReplaceIntegratedScores (the ranking at
// that time, replaced whole on a re-run) and integrated_scores.csv at
// score.csv_path (default ./out/integrated_scores.csv), written atomically
// so the backend polling it never reads half a file.
//
// Inputs per token:
//   - sentiment: the latest aggregate whose interval ends in
//     (end - sentiment_max_age, end] (default 6h), preferring the one
//     ending exactly at the end (this run's own);
//   - momentum: price bars (bar_interval, default 1h) over the interval
//     with the day before as baseline; without bars, the pair's swaps;
//   - anomalies stamped in the interval; the component counts as scanned
//     when the token had any bars, swaps, transfers or tweets in it;
//   - the latest risk assessment at the end and its flags.
//
// Params: tokens, sentiment_max_age, bar_interval, csv_path (overrides
// score.csv_path, e.g. for a second ranking of a token subset).
func init() {
	Register("score", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens          []string        `koanf:"tokens"`
			SentimentMaxAge config.Duration `koanf:"sentiment_max_age"`
			BarInterval     string          `koanf:"bar_interval"`
			CSVPath         string          `koanf:"csv_path"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		if err := checkTokenParams(p.Tokens); err != nil {
			return nil, err
		}
		if p.SentimentMaxAge < 0 {
			return nil, config.Errors{{Path: "sentiment_max_age", Msg: "must not be negative"}}
		}
		if p.BarInterval != "" {
			if _, err := barDuration(p.BarInterval); err != nil {
				return nil, config.Errors{{Path: "bar_interval", Msg: err.Error()}}
			}
		}
		cfg := score.Defaults()
		if d.Config != nil {
			cfg = d.Config.Score
		}
		if p.CSVPath != "" {
			cfg.CSVPath = p.CSVPath
		}
		o := ScoreOptions{SentimentMaxAge: p.SentimentMaxAge.D(), BarInterval: p.BarInterval}
		return &scoreTask{deps: d, tokens: p.Tokens, cfg: cfg, opt: o}, nil
	})
}

// ScoreOptions tune how the score task reads its inputs.
type ScoreOptions struct {
	SentimentMaxAge time.Duration // default 6h
	BarInterval     string        // default 1h
}

type scoreTask struct {
	deps   Deps
	tokens []string
	cfg    score.Config
	opt    ScoreOptions
}

func (t *scoreTask) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	st, err := analysisStore(t.deps, "score")
	if err != nil {
		return pipeline.Result{}, err
	}
	tokens, err := analysisTokens(t.deps, t.tokens)
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("score: %w", err))
	}
	inputs, err := ScoreInputs(ctx, st, tokens, tc.Interval, t.opt)
	if err != nil {
		return pipeline.Result{}, err
	}
	asOf := tc.Interval.End.UTC()
	res, err := t.cfg.Rank(asOf, inputs)
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("score: %w", err))
	}
	if err := st.ReplaceIntegratedScores(ctx, asOf, res.Rows); err != nil {
		return pipeline.Result{}, fmt.Errorf("score: store: %w", err)
	}
	path := t.cfg.CSVPath
	if path == "" {
		path = score.DefaultCSVPath
	}
	if err := score.WriteCSV(path, res.Rows); err != nil {
		return pipeline.Result{}, fmt.Errorf("score: %w", err)
	}
	if tc.Log != nil {
		fmt.Fprintf(tc.Log, "ranked %d tokens as of %s, wrote %s\n", len(res.Rows), asOf.Format(time.RFC3339), path)
		for _, u := range res.Unscored {
			fmt.Fprintf(tc.Log, "unscored %s: %s\n", u.Token, u.Reason)
		}
	}
	return pipeline.Result{RecordsIn: int64(len(inputs)), RecordsOut: int64(len(res.Rows))}, nil
}

// ScoreInputs reads each token's components for iv from the store.
func ScoreInputs(ctx context.Context, st store.Store, tokens []watchlist.Token, iv pipeline.Interval, opt ScoreOptions) ([]score.Input, error) {
	if opt.SentimentMaxAge <= 0 {
		opt.SentimentMaxAge = 6 * time.Hour
	}
	if opt.BarInterval == "" {
		opt.BarInterval = "1h"
	}
	asOf := iv.End
	inputs := make([]score.Input, 0, len(tokens))
	for _, tok := range tokens {
		key := tok.Key()
		fail := func(what string, err error) ([]score.Input, error) {
			return nil, fmt.Errorf("score: %s: %s: %w", key, what, err)
		}
		in := score.Input{Token: tok}

		aggs, err := st.SentimentAggregates(ctx, key, asOf.Add(-opt.SentimentMaxAge-iv.Duration()), asOf)
		if err != nil {
			return fail("sentiment", err)
		}
		for i := range aggs {
			a := aggs[i]
			if a.IntervalEnd.After(asOf) || !a.IntervalEnd.After(asOf.Add(-opt.SentimentMaxAge)) {
				continue
			}
			if in.Sentiment == nil || a.IntervalEnd.After(in.Sentiment.IntervalEnd) ||
				(a.IntervalEnd.Equal(in.Sentiment.IntervalEnd) && a.IntervalStart.Equal(iv.Start)) {
				in.Sentiment = &a
			}
		}

		m, seen, err := marketMove(ctx, st, key, iv, opt.BarInterval)
		if err != nil {
			return fail("market", err)
		}
		in.Market = m

		if !seen {
			n, err := st.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets, Token: key, From: iv.Start, To: iv.End})
			if err != nil {
				return fail("tweets", err)
			}
			seen = n > 0
		}
		if !seen && tok.Address != "" {
			n, err := st.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTransfers, Token: key, From: iv.Start, To: iv.End})
			if err != nil {
				return fail("transfers", err)
			}
			seen = n > 0
		}
		in.AnomaliesScanned = seen
		if seen {
			an, err := st.Anomalies(ctx, store.AnomalyFilter{Token: key, From: iv.Start, To: iv.End, Limit: 100000})
			if err != nil {
				return fail("anomalies", err)
			}
			in.Anomalies = an
		}

		risks, err := st.RiskScores(ctx, key, asOf)
		if err != nil {
			return fail("risk", err)
		}
		if len(risks) > 0 {
			r := risks[0]
			in.Risk = &r
			flags, err := st.RiskFlags(ctx, key, asOf)
			if err != nil {
				return fail("risk flags", err)
			}
			in.Flags = flags
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// marketMove is the interval's price move from bars (with the day before
// as baseline), else from swaps. seen reports whether the token had any
// bar or swap in the interval.
func marketMove(ctx context.Context, st store.Canonical, key string, iv pipeline.Interval, barInterval string) (*score.Market, bool, error) {
	lookback := 24 * time.Hour
	var bars []score.Bar
	inIv := 0
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TablePriceBars, Token: key, BarInterval: barInterval, From: iv.Start.Add(-lookback), To: iv.End},
		func(r canonical.Row) error {
			b := r.(canonical.PriceBar)
			bars = append(bars, score.Bar{TS: b.TS, Open: b.Open, Close: b.Close, Volume: b.Volume})
			if iv.Contains(b.TS) {
				inIv++
			}
			return nil
		})
	if err != nil {
		return nil, false, err
	}
	if m, ok := score.MarketFromBars(bars, iv); ok {
		return &m, true, nil
	}
	var trades []score.Trade
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableSwaps, Token: key, From: iv.Start.Add(-lookback), To: iv.End},
		func(r canonical.Row) error {
			s := r.(canonical.Swap)
			trades = append(trades, score.Trade{TS: s.TS, Price: s.Price, QuoteAmount: s.AmountQuoteFloat})
			if iv.Contains(s.TS) {
				inIv++
			}
			return nil
		})
	if err != nil {
		return nil, false, err
	}
	if m, ok := score.MarketFromTrades(trades, iv, lookback); ok {
		return &m, true, nil
	}
	return nil, inIv > 0, nil
}
