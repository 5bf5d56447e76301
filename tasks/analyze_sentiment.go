package tasks

import (
	"context"
	"fmt"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/sentiment"
	"memepipe/canonical"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/watchlist"
)

// analyze.sentiment scores the interval's tweets of every watched token
// with the embedded model (analyze/sentiment) and stores one
// SentimentAggregate per token and interval: volume, unique authors,
// reach-weighted compound, bullish ratio, spam share and burst score. A
// token nobody wrote about gets a row with volume 0: "we looked and it was
// quiet" is a finding, and the score leaves the component out for it.
//
// Per-tweet scores are not stored. They are a pure function of the tweet's
// text and the model embedded in this binary (a few microseconds each),
// so a table of them would be a cache that goes stale on every model
// update, and nothing downstream reads single scores: the integrated score
// and the risk flags read the aggregate. `memepipe sentiment score`
// scores any export of the tweets table when single scores are wanted.
//
// Params:
//
//	tokens:   limit to these watchlist tokens (symbol or chain:address)
//	baseline: how far before the interval the posting rate is measured
//	          for the burst score (default 24h)
func init() {
	Register("analyze.sentiment", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens   []string        `koanf:"tokens"`
			Baseline config.Duration `koanf:"baseline"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		if err := checkTokenParams(p.Tokens); err != nil {
			return nil, err
		}
		if p.Baseline < 0 {
			return nil, config.Errors{{Path: "baseline", Msg: "must not be negative"}}
		}
		return &sentimentTask{deps: d, tokens: p.Tokens, opt: sentiment.AggregateOptions{Baseline: p.Baseline.D()}}, nil
	})
}

type sentimentTask struct {
	deps   Deps
	tokens []string
	opt    sentiment.AggregateOptions
}

func (t *sentimentTask) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	st, err := analysisStore(t.deps, "analyze.sentiment")
	if err != nil {
		return pipeline.Result{}, err
	}
	tokens, err := analysisTokens(t.deps, t.tokens)
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("analyze.sentiment: %w", err))
	}
	model, err := sentiment.Default()
	if err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("analyze.sentiment: model: %w", err))
	}
	rows, posts, err := SentimentAggregates(ctx, st, model, tokens, tc.Interval, t.opt)
	if err != nil {
		return pipeline.Result{RecordsIn: int64(posts)}, err
	}
	if err := st.PutSentimentAggregates(ctx, rows); err != nil {
		return pipeline.Result{RecordsIn: int64(posts)}, fmt.Errorf("analyze.sentiment: store: %w", err)
	}
	if tc.Log != nil {
		for _, r := range rows {
			if r.Volume > 0 {
				fmt.Fprintf(tc.Log, "%s: %d posts by %d authors, compound %.3f (reach-weighted %.3f), bullish %.2f, spam %.2f, burst %.1f\n",
					r.Token, r.Volume, r.UniqueAuthors, r.MeanCompound, r.ReachWeightedCompound, r.BullishRatio, r.SpamShare, r.BurstScore)
			}
		}
	}
	return pipeline.Result{RecordsIn: int64(posts), RecordsOut: int64(len(rows))}, nil
}

// SentimentAggregates computes the interval's aggregate for each token
// from the tweets table. Tweets in the baseline before the interval are
// only counted (for the burst score), not scored. It returns the rows and
// the number of tweets scored.
func SentimentAggregates(ctx context.Context, st store.Canonical, model *sentiment.Model, tokens []watchlist.Token, iv pipeline.Interval, opt sentiment.AggregateOptions) ([]analytics.SentimentAggregate, int, error) {
	baseline := opt.Baseline
	if baseline <= 0 {
		baseline = 24 * time.Hour
	}
	rows := make([]analytics.SentimentAggregate, 0, len(tokens))
	scored := 0
	for _, tok := range tokens {
		key := tok.Key()
		var posts []sentiment.ScoredPost
		err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets, Token: key, From: iv.Start.Add(-baseline), To: iv.End},
			func(r canonical.Row) error {
				tw, ok := r.(canonical.Tweet)
				if !ok {
					return fmt.Errorf("tweets: row is %T", r)
				}
				p := sentiment.ScoredPost{Post: sentiment.Post{Token: key, CreatedAt: tw.CreatedAt, AuthorID: tw.AuthorID}}
				if tw.CreatedAt.Before(iv.Start) {
					posts = append(posts, p) // baseline: counted only
					return nil
				}
				p.Text = tw.Text
				if tw.AuthorFollowers != nil {
					p.AuthorFollowers = *tw.AuthorFollowers
				}
				if tw.AuthorCreatedAt != nil {
					p.AuthorCreatedAt = *tw.AuthorCreatedAt
				}
				p.Score = model.Score(tw.Text)
				scored++
				posts = append(posts, p)
				return nil
			})
		if err != nil {
			return nil, scored, fmt.Errorf("analyze.sentiment: %s: read tweets: %w", key, err)
		}
		o := opt
		o.Baseline = baseline
		rows = append(rows, sentiment.AggregateInterval(key, posts, iv.Start, iv.End, o).Canonical())
	}
	return rows, scored, nil
}
