package sentiment

import (
	"math"

	"memepipe/analytics"
	"sort"
	"strings"
	"time"
)

// Post is one social post with what the aggregation needs about its author.
// It is deliberately small and independent of the canonical store types.
type Post struct {
	Token           string // the token the post is about (symbol or address)
	Text            string
	AuthorID        string
	AuthorFollowers int64
	AuthorCreatedAt time.Time // zero if unknown
	CreatedAt       time.Time
}

// ScoredPost is a post with its score.
type ScoredPost struct {
	Post
	Score Score
}

// AggregateOptions tunes the aggregation; zero values take the defaults.
type AggregateOptions struct {
	// Baseline is how far before the interval the trailing baseline rate
	// is measured (default 24h). Posts older than start-Baseline are ignored.
	Baseline time.Duration
	// NewAccountAge: authors younger than this at posting time count as new
	// accounts (default 30 days).
	NewAccountAge time.Duration
	// SpamThreshold: posts with SpamScore at or above it are spam (default 0.5).
	SpamThreshold float64
	// MinBaselinePerMinute floors the baseline rate so a token nobody talked
	// about yesterday does not get an infinite burst from three posts
	// (default 1 post per hour).
	MinBaselinePerMinute float64
}

func (o AggregateOptions) withDefaults() AggregateOptions {
	if o.Baseline <= 0 {
		o.Baseline = 24 * time.Hour
	}
	if o.NewAccountAge <= 0 {
		o.NewAccountAge = 30 * 24 * time.Hour
	}
	if o.SpamThreshold <= 0 {
		o.SpamThreshold = 0.5
	}
	if o.MinBaselinePerMinute <= 0 {
		o.MinBaselinePerMinute = 1.0 / 60
	}
	return o
}

// Aggregate is the crowd's reading of one token over one interval.
type Aggregate struct {
	Token      string
	Start, End time.Time

	Volume        int // posts in [Start, End)
	UniqueAuthors int
	// MeanCompound is the plain mean stance compound of the non-spam posts.
	MeanCompound float64
	// ReachWeightedCompound weighs each non-spam post by
	// (1 + ln(1 + followers)) / (posts by its author in the interval): big
	// accounts count more, but only logarithmically, and an author who posts
	// fifty times still counts as one voice.
	ReachWeightedCompound float64
	// BullishRatio = bullish / (bullish + bearish) among non-spam posts,
	// 0.5 when there are none.
	BullishRatio float64
	Bullish      int
	Bearish      int
	Neutral      int
	// SpamShare is the share of posts scored as spam.
	SpamShare float64

	// Burst: posts per minute in the interval against the trailing baseline.
	PerMinute         float64
	BaselinePerMinute float64
	RateRatio         float64 // PerMinute / max(BaselinePerMinute, floor)
	// BurstScore is a Poisson z-score of the interval's count against the
	// count the trailing rate predicts: (n - λ) / sqrt(max(λ, 1)), λ =
	// max(BaselinePerMinute, floor) x minutes; 0 when calm. The same z-like
	// scale as the anomaly detectors (about 4 is notable), which is what
	// analyze/score's burst threshold expects.
	BurstScore float64
	// DuplicateShare is the share of posts whose normalised text (links,
	// mentions, numbers, cashtags and punctuation removed) is also posted
	// by another author in the interval: copy-paste shilling.
	DuplicateShare float64
	// NewAccountShare is the share of posts by accounts younger than
	// NewAccountAge when they posted.
	NewAccountShare float64
	// CoordinatedScore = BurstScore x max(DuplicateShare, NewAccountShare):
	// a burst carried by copies or fresh accounts (same z-like scale).
	CoordinatedScore float64
}

// AggregateInterval aggregates the posts of one token over [start, end).
// posts may include older posts (for the baseline) and posts of other
// tokens; only those of token count. It is a pure function of its input.
func AggregateInterval(token string, posts []ScoredPost, start, end time.Time, opt AggregateOptions) Aggregate {
	opt = opt.withDefaults()
	a := Aggregate{Token: token, Start: start, End: end, BullishRatio: 0.5}
	baseStart := start.Add(-opt.Baseline)
	var in []ScoredPost
	baseline := 0
	for _, p := range posts {
		if p.Token != token {
			continue
		}
		switch {
		case !p.CreatedAt.Before(start) && p.CreatedAt.Before(end):
			in = append(in, p)
		case !p.CreatedAt.Before(baseStart) && p.CreatedAt.Before(start):
			baseline++
		}
	}
	a.Volume = len(in)
	minutes := end.Sub(start).Minutes()
	a.BaselinePerMinute = float64(baseline) / opt.Baseline.Minutes()
	if minutes > 0 {
		a.PerMinute = float64(a.Volume) / minutes
	}
	rate := math.Max(a.BaselinePerMinute, opt.MinBaselinePerMinute)
	a.RateRatio = a.PerMinute / rate
	if lambda := rate * minutes; float64(a.Volume) > lambda {
		a.BurstScore = (float64(a.Volume) - lambda) / math.Sqrt(math.Max(lambda, 1))
	}
	if a.Volume == 0 {
		return a
	}

	perAuthor := map[string]int{}
	for _, p := range in {
		perAuthor[p.AuthorID]++
	}
	a.UniqueAuthors = len(perAuthor)

	// authors per normalised text, for the duplicate share
	textAuthors := map[string]map[string]bool{}
	keys := make([]string, len(in))
	for i, p := range in {
		k := dedupKey(p.Text)
		keys[i] = k
		if k == "" {
			continue
		}
		if textAuthors[k] == nil {
			textAuthors[k] = map[string]bool{}
		}
		textAuthors[k][p.AuthorID] = true
	}

	var spam, dup, fresh int
	var sum, wsum, wtotal float64
	var opinion int
	for i, p := range in {
		if k := keys[i]; k != "" && len(textAuthors[k]) > 1 {
			dup++
		}
		if !p.AuthorCreatedAt.IsZero() && p.CreatedAt.Sub(p.AuthorCreatedAt) < opt.NewAccountAge {
			fresh++
		}
		if p.Score.SpamScore >= opt.SpamThreshold {
			spam++
			continue
		}
		opinion++
		c := p.Score.Compound
		sum += c
		w := (1 + math.Log1p(float64(max(p.AuthorFollowers, 0)))) / float64(perAuthor[p.AuthorID])
		wsum += w * c
		wtotal += w
		switch p.Score.Label {
		case Positive:
			a.Bullish++
		case Negative:
			a.Bearish++
		default:
			a.Neutral++
		}
	}
	n := float64(a.Volume)
	a.SpamShare = float64(spam) / n
	a.DuplicateShare = float64(dup) / n
	a.NewAccountShare = float64(fresh) / n
	if opinion > 0 {
		a.MeanCompound = sum / float64(opinion)
		a.ReachWeightedCompound = wsum / wtotal
	}
	if a.Bullish+a.Bearish > 0 {
		a.BullishRatio = float64(a.Bullish) / float64(a.Bullish+a.Bearish)
	}
	a.CoordinatedScore = a.BurstScore * math.Max(a.DuplicateShare, a.NewAccountShare)
	return a
}

// AggregateTokens aggregates every token that has a post in [start, end),
// sorted by token.
func AggregateTokens(posts []ScoredPost, start, end time.Time, opt AggregateOptions) []Aggregate {
	byToken := map[string][]ScoredPost{}
	var tokens []string
	for _, p := range posts {
		if _, ok := byToken[p.Token]; !ok && !p.CreatedAt.Before(start) && p.CreatedAt.Before(end) {
			tokens = append(tokens, p.Token)
			byToken[p.Token] = nil
		}
	}
	for _, p := range posts {
		if ps, ok := byToken[p.Token]; ok {
			byToken[p.Token] = append(ps, p)
		}
	}
	sort.Strings(tokens)
	out := make([]Aggregate, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, AggregateInterval(t, byToken[t], start, end, opt))
	}
	return out
}

// dedupKey normalises a text for near-duplicate detection: bots vary the
// link, the tagged account, a number or the ticker, and keep the words.
func dedupKey(text string) string {
	var b strings.Builder
	for _, t := range tokenize(text) {
		switch t.Kind {
		case kindWord, kindEmoji:
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t.Lower)
		}
	}
	return b.String()
}

// Canonical converts the aggregate to the row the store keeps.
func (a Aggregate) Canonical() analytics.SentimentAggregate {
	return analytics.SentimentAggregate{
		Token: a.Token, IntervalStart: a.Start, IntervalEnd: a.End,
		Volume: a.Volume, UniqueAuthors: a.UniqueAuthors,
		MeanCompound: a.MeanCompound, ReachWeightedCompound: a.ReachWeightedCompound,
		BullishRatio: a.BullishRatio, SpamShare: a.SpamShare, BurstScore: a.BurstScore,
	}
}
