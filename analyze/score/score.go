package score

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"memepipe/analytics"
	"memepipe/watchlist"
)

// Component names, as they appear in breakdowns.
const (
	Sentiment = "sentiment"
	Momentum  = "momentum"
	Anomaly   = "anomaly"
	Risk      = "risk"
)

// Input is everything known about one token for one interval. A nil
// pointer (or AnomaliesScanned false) means the component has no input:
// it is left out of the mean, not scored as 0.
type Input struct {
	Token watchlist.Token
	// Sentiment is the interval's aggregate; nil or Volume 0 when no texts
	// were collected.
	Sentiment *analytics.SentimentAggregate
	// Market is the interval's price move (MarketFromBars, MarketFromTrades).
	Market *Market
	// AnomaliesScanned says the detectors ran over the interval's data;
	// Anomalies are what they found (none: a clean interval, score 0).
	AnomaliesScanned bool
	Anomalies        []analytics.Anomaly
	// Risk is the token's latest risk assessment at the interval's end and
	// Flags its flags; the hard-fact caps read the flags.
	Risk  *analytics.RiskScore
	Flags []analytics.RiskFlag
}

// Breakdown is how a score came about, stored beside it as JSON.
type Breakdown struct {
	// Formula names the formula version, so stored breakdowns stay
	// readable when it changes.
	Formula    string      `json:"formula"`
	Components []Component `json:"components"`
	// Missing lists components without input; Renormalised is true when
	// the weights were re-normalised over the present ones, and Coverage is
	// the share of the configured weight that was present.
	Missing      []string `json:"missing"`
	Renormalised bool     `json:"renormalised"`
	Coverage     float64  `json:"coverage"`
	// Weighted is the weighted mean before overrides; Overrides are the
	// hard facts that capped it; Integrated is the result.
	Weighted   float64    `json:"weighted_score"`
	Overrides  []Override `json:"overrides"`
	Integrated float64    `json:"integrated_score"`
}

// Component is one component's part in a score.
type Component struct {
	Name    string `json:"name"`
	Present bool   `json:"present"`
	// Score is the component as stored (0-100; anomaly and risk: higher is
	// worse), Value what enters the mean (anomaly and risk inverted).
	Score *float64 `json:"score"`
	Value *float64 `json:"value"`
	// Weight is the configured weight, WeightUsed its re-normalised share
	// (0 when missing).
	Weight     float64 `json:"weight"`
	WeightUsed float64 `json:"weight_used"`
	// Inputs are the numbers the component was computed from; Reason says
	// why a component is missing.
	Inputs map[string]any `json:"inputs,omitempty"`
	Reason string         `json:"reason,omitempty"`
}

// Override is a hard fact that capped the score.
type Override struct {
	Flag     string  `json:"flag"`
	Severity string  `json:"severity"`
	Cap      float64 `json:"cap"`
}

// FormulaVersion identifies this formula in breakdowns.
const FormulaVersion = "weighted-mean-v1"

// round1 rounds to one decimal, the precision scores are published at.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func clamp100(x float64) float64 { return math.Max(0, math.Min(100, x)) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// SentimentScore maps an aggregate to 0-100 (50 neutral):
//
//	raw         = cw·reach_weighted_compound + (1−cw)·(2·bullish_ratio − 1)       in [−1, 1]
//	credibility = n/(n+V½) · (1 − spam_share) · min(1, T/burst) · min(1, (authors/n)/A)
//	sentiment   = 50 + 50·raw·credibility
//
// Spam, bot bursts, a handful of accounts and a handful of texts all shrink
// the crowd's opinion toward neutral rather than reversing it: hype that
// bots produce says nothing either way (the risk flags take up spam-driven
// sentiment as a risk). ok is false when there are no texts.
func (c Config) SentimentScore(a *analytics.SentimentAggregate) (score float64, inputs map[string]any, ok bool) {
	if a == nil || a.Volume <= 0 {
		return 0, nil, false
	}
	cal := c.Sentiment
	n := float64(a.Volume)
	raw := cal.CompoundWeight*a.ReachWeightedCompound + (1-cal.CompoundWeight)*(2*a.BullishRatio-1)
	raw = math.Max(-1, math.Min(1, raw))
	volume := n / (n + cal.VolumeHalf)
	spam := 1 - math.Max(0, math.Min(1, a.SpamShare))
	burst := 1.0
	if a.BurstScore > cal.BurstThreshold {
		burst = cal.BurstThreshold / a.BurstScore
	}
	authors := 1.0
	if share := float64(a.UniqueAuthors) / n; cal.MinAuthorShare > 0 && share < cal.MinAuthorShare {
		authors = share / cal.MinAuthorShare
	}
	cred := volume * spam * burst * authors
	score = clamp100(50 + 50*raw*cred)
	return score, map[string]any{
		"volume": a.Volume, "unique_authors": a.UniqueAuthors,
		"reach_weighted_compound": a.ReachWeightedCompound, "bullish_ratio": a.BullishRatio,
		"spam_share": a.SpamShare, "burst_score": a.BurstScore,
		"raw": round4(raw), "credibility": round4(cred),
		"volume_factor": round4(volume), "spam_factor": round4(spam), "burst_factor": round4(burst), "author_factor": round4(authors),
	}, true
}

// MomentumScore maps a market move to 0-100 (50 flat):
//
//	raw      = tanh(r/s) · (1 + γ·tanh(v/ln 2)) / (1 + γ)
//	momentum = 50 + 50·raw
//
// r is the interval's log return, s the return scale (0.2: a 22% rise is
// 0.76 of the way up), v the volume trend (ln of volume now / baseline;
// doubling is tanh(1)) and γ the volume weight. A move on rising volume
// counts fully, on average volume 1/(1+γ), on drying volume less. Without
// a baseline v is 0. Momentum is deliberately blind to pumps: the anomaly
// component is what marks a rise as manipulation.
func (c Config) MomentumScore(m *Market) (score float64, inputs map[string]any, ok bool) {
	if m == nil {
		return 0, nil, false
	}
	cal := c.Momentum
	v := 0.0
	if m.VolumeTrend != nil {
		v = *m.VolumeTrend
	}
	g := cal.VolumeWeight
	raw := math.Tanh(m.Return/cal.ReturnScale) * (1 + g*math.Tanh(v/math.Ln2)) / (1 + g)
	score = clamp100(50 + 50*raw)
	inputs = map[string]any{"return": round4(m.Return), "source": m.Source, "points": m.Points, "raw": round4(raw)}
	if m.VolumeTrend != nil {
		inputs["volume_trend"] = round4(*m.VolumeTrend)
	} else {
		inputs["volume_trend"] = nil
	}
	if m.Skipped > 0 {
		inputs["skipped_rows"] = m.Skipped
	}
	return score, inputs, true
}

// AnomalyScore maps the interval's anomalies to 0-100 (0: nothing unusual;
// higher: more manipulation signals):
//
//	pₖ      = wₖ · (1 − exp(−max scoreₖ / S))     per kind k
//	anomaly = 100 · (1 − Πₖ (1 − pₖ))
//
// wₖ is the kind's weight (pump_and_dump 1, wash_cycle 0.8, ...), S the
// score scale (6, the detectors' warn level). Only the strongest event of
// a kind counts, so a run of volume spikes is one signal, while different
// kinds (a pump with wash trading) compound as independent evidence.
func (c Config) AnomalyScore(scanned bool, events []analytics.Anomaly) (score float64, inputs map[string]any, ok bool) {
	if !scanned {
		return 0, nil, false
	}
	cal := c.merged().Anomaly
	strongest := map[string]float64{}
	for _, e := range events {
		if s, seen := strongest[e.Kind]; !seen || e.Score > s {
			strongest[e.Kind] = e.Score
		}
	}
	keep := 1.0
	kinds := map[string]any{}
	for _, k := range sortedKeys(strongest) {
		w, known := cal.KindWeights[k]
		if !known {
			w = cal.DefaultWeight
		}
		p := w * (1 - math.Exp(-math.Max(0, strongest[k])/cal.ScoreScale))
		keep *= 1 - p
		kinds[k] = map[string]any{"max_score": round4(strongest[k]), "weight": w, "p": round4(p)}
	}
	return clamp100(100 * (1 - keep)), map[string]any{"events": len(events), "kinds": kinds}, true
}

// severityRank orders flag severities, worst highest.
func severityRank(s string) int {
	switch s {
	case "critical":
		return 2
	case "warn":
		return 1
	case "info":
		return 0
	}
	return -1
}

// overrides returns the caps the flags trigger, lowest cap first.
func (c Config) overrides(flags []analytics.RiskFlag) []Override {
	out := []Override{} // JSON [], not null: "no override" is a finding
	seen := map[string]bool{}
	for _, f := range flags {
		limit, ok := c.Caps[f.Flag]
		if !ok || f.Severity != "critical" || seen[f.Flag] {
			continue
		}
		seen[f.Flag] = true
		out = append(out, Override{Flag: f.Flag, Severity: f.Severity, Cap: limit})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cap != out[j].Cap {
			return out[i].Cap < out[j].Cap
		}
		return out[i].Flag < out[j].Flag
	})
	return out
}

// topFlags lists the flags worth a column: the overrides first, then
// critical and warn flags by severity and code; info flags are left out.
func (c Config) topFlags(flags []analytics.RiskFlag, ov []Override) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, o := range ov {
		if len(out) < c.TopFlags && !seen[o.Flag] {
			out = append(out, o.Flag)
			seen[o.Flag] = true
		}
	}
	rest := make([]analytics.RiskFlag, 0, len(flags))
	for _, f := range flags {
		if severityRank(f.Severity) >= 1 {
			rest = append(rest, f)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool {
		if a, b := severityRank(rest[i].Severity), severityRank(rest[j].Severity); a != b {
			return a > b
		}
		return rest[i].Flag < rest[j].Flag
	})
	for _, f := range rest {
		if len(out) >= c.TopFlags {
			break
		}
		if !seen[f.Flag] {
			out = append(out, f.Flag)
			seen[f.Flag] = true
		}
	}
	return out
}

// checkInput reports numbers no component can use (NaN, infinities): a
// bug upstream, not something to average.
func checkInput(in Input) error {
	if a := in.Sentiment; a != nil {
		for name, v := range map[string]float64{"reach_weighted_compound": a.ReachWeightedCompound, "bullish_ratio": a.BullishRatio,
			"spam_share": a.SpamShare, "burst_score": a.BurstScore} {
			if !finite(v) {
				return fmt.Errorf("sentiment %s is %v", name, v)
			}
		}
	}
	if in.Market != nil {
		if err := in.Market.check(); err != nil {
			return err
		}
	}
	for _, e := range in.Anomalies {
		if !finite(e.Score) {
			return fmt.Errorf("anomaly %s at %s has score %v", e.Kind, e.TS.Format(time.RFC3339), e.Score)
		}
	}
	if in.Risk != nil && !finite(in.Risk.RiskScore) {
		return fmt.Errorf("risk score is %v", in.Risk.RiskScore)
	}
	return nil
}

// Integrate scores one token as of asOf. ok is false when no component has
// input (nothing to score); the row's Rank is left 0 for Rank to fill.
func (c Config) Integrate(asOf time.Time, in Input) (row analytics.IntegratedScore, b Breakdown, ok bool, err error) {
	c = c.merged()
	key := in.Token.Key()
	if err := checkInput(in); err != nil {
		return row, b, false, fmt.Errorf("score %s: %w", key, err)
	}
	row = analytics.IntegratedScore{Token: key, Symbol: in.Token.Symbol, Chain: in.Token.Chain, Address: in.Token.Address, AsOf: asOf.UTC()}
	b = Breakdown{Formula: FormulaVersion, Missing: []string{}, Overrides: []Override{}}

	type part struct {
		name   string
		weight float64
		score  float64
		invert bool // anomaly and risk: higher is worse
		inputs map[string]any
		ok     bool
		reason string
		stored **float64
	}
	parts := make([]part, 4)
	parts[0] = part{name: Sentiment, weight: c.Weights.Sentiment, stored: &row.SentimentScore, reason: "no texts in the interval"}
	parts[0].score, parts[0].inputs, parts[0].ok = c.SentimentScore(in.Sentiment)
	parts[1] = part{name: Momentum, weight: c.Weights.Momentum, stored: &row.MomentumScore, reason: "no price bars or swaps in the interval"}
	parts[1].score, parts[1].inputs, parts[1].ok = c.MomentumScore(in.Market)
	parts[2] = part{name: Anomaly, weight: c.Weights.Anomaly, invert: true, stored: &row.AnomalyScore, reason: "anomaly detectors did not run over the interval"}
	parts[2].score, parts[2].inputs, parts[2].ok = c.AnomalyScore(in.AnomaliesScanned, in.Anomalies)
	parts[3] = part{name: Risk, weight: c.Weights.Risk, invert: true, stored: &row.RiskScore, reason: "no risk assessment"}
	if in.Risk != nil {
		parts[3].score, parts[3].ok = clamp100(in.Risk.RiskScore), true
		parts[3].inputs = map[string]any{"risk_score": in.Risk.RiskScore, "as_of": in.Risk.AsOf.UTC(), "flags": len(in.Flags)}
		if p := in.Risk.RugProbability; p != nil {
			parts[3].inputs["rug_probability"] = *p
		}
	}

	var total, present, sum float64
	for _, p := range parts {
		total += p.weight
		if p.ok && p.weight > 0 {
			present += p.weight
		}
	}
	for i := range parts {
		p := &parts[i]
		comp := Component{Name: p.name, Weight: p.weight, Inputs: p.inputs}
		if !p.ok {
			comp.Reason = p.reason
			b.Missing = append(b.Missing, p.name)
			b.Components = append(b.Components, comp)
			continue
		}
		s := round1(p.score)
		*p.stored = &s
		comp.Present, comp.Score = true, &s
		v := p.score
		if p.invert {
			v = 100 - p.score
		}
		rv := round1(v)
		comp.Value = &rv
		if p.weight > 0 {
			comp.WeightUsed = round4(p.weight / present)
			sum += p.weight * v
		} else {
			comp.Reason = "weight 0: not counted"
		}
		b.Components = append(b.Components, comp)
	}
	row.Flags = c.topFlags(in.Flags, nil)
	if present == 0 {
		return row, b, false, nil
	}
	b.Coverage = round4(present / total)
	b.Renormalised = present < total
	weighted := clamp100(sum / present)
	b.Weighted = round1(weighted)
	final := weighted
	b.Overrides = c.overrides(in.Flags)
	for _, o := range b.Overrides {
		final = math.Min(final, o.Cap)
	}
	row.IntegratedScore = round1(final)
	b.Integrated = row.IntegratedScore
	row.Flags = c.topFlags(in.Flags, b.Overrides)
	raw, err := json.Marshal(b)
	if err != nil {
		return row, b, false, fmt.Errorf("score %s: breakdown: %w", key, err)
	}
	row.Breakdown = raw
	return row, b, true, nil
}

// Result is a ranking.
type Result struct {
	// Rows are the scored tokens by rank (1 = best).
	Rows []analytics.IntegratedScore
	// Unscored are tokens with no component to score, with why.
	Unscored []Unscored
}

// Unscored is a token left out of the ranking.
type Unscored struct {
	Token  string `json:"token"`
	Reason string `json:"reason"`
}

// Rank scores every input as of asOf (the end of the scored interval) and
// ranks them: by integrated score, highest first, ties by token key, so
// ranks run 1..n without gaps or repeats and a re-run gives the same order.
func (c Config) Rank(asOf time.Time, inputs []Input) (Result, error) {
	c = c.merged()
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Rows: []analytics.IntegratedScore{}, Unscored: []Unscored{}}
	seen := map[string]bool{}
	for _, in := range inputs {
		key := in.Token.Key()
		if key == "" {
			return Result{}, fmt.Errorf("score: a token has neither address nor symbol")
		}
		if seen[key] {
			return Result{}, fmt.Errorf("score: token %s given twice", key)
		}
		seen[key] = true
		row, _, ok, err := c.Integrate(asOf, in)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			res.Unscored = append(res.Unscored, Unscored{Token: key, Reason: "no component has input (no texts, market data, anomaly scan or risk assessment)"})
			continue
		}
		res.Rows = append(res.Rows, row)
	}
	sort.Slice(res.Rows, func(i, j int) bool {
		a, b := res.Rows[i], res.Rows[j]
		if a.IntegratedScore != b.IntegratedScore {
			return a.IntegratedScore > b.IntegratedScore
		}
		return a.Token < b.Token
	})
	for i := range res.Rows {
		res.Rows[i].Rank = i + 1
	}
	return res, nil
}
