// Package tokenview gathers what the tokens page and GET /api/v1/tokens/{token}
// show about one token: its latest integrated score with the stored
// breakdown, its risk assessment and flags with their evidence, its
// anomalies, and its price, sentiment and score over a bounded window,
// downsampled to at most a few hundred points and laid out as SVG charts
// (chart.go). It reads through the store and renders nothing itself.
//
// Reads are bounded so a page costs the same whatever the history: a
// window (default 7 days) ending at the token's newest data, index range
// scans on (token, time), and buckets that keep at most MaxPoints points
// however many bars or swaps the window holds.
package tokenview

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/score"
	"memepipe/canonical"
	"memepipe/store"
)

// Store is what a token view reads.
type Store interface {
	store.Analytics
	store.Canonical
}

// Defaults and bounds of Options.
const (
	DefaultWindow = 7 * 24 * time.Hour
	MaxWindow     = 90 * 24 * time.Hour
	// DefaultPoints is how many buckets a series is cut into: a chart
	// 720 units wide gets a point every 3 units.
	DefaultPoints = 240
	// MaxAnomalies caps the anomalies listed and marked.
	MaxAnomalies = 200
)

// Options bound a view.
type Options struct {
	// Window is how far back from the token's newest data the series go
	// (0: DefaultWindow; at most MaxWindow).
	Window time.Duration
	// Points caps each series' points (0: DefaultPoints).
	Points int
	// Now ends the window of a token with no dated data yet.
	Now time.Time
}

// barPreference lists bar granularities in the order the price chart
// prefers them: hourly bars show a week at a useful grain (168 bars);
// finer ones are bucketed down, coarser ones are used when nothing finer
// was collected.
var barPreference = []string{"1h", "60m", "30m", "15m", "90m", "5m", "2m", "1m", "1d", "5d", "1wk", "1mo", "3mo"}

// View is one token's page.
type View struct {
	Token   string `json:"token"`
	Symbol  string `json:"symbol"`
	Name    string `json:"name,omitempty"`
	Chain   string `json:"chain,omitempty"`
	Address string `json:"address,omitempty"`
	// From and To bound the series: [From, To).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`

	// Score is the token's newest integrated score row (nil: never scored).
	Score *analytics.IntegratedScore `json:"score"`
	// Breakdown is Score's stored breakdown decoded; nil when there is
	// none or it is not a breakdown this version reads (BreakdownJSON then
	// holds it as stored).
	Breakdown     *score.Breakdown `json:"-"`
	BreakdownJSON string           `json:"-"`

	Risk      *analytics.RiskScore `json:"risk"`
	Flags     []analytics.RiskFlag `json:"flags"`
	Anomalies []analytics.Anomaly  `json:"anomalies"`

	// Price is close per bucket (price bars) or the volume-weighted swap
	// price (swaps, when the token has no bars), with each bucket's low
	// and high; PriceSource says which, PriceUnit in what.
	Price       []Point `json:"price"`
	PriceSource string  `json:"price_source"`
	PriceUnit   string  `json:"price_unit,omitempty"`
	// PriceRows is how many bars or swaps the buckets were made from.
	PriceRows int `json:"price_rows"`
	// Sentiment is the reach-weighted compound per bucket (weighted by
	// volume across the bucket's intervals) and the bucket's text volume.
	Sentiment []SentimentPoint `json:"sentiment"`
	// Scores is the integrated score over the window.
	Scores []Point `json:"scores"`

	PriceChart     Chart `json:"-"`
	SentimentChart Chart `json:"-"`
	ScoreChart     Chart `json:"-"`
}

// Point is one bucket of a series: V its value (the close, the VWAP, the
// last score), Lo and Hi the range within it, T the time of its last row.
type Point struct {
	T  time.Time `json:"t"`
	V  float64   `json:"v"`
	Lo float64   `json:"lo"`
	Hi float64   `json:"hi"`
}

// SentimentPoint is one bucket of sentiment aggregates.
type SentimentPoint struct {
	T        time.Time `json:"t"`
	Compound float64   `json:"reach_weighted_compound"`
	Volume   int       `json:"volume"`
}

// Load reads token's view. A token the store knows nothing about (no
// canonical token row, no score, no flags, no price, no sentiment) is
// store.ErrNotFound.
func Load(ctx context.Context, st Store, token string, o Options) (*View, error) {
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Window > MaxWindow {
		return nil, fmt.Errorf("token view: window %s is longer than %s", o.Window, MaxWindow)
	}
	if o.Points <= 0 {
		o.Points = DefaultPoints
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	v := &View{Token: token, Symbol: token, Flags: []analytics.RiskFlag{}, Anomalies: []analytics.Anomaly{},
		Price: []Point{}, Sentiment: []SentimentPoint{}, Scores: []Point{}}
	known := false

	toks, err := store.ListCanonical[canonical.Token](ctx, st, store.CanonicalQuery{Token: token, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("token %s: %w", token, err)
	}
	if len(toks) > 0 {
		t := toks[0]
		known = true
		v.Symbol, v.Name, v.Chain, v.Address, v.PriceUnit = t.Symbol, t.Name, t.Chain, t.Address, t.QuoteSymbol
	}

	// The newest score: the latest ranking holds it unless the token left
	// the watchlist; then its own history's last row.
	ranking, err := st.IntegratedScores(ctx, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("token %s: integrated scores: %w", token, err)
	}
	for i := range ranking {
		if ranking[i].Token == token {
			v.Score = &ranking[i]
			break
		}
	}
	if v.Score == nil {
		hist, err := st.IntegratedScoreHistory(ctx, token, o.Now.Add(-MaxWindow), time.Time{})
		if err != nil {
			return nil, fmt.Errorf("token %s: score history: %w", token, err)
		}
		if n := len(hist); n > 0 {
			v.Score = &hist[n-1]
		}
	}
	if v.Score != nil {
		known = true
		if v.Symbol == token && v.Score.Symbol != "" {
			v.Symbol, v.Chain, v.Address = v.Score.Symbol, v.Score.Chain, v.Score.Address
		}
		decodeBreakdown(v)
	}

	// The window ends at the token's newest data, so a token whose
	// collection stopped (or a demo store from last month) still shows
	// its last week rather than an empty one.
	end := time.Time{}
	if v.Score != nil {
		end = v.Score.AsOf
	}
	for _, table := range []string{canonical.TablePriceBars, canonical.TableSwaps} {
		t, ok, err := st.LatestCanonical(ctx, store.CanonicalQuery{Table: table, Token: token})
		if err != nil {
			return nil, fmt.Errorf("token %s: newest %s: %w", token, table, err)
		}
		if ok && t.After(end) {
			end = t
		}
	}
	if end.IsZero() {
		end = o.Now
	}
	// [From, To) must hold the newest row: To is just past it.
	v.To = end.Add(time.Second).Truncate(time.Second)
	v.From = v.To.Add(-o.Window)

	risks, err := st.RiskScores(ctx, token, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("token %s: risk: %w", token, err)
	}
	if len(risks) > 0 {
		v.Risk = &risks[0]
		known = true
	}
	if v.Flags, err = st.RiskFlags(ctx, token, time.Time{}); err != nil {
		return nil, fmt.Errorf("token %s: risk flags: %w", token, err)
	}
	if v.Anomalies, err = st.Anomalies(ctx, store.AnomalyFilter{Token: token, From: v.From, To: v.To, Limit: MaxAnomalies}); err != nil {
		return nil, fmt.Errorf("token %s: anomalies: %w", token, err)
	}
	if err := loadPrice(ctx, st, v, o.Points); err != nil {
		return nil, fmt.Errorf("token %s: price: %w", token, err)
	}
	aggs, err := st.SentimentAggregates(ctx, token, v.From, v.To)
	if err != nil {
		return nil, fmt.Errorf("token %s: sentiment: %w", token, err)
	}
	v.Sentiment = sentimentBuckets(aggs, v.From, v.To, o.Points)
	hist, err := st.IntegratedScoreHistory(ctx, token, v.From, v.To)
	if err != nil {
		return nil, fmt.Errorf("token %s: score history: %w", token, err)
	}
	b := newBuckets(v.From, v.To, o.Points)
	for _, h := range hist {
		b.add(h.AsOf, h.IntegratedScore, 1, h.IntegratedScore)
	}
	v.Scores = b.points(false)

	if !known && len(v.Flags) == 0 && len(v.Anomalies) == 0 && v.PriceRows == 0 && len(aggs) == 0 {
		return nil, fmt.Errorf("token %q: %w (not on the watchlist, never scored, no data collected)", token, store.ErrNotFound)
	}
	v.layout()
	return v, nil
}

func decodeBreakdown(v *View) {
	raw := v.Score.Breakdown
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var b score.Breakdown
	if err := json.Unmarshal(raw, &b); err != nil || len(b.Components) == 0 {
		// Another formula's breakdown: show it as stored.
		v.BreakdownJSON = string(raw)
		return
	}
	v.Breakdown = &b
}

// loadPrice fills the price series from the preferred bar granularity
// that has bars in the window, else from swaps.
func loadPrice(ctx context.Context, st Store, v *View, points int) error {
	for _, iv := range barPreference {
		q := store.CanonicalQuery{Table: canonical.TablePriceBars, Token: v.Token, BarInterval: iv, From: v.From, To: v.To}
		n, err := st.CountCanonical(ctx, q)
		if err != nil {
			return err
		}
		if n < 2 {
			continue
		}
		b := newBuckets(v.From, v.To, points)
		err = st.ScanCanonical(ctx, q, func(r canonical.Row) error {
			bar, ok := r.(canonical.PriceBar)
			if !ok {
				return fmt.Errorf("price_bars row is %T", r)
			}
			if !goodPrice(bar.Close) {
				return nil // tokens priced under the source's rounding show as 0
			}
			lo, hi := bar.Low, bar.High
			if !goodPrice(lo) || lo > bar.Close {
				lo = bar.Close
			}
			if !goodPrice(hi) || hi < bar.Close {
				hi = bar.Close
			}
			v.PriceRows++
			if v.PriceUnit == "" || bar.Currency != "" {
				v.PriceUnit = bar.Currency
			}
			b.add(bar.TS, bar.Close, lo, hi)
			return nil
		})
		if err != nil {
			return err
		}
		v.Price = b.points(false)
		v.PriceSource = "price bars (" + iv + "), close"
		return nil
	}
	// No bars: the DEX swaps' prices, volume-weighted per bucket so that
	// dust trades do not draw the line.
	b := newBuckets(v.From, v.To, points)
	err := st.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableSwaps, Token: v.Token, From: v.From, To: v.To},
		func(r canonical.Row) error {
			s, ok := r.(canonical.Swap)
			if !ok {
				return fmt.Errorf("swaps row is %T", r)
			}
			if !goodPrice(s.Price) || !(s.AmountTokenFloat > 0) || !(s.AmountQuoteFloat > 0) {
				return nil
			}
			v.PriceRows++
			b.addWeighted(s.TS, s.AmountQuoteFloat, s.AmountTokenFloat, s.Price)
			return nil
		})
	if err != nil {
		return err
	}
	if v.PriceRows > 0 {
		v.Price = b.points(true)
		v.PriceSource = "DEX swaps, volume-weighted price"
	}
	return nil
}

func goodPrice(p float64) bool { return p > 0 && !math.IsInf(p, 0) && !math.IsNaN(p) }

// buckets cut [from, to) into n equal spans and keep per span what a
// chart point needs, so a series costs O(n) memory however many rows
// stream through.
type buckets struct {
	from time.Time
	span time.Duration
	b    []bucket
}

type bucket struct {
	n      int
	last   time.Time
	v      float64 // last value
	lo, hi float64
	num    float64 // weighted sums (swaps: quote, token)
	den    float64
}

func newBuckets(from, to time.Time, n int) *buckets {
	span := to.Sub(from) / time.Duration(n)
	if span <= 0 {
		span = time.Second
	}
	return &buckets{from: from, span: span, b: make([]bucket, n)}
}

func (bs *buckets) at(t time.Time) *bucket {
	i := int(t.Sub(bs.from) / bs.span)
	if t.Before(bs.from) || i >= len(bs.b) {
		return nil
	}
	return &bs.b[i]
}

// add records a row's value and range; rows arrive oldest first, so the
// bucket's value is its last row's.
func (bs *buckets) add(t time.Time, v, lo, hi float64) {
	k := bs.at(t)
	if k == nil {
		return
	}
	if k.n == 0 || lo < k.lo {
		k.lo = lo
	}
	if k.n == 0 || hi > k.hi {
		k.hi = hi
	}
	k.n++
	k.v, k.last = v, t
}

func (bs *buckets) addWeighted(t time.Time, num, den, price float64) {
	k := bs.at(t)
	if k == nil {
		return
	}
	bs.add(t, price, price, price)
	k.num += num
	k.den += den
}

// points are the non-empty buckets; weighted takes num/den as the value.
func (bs *buckets) points(weighted bool) []Point {
	out := []Point{}
	for _, k := range bs.b {
		if k.n == 0 {
			continue
		}
		p := Point{T: k.last, V: k.v, Lo: k.lo, Hi: k.hi}
		if weighted && k.den > 0 {
			p.V = math.Max(k.lo, math.Min(k.hi, k.num/k.den))
		}
		out = append(out, p)
	}
	return out
}

// sentimentBuckets merges interval aggregates into at most n buckets: the
// volumes add up; the compound is the volume-weighted mean of the
// intervals' reach-weighted compounds. Buckets without texts are left out
// (no texts is no opinion, not a neutral one).
func sentimentBuckets(aggs []analytics.SentimentAggregate, from, to time.Time, n int) []SentimentPoint {
	type acc struct {
		t      time.Time
		vol    int
		wsum   float64
		filled bool
	}
	span := to.Sub(from) / time.Duration(n)
	if span <= 0 {
		span = time.Second
	}
	accs := make([]acc, n)
	for _, a := range aggs {
		i := int(a.IntervalStart.Sub(from) / span)
		if a.IntervalStart.Before(from) || i >= n || a.Volume <= 0 {
			continue
		}
		k := &accs[i]
		if !k.filled {
			k.t, k.filled = a.IntervalStart, true
		}
		k.vol += a.Volume
		k.wsum += a.ReachWeightedCompound * float64(a.Volume)
	}
	out := []SentimentPoint{}
	for _, k := range accs {
		if k.filled && k.vol > 0 {
			out = append(out, SentimentPoint{T: k.t, Compound: k.wsum / float64(k.vol), Volume: k.vol})
		}
	}
	return out
}
