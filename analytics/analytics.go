// Package analytics holds the rows the analyzers produce and the store keeps:
// per-interval sentiment aggregates, anomalies, risk flags and scores, the
// integrated score, and the analyses' replay checkpoints. It is plain data with no I/O, so the analyzers, the
// store and the read-side commands can all share it without import cycles
// (store imports analytics; analytics imports nothing of ours).
//
// Nullable numbers are pointers: a component that could not be computed
// (no tweets, no bars) is nil, never 0, because 0 is a real score.
// JSON fields (evidence, breakdown) are kept as raw JSON: the producers
// marshal their own structs, and PostgreSQL's jsonb may give the keys back
// in another order, so compare them as values, not as bytes.
package analytics

import (
	"encoding/json"
	"time"
)

// SentimentAggregate is what the crowd said about one token in one data
// interval [IntervalStart, IntervalEnd), from analyze/sentiment. Natural
// key: (Token, IntervalStart, IntervalEnd).
type SentimentAggregate struct {
	Token         string    `json:"token"`
	IntervalStart time.Time `json:"interval_start"`
	IntervalEnd   time.Time `json:"interval_end"`
	// Volume is the number of texts, UniqueAuthors the number of distinct
	// accounts that wrote them.
	Volume        int `json:"volume"`
	UniqueAuthors int `json:"unique_authors"`
	// MeanCompound is the plain mean compound score in [-1, 1];
	// ReachWeightedCompound weights each text by its author's reach
	// (followers, engagement), so a large account counts more.
	MeanCompound          float64 `json:"mean_compound"`
	ReachWeightedCompound float64 `json:"reach_weighted_compound"`
	// BullishRatio is the share of positive texts among positive and
	// negative ones, in [0, 1]; SpamShare the share of texts scored as
	// spam or bot text, in [0, 1].
	BullishRatio float64 `json:"bullish_ratio"`
	SpamShare    float64 `json:"spam_share"`
	// BurstScore is a z-like score of how bursty the posting was (many
	// texts in a short time, as bot campaigns post); 0 when calm.
	BurstScore float64 `json:"burst_score"`
}

// Anomaly is one unusual event found by analyze/anomaly. Natural key:
// (Token, Kind, TS). IntervalStart/IntervalEnd are the data interval of the
// run that found it: re-running that interval replaces what it found.
type Anomaly struct {
	Token         string          `json:"token"`
	TS            time.Time       `json:"ts"`
	Kind          string          `json:"kind"`
	Score         float64         `json:"score"`
	Severity      string          `json:"severity"` // info, warn, critical
	Evidence      json.RawMessage `json:"evidence"`
	IntervalStart time.Time       `json:"interval_start"`
	IntervalEnd   time.Time       `json:"interval_end"`
}

// RiskFlag is one risk finding about a token as of a time, from
// analyze/risk. Natural key: (Token, Flag, AsOf).
type RiskFlag struct {
	Token    string          `json:"token"`
	Flag     string          `json:"flag"` // risk flag code, e.g. lp_removed_by_creator
	AsOf     time.Time       `json:"as_of"`
	Severity string          `json:"severity"` // info, warn, critical
	Evidence json.RawMessage `json:"evidence"`
	// Source says what raised it: contract, onchain, market, model.
	Source string `json:"source"`
}

// RiskScore is a token's risk assessment as of a time. Natural key:
// (Token, AsOf).
type RiskScore struct {
	Token string    `json:"token"`
	AsOf  time.Time `json:"as_of"`
	// RiskScore is 0 (no known risk) to 100 (a rug), risk.Assess's score.
	RiskScore float64 `json:"risk_score"`
	// RugProbability is the rug model's output, nil when its features
	// could not be computed (no pair events yet).
	RugProbability *float64        `json:"rug_probability"`
	Breakdown      json.RawMessage `json:"breakdown"`
}

// IntegratedScore is one token's row of the ranking at AsOf (the end of the
// data interval scored), from analyze/score. Natural key: (Token, AsOf).
//
// Component scores are 0-100 and nil when the component had no input.
// Sentiment and momentum: higher is better, 50 neutral. Anomaly and risk:
// higher is worse (more manipulation signals, more risk); the integrated
// score counts them inverted. IntegratedScore is 0-100, higher is better.
type IntegratedScore struct {
	Token   string    `json:"token"` // watchlist key: chain:address, or the symbol
	Symbol  string    `json:"symbol"`
	Chain   string    `json:"chain"`
	Address string    `json:"address"`
	AsOf    time.Time `json:"as_of"`

	SentimentScore *float64 `json:"sentiment_score"`
	MomentumScore  *float64 `json:"momentum_score"`
	AnomalyScore   *float64 `json:"anomaly_score"`
	RiskScore      *float64 `json:"risk_score"`

	IntegratedScore float64 `json:"integrated_score"`
	// Rank is 1 for the best token at AsOf; ties are ordered by token key,
	// so ranks are 1..n without gaps or repeats.
	Rank int `json:"rank"`
	// Flags are the token's top risk flags (hard-fact overrides first).
	Flags     []string        `json:"flags"`
	Breakdown json.RawMessage `json:"breakdown"`
}

// Checkpoint is an analysis's replay state for one token at a time, so the
// next run resumes from it instead of replaying the token's whole history.
// Natural key: (Kind, Token, AsOf); the store keeps a kind and token's
// newest three.
type Checkpoint struct {
	Kind  string    // whose state, e.g. "risk.chain"
	Token string    // watchlist key
	AsOf  time.Time // the state covers the rows with time < AsOf
	Rows  int64     // how many rows it covers: a reader checks the store still holds exactly those
	State []byte    // opaque to the store (the analysis encodes it; may be a few MB, binary, with zero bytes)
}

// F returns a pointer to v, for the nullable fields.
func F(v float64) *float64 { return &v }
