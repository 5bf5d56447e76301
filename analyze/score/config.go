// Package score combines a token's sentiment, market momentum, anomalies
// and risk into one integrated score, 0-100, and ranks the tokens by it:
// what the backend reads from the integrated_scores table and
// integrated_scores.csv.
//
// There is no standard formula for this (FIELD.md, "Integrated score").
// This one keeps each component calibrated and inspectable, combines them
// by a weighted mean, and lets hard facts cap the result instead of being
// averaged away:
//
//	integrated = min( Σ wᵢ·xᵢ / Σ wᵢ  over the present components,  caps of hard facts )
//
// with x = sentiment, momentum, 100 − anomaly, 100 − risk, each in
// [0, 100]. A component with no input (no tweets, no bars) is left out and
// the weights are re-normalised over the others, never counted as 0; the
// breakdown stored beside the score says so. docs/ANALYTICS.md
// ("Integrated score") has the calibration of each component and a worked
// example.
//
// The package takes its inputs as structs and returns rows: it does not
// read or write the store. The glue that does lives with the tasks.
package score

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// DefaultCSVPath is where integrated_scores.csv goes unless configured.
const DefaultCSVPath = "./out/integrated_scores.csv"

// Config is the integrated score's configuration (the `score` section of
// the config file).
type Config struct {
	Weights   Weights              `koanf:"weights" json:"weights"`
	Sentiment SentimentCalibration `koanf:"sentiment" json:"sentiment"`
	Momentum  MomentumCalibration  `koanf:"momentum" json:"momentum"`
	Anomaly   AnomalyCalibration   `koanf:"anomaly" json:"anomaly"`
	// Caps are ceilings on the integrated score, by risk flag code, applied
	// when the flag is critical: the hard facts that make a token a trap
	// whatever its other components say. A user map is merged over the
	// defaults (codes not mentioned keep their default cap); set a code's
	// cap to 100 to disable it.
	Caps map[string]float64 `koanf:"caps" json:"caps"`
	// TopFlags is how many flags the CSV's flags column lists.
	TopFlags int `koanf:"top_flags" json:"top_flags"`
	// CSVPath is where integrated_scores.csv is written.
	CSVPath string `koanf:"csv_path" json:"csv_path"`
}

// Weights of the components. Only their ratios matter; a weight of 0
// leaves a component out.
type Weights struct {
	Sentiment float64 `koanf:"sentiment" json:"sentiment"`
	Momentum  float64 `koanf:"momentum" json:"momentum"`
	Anomaly   float64 `koanf:"anomaly" json:"anomaly"`
	Risk      float64 `koanf:"risk" json:"risk"`
}

// SentimentCalibration maps a sentiment aggregate to 0-100.
type SentimentCalibration struct {
	// CompoundWeight is the share of the reach-weighted compound score in
	// the raw sentiment; the rest is the bullish ratio, rescaled to [-1, 1].
	CompoundWeight float64 `koanf:"compound_weight" json:"compound_weight"`
	// VolumeHalf is the number of texts at which the crowd's opinion counts
	// half: confidence n/(n+VolumeHalf), so three posts do not make a trend.
	VolumeHalf float64 `koanf:"volume_half" json:"volume_half"`
	// BurstThreshold is the burst score above which posting looks like a
	// bot campaign; above it the sentiment is shrunk by threshold/burst.
	BurstThreshold float64 `koanf:"burst_threshold" json:"burst_threshold"`
	// MinAuthorShare is the share of unique authors among texts below which
	// a few accounts are doing the talking; below it the sentiment is shrunk
	// by share/MinAuthorShare.
	MinAuthorShare float64 `koanf:"min_author_share" json:"min_author_share"`
}

// MomentumCalibration maps a market move to 0-100.
type MomentumCalibration struct {
	// ReturnScale is the log return that maps to tanh(1) = 0.76 of the way
	// from neutral to the end of the scale.
	ReturnScale float64 `koanf:"return_scale" json:"return_scale"`
	// VolumeWeight (γ) is how much the volume trend confirms or weakens the
	// move: the move is scaled by (1 + γ·tanh(v/ln 2)) / (1 + γ).
	VolumeWeight float64 `koanf:"volume_weight" json:"volume_weight"`
}

// AnomalyCalibration maps the interval's anomalies to 0-100.
type AnomalyCalibration struct {
	// KindWeights say how strongly one event of a kind signals
	// manipulation, 0-1. A user map is merged over the defaults.
	KindWeights map[string]float64 `koanf:"kind_weights" json:"kind_weights"`
	// DefaultWeight is for kinds not in KindWeights.
	DefaultWeight float64 `koanf:"default_weight" json:"default_weight"`
	// ScoreScale is the detector score at which an event counts
	// 1 − 1/e = 63% of its kind's weight.
	ScoreScale float64 `koanf:"score_scale" json:"score_scale"`
}

// Risk flag codes that are hard facts (analyze/risk's codes; repeated here
// so this package does not depend on the risk package's internals).
const (
	FlagLPRemoved      = "lp_removed_by_creator"
	FlagInsiderDump    = "insider_dump"
	FlagHoneypot       = "only_owner_sells"
	FlagSellRestricted = "sell_restricted"
	FlagMint           = "owner_can_mint"
	FlagBalanceChange  = "owner_can_change_balance"
)

// Defaults returns the configuration memepipe uses unless told otherwise.
func Defaults() Config {
	return Config{
		// Risk weighs most: a meme-coin ranking that puts a likely rug on
		// top is worse than useless. Sentiment next, as the crowd is what
		// moves these tokens; momentum and anomalies share the rest.
		Weights:   Weights{Sentiment: 0.25, Momentum: 0.20, Anomaly: 0.20, Risk: 0.35},
		Sentiment: SentimentCalibration{CompoundWeight: 0.7, VolumeHalf: 10, BurstThreshold: 4, MinAuthorShare: 0.5},
		Momentum:  MomentumCalibration{ReturnScale: 0.2, VolumeWeight: 0.5},
		Anomaly: AnomalyCalibration{
			KindWeights: map[string]float64{
				"pump_and_dump":      1.0,
				"liquidity_removal":  1.0, // most of the pool pulled at once: the simple rug
				"holder_dump":        0.9, // an insider selling a bag it never bought: the sell rug
				"bot_burst":          0.5, // posting carried by fresh accounts
				"social_burst":       0.1, // a crowd of established accounts: news, not manipulation
				"wash_cycle":         0.8,
				"rush_orders":        0.6,
				"fresh_wallet_buys":  0.6,
				"buy_sell_imbalance": 0.6,
				"concentration_jump": 0.5,
				"buy_burst":          0.4,
				"whale_transfer":     0.4,
				"new_holder_burst":   0.3,
				"return_spike":       0.3,
				"volume_spike":       0.3,
				"gap":                0, // missing data, not manipulation
			},
			DefaultWeight: 0.3,
			ScoreScale:    6,
		},
		Caps: map[string]float64{
			FlagLPRemoved:      5, // the creator pulled the liquidity: a rug
			FlagInsiderDump:    5, // an insider sold a fifth of the supply at once: the sell rug
			FlagHoneypot:       5, // many buyers, no seller but the owner
			FlagSellRestricted: 5, // coded sell block: a honeypot
			FlagMint:           5, // owner can mint after launch
			FlagBalanceChange:  5, // owner can rewrite balances: mint by another name
		},
		TopFlags: 3,
		CSVPath:  DefaultCSVPath,
	}
}

// Validate reports every problem with c, joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("score: "+format, args...)) }
	nonneg := func(name string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			bad("%s = %v, want a finite number >= 0", name, v)
		}
	}
	positive := func(name string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			bad("%s = %v, want a finite number > 0", name, v)
		}
	}
	w := c.Weights
	nonneg("weights.sentiment", w.Sentiment)
	nonneg("weights.momentum", w.Momentum)
	nonneg("weights.anomaly", w.Anomaly)
	nonneg("weights.risk", w.Risk)
	if !(w.Sentiment+w.Momentum+w.Anomaly+w.Risk > 0) {
		bad("weights are all zero")
	}
	if v := c.Sentiment.CompoundWeight; !(v >= 0 && v <= 1) {
		bad("sentiment.compound_weight = %v, want 0..1", v)
	}
	nonneg("sentiment.volume_half", c.Sentiment.VolumeHalf)
	positive("sentiment.burst_threshold", c.Sentiment.BurstThreshold)
	if v := c.Sentiment.MinAuthorShare; !(v >= 0 && v <= 1) {
		bad("sentiment.min_author_share = %v, want 0..1", v)
	}
	positive("momentum.return_scale", c.Momentum.ReturnScale)
	nonneg("momentum.volume_weight", c.Momentum.VolumeWeight)
	for _, k := range sortedKeys(c.Anomaly.KindWeights) {
		if v := c.Anomaly.KindWeights[k]; !(v >= 0 && v <= 1) {
			bad("anomaly.kind_weights.%s = %v, want 0..1", k, v)
		}
	}
	if v := c.Anomaly.DefaultWeight; !(v >= 0 && v <= 1) {
		bad("anomaly.default_weight = %v, want 0..1", v)
	}
	positive("anomaly.score_scale", c.Anomaly.ScoreScale)
	for _, k := range sortedKeys(c.Caps) {
		if v := c.Caps[k]; !(v >= 0 && v <= 100) {
			bad("caps.%s = %v, want 0..100", k, v)
		}
	}
	if c.TopFlags < 0 {
		bad("top_flags = %d, want >= 0", c.TopFlags)
	}
	return errors.Join(errs...)
}

// merged fills the maps' missing keys from Defaults: a config loader that
// replaces a map with the user's (rather than merging it) still keeps the
// default caps and kind weights the user did not mention.
func (c Config) merged() Config {
	d := Defaults()
	for k, v := range c.Caps {
		d.Caps[k] = v
	}
	for k, v := range c.Anomaly.KindWeights {
		d.Anomaly.KindWeights[k] = v
	}
	c.Caps, c.Anomaly.KindWeights = d.Caps, d.Anomaly.KindWeights
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
