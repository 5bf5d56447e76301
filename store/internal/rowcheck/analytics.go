package rowcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"memepipe/analytics"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/column"
)

// Severities are the grades anomalies and flags carry, worst last.
var severities = []string{"info", "warn", "critical"}

// SeverityRank is 0 for info, 1 warn, 2 critical, -1 for anything else.
func SeverityRank(s string) int { return slices.Index(severities, s) }

func finite(what string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s is %v, want a finite number", what, v)
	}
	return nil
}

func within(what string, v, lo, hi float64) error {
	if err := finite(what, v); err != nil {
		return err
	}
	if v < lo || v > hi {
		return fmt.Errorf("%s = %v, want %v..%v", what, v, lo, hi)
	}
	return nil
}

// JSON checks raw JSON for a column and compacts it; empty or null becomes
// {} (every JSON column holds an object or array, never NULL).
func JSON(what string, raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(`{}`), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", what, err)
	}
	return json.RawMessage(column.Text(b.String())), nil
}

// SentimentAggregate checks and normalizes one aggregate row.
func SentimentAggregate(a analytics.SentimentAggregate) (analytics.SentimentAggregate, error) {
	where := fmt.Sprintf("sentiment aggregate %s %s", a.Token, pipeline.Interval{Start: a.IntervalStart, End: a.IntervalEnd})
	if strings.TrimSpace(a.Token) == "" {
		return a, fmt.Errorf("%s: empty token", where)
	}
	if a.IntervalStart.IsZero() || !a.IntervalEnd.After(a.IntervalStart) {
		return a, fmt.Errorf("%s: bad interval: end must be after start", where)
	}
	if a.Volume < 0 || a.UniqueAuthors < 0 || a.UniqueAuthors > a.Volume {
		return a, fmt.Errorf("%s: volume %d, unique authors %d: want 0 <= authors <= volume", where, a.Volume, a.UniqueAuthors)
	}
	for _, c := range []struct {
		name   string
		v      float64
		lo, hi float64
	}{
		{"mean_compound", a.MeanCompound, -1, 1},
		{"reach_weighted_compound", a.ReachWeightedCompound, -1, 1},
		{"bullish_ratio", a.BullishRatio, 0, 1},
		{"spam_share", a.SpamShare, 0, 1},
		{"burst_score", a.BurstScore, math.Inf(-1), math.Inf(1)},
	} {
		if err := within(c.name, c.v, c.lo, c.hi); err != nil {
			return a, fmt.Errorf("%s: %w", where, err)
		}
	}
	a.IntervalStart, a.IntervalEnd = column.Time(a.IntervalStart), column.Time(a.IntervalEnd)
	return a, nil
}

// Anomalies checks the rows ReplaceAnomalies gets, sets their interval to
// iv and merges rows sharing a natural key (two whale transfers in one
// block share token, kind and ts): the highest score is kept, so the
// stored row does not depend on the detector's emission order.
func Anomalies(token string, iv pipeline.Interval, rows []analytics.Anomaly) (pipeline.Interval, []analytics.Anomaly, error) {
	where := fmt.Sprintf("anomalies of %s for %s", token, iv)
	if strings.TrimSpace(token) == "" {
		return iv, nil, fmt.Errorf("%s: empty token", where)
	}
	if iv.Start.IsZero() || !iv.End.After(iv.Start) {
		return iv, nil, fmt.Errorf("%s: bad interval: end must be after start", where)
	}
	iv = pipeline.Interval{Start: column.Time(iv.Start), End: column.Time(iv.End)}
	type key struct {
		kind string
		ts   time.Time
	}
	byKey := map[key]int{}
	out := make([]analytics.Anomaly, 0, len(rows))
	for i, a := range rows {
		if a.Token != token {
			return iv, nil, fmt.Errorf("%s: row %d is for token %q", where, i, a.Token)
		}
		if a.Kind == "" || a.TS.IsZero() {
			return iv, nil, fmt.Errorf("%s: row %d: empty kind or ts", where, i)
		}
		if SeverityRank(a.Severity) < 0 {
			return iv, nil, fmt.Errorf("%s: row %d (%s at %s): severity %q, want info, warn or critical", where, i, a.Kind, a.TS.Format(time.RFC3339), a.Severity)
		}
		if err := finite("score", a.Score); err != nil {
			return iv, nil, fmt.Errorf("%s: row %d (%s): %w", where, i, a.Kind, err)
		}
		ev, err := JSON("evidence", a.Evidence)
		if err != nil {
			return iv, nil, fmt.Errorf("%s: row %d (%s): %w", where, i, a.Kind, err)
		}
		a.Evidence = ev
		a.TS = column.Time(a.TS)
		a.IntervalStart, a.IntervalEnd = iv.Start, iv.End
		k := key{a.Kind, a.TS}
		if j, ok := byKey[k]; ok {
			if a.Score > out[j].Score || (a.Score == out[j].Score && string(a.Evidence) > string(out[j].Evidence)) {
				out[j] = a
			}
			continue
		}
		byKey[k] = len(out)
		out = append(out, a)
	}
	return iv, out, nil
}

// AnomalyFilter checks an AnomalyFilter and fills its default limit.
func AnomalyFilter(f store.AnomalyFilter) (store.AnomalyFilter, error) {
	if f.Limit < 0 {
		return f, fmt.Errorf("anomalies: negative limit %d", f.Limit)
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	for _, s := range f.Severities {
		if SeverityRank(s) < 0 {
			return f, fmt.Errorf("anomalies: unknown severity %q", s)
		}
	}
	if !f.From.IsZero() {
		f.From = column.Time(f.From)
	}
	if !f.To.IsZero() {
		f.To = column.Time(f.To)
	}
	return f, nil
}

// RiskAssessment checks a score and its flags. Flags repeating a code are
// merged, keeping the worst severity.
func RiskAssessment(s analytics.RiskScore, flags []analytics.RiskFlag) (analytics.RiskScore, []analytics.RiskFlag, error) {
	where := fmt.Sprintf("risk assessment of %s as of %s", s.Token, s.AsOf.UTC().Format(time.RFC3339))
	if strings.TrimSpace(s.Token) == "" || s.AsOf.IsZero() {
		return s, nil, fmt.Errorf("%s: empty token or as_of", where)
	}
	if err := within("risk_score", s.RiskScore, 0, 100); err != nil {
		return s, nil, fmt.Errorf("%s: %w", where, err)
	}
	if s.RugProbability != nil {
		if err := within("rug_probability", *s.RugProbability, 0, 1); err != nil {
			return s, nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	b, err := JSON("breakdown", s.Breakdown)
	if err != nil {
		return s, nil, fmt.Errorf("%s: %w", where, err)
	}
	s.Breakdown = b
	s.AsOf = column.Time(s.AsOf)
	byCode := map[string]int{}
	out := make([]analytics.RiskFlag, 0, len(flags))
	for i, f := range flags {
		if f.Token != s.Token || !column.Time(f.AsOf).Equal(s.AsOf) {
			return s, nil, fmt.Errorf("%s: flag %d (%s) is for %s as of %s", where, i, f.Flag, f.Token, f.AsOf.UTC().Format(time.RFC3339))
		}
		if f.Flag == "" {
			return s, nil, fmt.Errorf("%s: flag %d: empty code", where, i)
		}
		if SeverityRank(f.Severity) < 0 {
			return s, nil, fmt.Errorf("%s: flag %s: severity %q, want info, warn or critical", where, f.Flag, f.Severity)
		}
		ev, err := JSON("evidence", f.Evidence)
		if err != nil {
			return s, nil, fmt.Errorf("%s: flag %s: %w", where, f.Flag, err)
		}
		f.Evidence, f.AsOf = ev, s.AsOf
		if j, ok := byCode[f.Flag]; ok {
			if SeverityRank(f.Severity) > SeverityRank(out[j].Severity) {
				out[j] = f
			}
			continue
		}
		byCode[f.Flag] = len(out)
		out = append(out, f)
	}
	return s, out, nil
}

// IntegratedScores checks a ranking for ReplaceIntegratedScores.
func IntegratedScores(asOf time.Time, rows []analytics.IntegratedScore) (time.Time, []analytics.IntegratedScore, error) {
	where := "integrated scores as of " + asOf.UTC().Format(time.RFC3339)
	if asOf.IsZero() {
		return asOf, nil, fmt.Errorf("%s: zero as_of", where)
	}
	asOf = column.Time(asOf)
	tokens := map[string]bool{}
	ranks := map[int]string{}
	out := make([]analytics.IntegratedScore, 0, len(rows))
	for _, r := range rows {
		if strings.TrimSpace(r.Token) == "" {
			return asOf, nil, fmt.Errorf("%s: a row has an empty token", where)
		}
		if !column.Time(r.AsOf).Equal(asOf) {
			return asOf, nil, fmt.Errorf("%s: row %s is as of %s", where, r.Token, r.AsOf.UTC().Format(time.RFC3339))
		}
		if tokens[r.Token] {
			return asOf, nil, fmt.Errorf("%s: token %s appears twice", where, r.Token)
		}
		tokens[r.Token] = true
		if r.Rank < 1 {
			return asOf, nil, fmt.Errorf("%s: %s has rank %d, ranks start at 1", where, r.Token, r.Rank)
		}
		if other, ok := ranks[r.Rank]; ok {
			return asOf, nil, fmt.Errorf("%s: %s and %s share rank %d", where, other, r.Token, r.Rank)
		}
		ranks[r.Rank] = r.Token
		for _, c := range []struct {
			name string
			v    *float64
		}{
			{"sentiment_score", r.SentimentScore}, {"momentum_score", r.MomentumScore},
			{"anomaly_score", r.AnomalyScore}, {"risk_score", r.RiskScore}, {"integrated_score", &r.IntegratedScore},
		} {
			if c.v != nil {
				if err := within(c.name, *c.v, 0, 100); err != nil {
					return asOf, nil, fmt.Errorf("%s: %s: %w", where, r.Token, err)
				}
			}
		}
		b, err := JSON("breakdown", r.Breakdown)
		if err != nil {
			return asOf, nil, fmt.Errorf("%s: %s: %w", where, r.Token, err)
		}
		r.Breakdown, r.AsOf = b, asOf
		if r.Flags == nil {
			r.Flags = []string{}
		}
		r.Symbol, r.Chain, r.Address = column.Text(r.Symbol), column.Text(r.Chain), column.Text(r.Address)
		out = append(out, r)
	}
	return asOf, out, nil
}

// Range normalizes optional [from, to) bounds.
func Range(from, to time.Time) (time.Time, time.Time) {
	if !from.IsZero() {
		from = column.Time(from)
	}
	if !to.IsZero() {
		to = column.Time(to)
	}
	return from, to
}

// CheckpointsKept is how many checkpoints PutCheckpoint keeps per kind and
// token: the newest, by as_of.
const CheckpointsKept = 3

// Checkpoint checks c for PutCheckpoint and normalizes it: as_of to the
// stored precision (a microsecond), a nil state to an empty one.
func Checkpoint(c analytics.Checkpoint) (analytics.Checkpoint, error) {
	where := fmt.Sprintf("checkpoint %q of %q as of %s", c.Kind, c.Token, c.AsOf.UTC().Format(time.RFC3339Nano))
	if strings.TrimSpace(c.Kind) == "" || strings.TrimSpace(c.Token) == "" {
		return c, fmt.Errorf("%s: empty kind or token", where)
	}
	if c.AsOf.IsZero() {
		return c, fmt.Errorf("%s: zero as_of", where)
	}
	if c.Rows < 0 {
		return c, fmt.Errorf("%s: rows = %d, want >= 0", where, c.Rows)
	}
	c.AsOf = column.Time(c.AsOf)
	if c.State == nil {
		c.State = []byte{}
	}
	return c, nil
}

// CheckpointKey checks LatestCheckpoint's arguments and normalizes notAfter
// (zero stays zero: no bound).
func CheckpointKey(kind, token string, notAfter time.Time) (time.Time, error) {
	if strings.TrimSpace(kind) == "" || strings.TrimSpace(token) == "" {
		return notAfter, fmt.Errorf("latest checkpoint %q of %q: empty kind or token", kind, token)
	}
	if notAfter.IsZero() {
		return notAfter, nil
	}
	return column.Time(notAfter), nil
}

// RateTake checks TakeRateToken's arguments.
func RateTake(name string, perSecond float64, burst int) error {
	if name == "" || perSecond <= 0 || burst < 1 {
		return errors.New("take rate token: need a name, a positive rate and a burst of at least 1")
	}
	return nil
}

// PoolAcquire checks AcquirePoolSlot's arguments.
func PoolAcquire(pool string, size int, holder string) error {
	if pool == "" || holder == "" || size < 1 {
		return errors.New("acquire pool slot: need a pool, a holder and a size of at least 1")
	}
	return nil
}
