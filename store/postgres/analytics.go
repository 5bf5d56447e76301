package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/analytics"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/rowcheck"
)

// severityOrder sorts critical first, then warn, then info. Text keys are
// ordered COLLATE "C" (by bytes), as SQLite orders them, whatever the
// database's collation.
const severityOrder = `CASE severity WHEN 'critical' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END`

// compactJSON gives jsonb back in compact form (PostgreSQL prints it with
// spaces after colons and commas).
func compactJSON(raw []byte) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return json.RawMessage(raw)
	}
	return b.Bytes()
}

// sendBatch queues and runs statements in tx, failing on the first error.
func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

// args numbers placeholders as a query grows.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// PutSentimentAggregates upserts aggregates by (token, interval).
func (s *Store) PutSentimentAggregates(ctx context.Context, rows []analytics.SentimentAggregate) error {
	b := &pgx.Batch{}
	for _, a := range rows {
		a, err := rowcheck.SentimentAggregate(a)
		if err != nil {
			return fmt.Errorf("put %w", err)
		}
		b.Queue(`INSERT INTO sentiment_aggregates (token, interval_start, interval_end, volume, unique_authors,
			mean_compound, reach_weighted_compound, bullish_ratio, spam_share, burst_score)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (token, interval_start, interval_end) DO UPDATE SET volume = excluded.volume,
			unique_authors = excluded.unique_authors, mean_compound = excluded.mean_compound,
			reach_weighted_compound = excluded.reach_weighted_compound, bullish_ratio = excluded.bullish_ratio,
			spam_share = excluded.spam_share, burst_score = excluded.burst_score`,
			a.Token, a.IntervalStart, a.IntervalEnd, a.Volume, a.UniqueAuthors,
			a.MeanCompound, a.ReachWeightedCompound, a.BullishRatio, a.SpamShare, a.BurstScore)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sendBatch(ctx, tx, b) })
	if err != nil {
		return fmt.Errorf("put sentiment aggregates: %w", err)
	}
	return nil
}

// SentimentAggregates returns token's aggregates starting in [from, to).
func (s *Store) SentimentAggregates(ctx context.Context, token string, from, to time.Time) ([]analytics.SentimentAggregate, error) {
	from, to = rowcheck.Range(from, to)
	var a args
	q := `SELECT token, interval_start, interval_end, volume, unique_authors, mean_compound, reach_weighted_compound,
		bullish_ratio, spam_share, burst_score FROM sentiment_aggregates WHERE token = ` + a.add(token)
	if !from.IsZero() {
		q += ` AND interval_start >= ` + a.add(from)
	}
	if !to.IsZero() {
		q += ` AND interval_start < ` + a.add(to)
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY interval_start, interval_end`, a...)
	if err != nil {
		return nil, fmt.Errorf("sentiment aggregates of %s: %w", token, err)
	}
	defer rows.Close()
	out := []analytics.SentimentAggregate{}
	for rows.Next() {
		var g analytics.SentimentAggregate
		if err := rows.Scan(&g.Token, &g.IntervalStart, &g.IntervalEnd, &g.Volume, &g.UniqueAuthors, &g.MeanCompound,
			&g.ReachWeightedCompound, &g.BullishRatio, &g.SpamShare, &g.BurstScore); err != nil {
			return nil, fmt.Errorf("sentiment aggregates of %s: %w", token, err)
		}
		g.IntervalStart, g.IntervalEnd = g.IntervalStart.UTC(), g.IntervalEnd.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// ReplaceAnomalies makes rows what the run over iv found for token.
func (s *Store) ReplaceAnomalies(ctx context.Context, token string, iv pipeline.Interval, rows []analytics.Anomaly) error {
	iv, checked, err := rowcheck.Anomalies(token, iv, rows)
	if err != nil {
		return fmt.Errorf("replace %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM anomalies WHERE token = $1 AND interval_start = $2 AND interval_end = $3`, token, iv.Start, iv.End)
	for _, a := range checked {
		b.Queue(`INSERT INTO anomalies (token, kind, ts, score, severity, evidence, interval_start, interval_end)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (token, kind, ts) DO UPDATE SET score = excluded.score, severity = excluded.severity,
			evidence = excluded.evidence, interval_start = excluded.interval_start, interval_end = excluded.interval_end`,
			a.Token, a.Kind, a.TS, a.Score, a.Severity, string(a.Evidence), iv.Start, iv.End)
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sendBatch(ctx, tx, b) }); err != nil {
		return fmt.Errorf("replace anomalies of %s for %s: %w", token, iv, err)
	}
	return nil
}

// Anomalies returns anomalies newest first.
func (s *Store) Anomalies(ctx context.Context, f store.AnomalyFilter) ([]analytics.Anomaly, error) {
	f, err := rowcheck.AnomalyFilter(f)
	if err != nil {
		return nil, err
	}
	var a args
	var where []string
	if f.Token != "" {
		where = append(where, `token = `+a.add(f.Token))
	}
	if len(f.Kinds) > 0 {
		where = append(where, `kind = ANY(`+a.add(f.Kinds)+`)`)
	}
	if len(f.Severities) > 0 {
		where = append(where, `severity = ANY(`+a.add(f.Severities)+`)`)
	}
	if !f.From.IsZero() {
		where = append(where, `ts >= `+a.add(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, `ts < `+a.add(f.To))
	}
	q := `SELECT token, kind, ts, score, severity, evidence, interval_start, interval_end FROM anomalies`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY ts DESC, token COLLATE "C", kind COLLATE "C" LIMIT `+a.add(f.Limit), a...)
	if err != nil {
		return nil, fmt.Errorf("anomalies: %w", err)
	}
	defer rows.Close()
	out := []analytics.Anomaly{}
	for rows.Next() {
		var an analytics.Anomaly
		var ev []byte
		if err := rows.Scan(&an.Token, &an.Kind, &an.TS, &an.Score, &an.Severity, &ev, &an.IntervalStart, &an.IntervalEnd); err != nil {
			return nil, fmt.Errorf("anomalies: %w", err)
		}
		an.TS, an.IntervalStart, an.IntervalEnd, an.Evidence = an.TS.UTC(), an.IntervalStart.UTC(), an.IntervalEnd.UTC(), compactJSON(ev)
		out = append(out, an)
	}
	return out, rows.Err()
}

// PutRiskAssessment stores a risk score and replaces its flags.
func (s *Store) PutRiskAssessment(ctx context.Context, score analytics.RiskScore, flags []analytics.RiskFlag) error {
	score, flags, err := rowcheck.RiskAssessment(score, flags)
	if err != nil {
		return fmt.Errorf("put %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO risk_scores (token, as_of, risk_score, rug_probability, breakdown)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (token, as_of) DO UPDATE SET risk_score = excluded.risk_score,
		rug_probability = excluded.rug_probability, breakdown = excluded.breakdown`,
		score.Token, score.AsOf, score.RiskScore, score.RugProbability, string(score.Breakdown))
	b.Queue(`DELETE FROM risk_flags WHERE token = $1 AND as_of = $2`, score.Token, score.AsOf)
	for _, f := range flags {
		b.Queue(`INSERT INTO risk_flags (token, flag, as_of, severity, evidence, source) VALUES ($1, $2, $3, $4, $5, $6)`,
			f.Token, f.Flag, score.AsOf, f.Severity, string(f.Evidence), column.Text(f.Source))
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sendBatch(ctx, tx, b) }); err != nil {
		return fmt.Errorf("put risk assessment of %s as of %s: %w", score.Token, score.AsOf.Format(time.RFC3339Nano), err)
	}
	return nil
}

// latestAssessments is a subquery of (token, as_of) naming each token's
// latest assessment at or before at.
func latestAssessments(a *args, token string, at time.Time) string {
	q := `SELECT token, max(as_of) AS as_of FROM risk_scores`
	var where []string
	if token != "" {
		where = append(where, `token = `+a.add(token))
	}
	if !at.IsZero() {
		where = append(where, `as_of <= `+a.add(column.Time(at)))
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return q + ` GROUP BY token`
}

// RiskScores returns each token's latest assessment at or before at.
func (s *Store) RiskScores(ctx context.Context, token string, at time.Time) ([]analytics.RiskScore, error) {
	var a args
	latest := latestAssessments(&a, token, at)
	rows, err := s.pool.Query(ctx, `SELECT r.token, r.as_of, r.risk_score, r.rug_probability, r.breakdown
		FROM risk_scores r JOIN (`+latest+`) l ON r.token = l.token AND r.as_of = l.as_of ORDER BY r.token COLLATE "C"`, a...)
	if err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	defer rows.Close()
	out := []analytics.RiskScore{}
	for rows.Next() {
		var r analytics.RiskScore
		var b []byte
		if err := rows.Scan(&r.Token, &r.AsOf, &r.RiskScore, &r.RugProbability, &b); err != nil {
			return nil, fmt.Errorf("risk scores: %w", err)
		}
		r.AsOf, r.Breakdown = r.AsOf.UTC(), compactJSON(b)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RiskFlags returns the flags of each token's latest assessment at or
// before at.
func (s *Store) RiskFlags(ctx context.Context, token string, at time.Time) ([]analytics.RiskFlag, error) {
	var a args
	latest := latestAssessments(&a, token, at)
	rows, err := s.pool.Query(ctx, `SELECT f.token, f.flag, f.as_of, f.severity, f.evidence, f.source
		FROM risk_flags f JOIN (`+latest+`) l ON f.token = l.token AND f.as_of = l.as_of
		ORDER BY f.token COLLATE "C", `+severityOrder+`, f.flag COLLATE "C"`, a...)
	if err != nil {
		return nil, fmt.Errorf("risk flags: %w", err)
	}
	defer rows.Close()
	out := []analytics.RiskFlag{}
	for rows.Next() {
		var f analytics.RiskFlag
		var ev []byte
		if err := rows.Scan(&f.Token, &f.Flag, &f.AsOf, &f.Severity, &ev, &f.Source); err != nil {
			return nil, fmt.Errorf("risk flags: %w", err)
		}
		f.AsOf, f.Evidence = f.AsOf.UTC(), compactJSON(ev)
		out = append(out, f)
	}
	return out, rows.Err()
}

// ReplaceIntegratedScores makes rows the ranking at asOf.
func (s *Store) ReplaceIntegratedScores(ctx context.Context, asOf time.Time, rows []analytics.IntegratedScore) error {
	asOf, checked, err := rowcheck.IntegratedScores(asOf, rows)
	if err != nil {
		return fmt.Errorf("replace %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM integrated_scores WHERE as_of = $1`, asOf)
	for _, r := range checked {
		flags, err := json.Marshal(r.Flags)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO integrated_scores (token, as_of, symbol, chain, address,
			sentiment_score, momentum_score, anomaly_score, risk_score, integrated_score, rank, flags, breakdown)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			r.Token, asOf, r.Symbol, r.Chain, r.Address, r.SentimentScore, r.MomentumScore, r.AnomalyScore, r.RiskScore,
			r.IntegratedScore, r.Rank, column.Text(string(flags)), string(r.Breakdown))
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sendBatch(ctx, tx, b) }); err != nil {
		return fmt.Errorf("replace integrated scores as of %s: %w", asOf.Format(time.RFC3339Nano), err)
	}
	return nil
}

const integratedColumns = `token, as_of, symbol, chain, address, sentiment_score, momentum_score, anomaly_score, risk_score,
	integrated_score, rank, flags, breakdown`

func (s *Store) integrated(ctx context.Context, q string, a args) ([]analytics.IntegratedScore, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+integratedColumns+` FROM integrated_scores `+q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []analytics.IntegratedScore{}
	for rows.Next() {
		var r analytics.IntegratedScore
		var flags, b []byte
		if err := rows.Scan(&r.Token, &r.AsOf, &r.Symbol, &r.Chain, &r.Address, &r.SentimentScore, &r.MomentumScore,
			&r.AnomalyScore, &r.RiskScore, &r.IntegratedScore, &r.Rank, &flags, &b); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(flags, &r.Flags); err != nil {
			return nil, fmt.Errorf("%s: stored flags: %w", r.Token, err)
		}
		if r.Flags == nil {
			r.Flags = []string{}
		}
		r.AsOf, r.Breakdown = r.AsOf.UTC(), compactJSON(b)
		out = append(out, r)
	}
	return out, rows.Err()
}

// IntegratedScores returns the latest ranking at or before at, by rank.
func (s *Store) IntegratedScores(ctx context.Context, at time.Time) ([]analytics.IntegratedScore, error) {
	var a args
	q := `WHERE as_of = (SELECT max(as_of) FROM integrated_scores)`
	if !at.IsZero() {
		q = `WHERE as_of = (SELECT max(as_of) FROM integrated_scores WHERE as_of <= ` + a.add(column.Time(at)) + `)`
	}
	out, err := s.integrated(ctx, q+` ORDER BY rank`, a)
	if err != nil {
		return nil, fmt.Errorf("integrated scores: %w", err)
	}
	return out, nil
}

// IntegratedScoreHistory returns token's rows with as_of in [from, to).
func (s *Store) IntegratedScoreHistory(ctx context.Context, token string, from, to time.Time) ([]analytics.IntegratedScore, error) {
	from, to = rowcheck.Range(from, to)
	var a args
	q := `WHERE token = ` + a.add(token)
	if !from.IsZero() {
		q += ` AND as_of >= ` + a.add(from)
	}
	if !to.IsZero() {
		q += ` AND as_of < ` + a.add(to)
	}
	out, err := s.integrated(ctx, q+` ORDER BY as_of`, a)
	if err != nil {
		return nil, fmt.Errorf("integrated score history of %s: %w", token, err)
	}
	return out, nil
}

// PutCheckpoint stores c and prunes the kind and token's checkpoints to the
// newest rowcheck.CheckpointsKept.
func (s *Store) PutCheckpoint(ctx context.Context, c analytics.Checkpoint) error {
	c, err := rowcheck.Checkpoint(c)
	if err != nil {
		return fmt.Errorf("put %w", err)
	}
	b := &pgx.Batch{}
	// One writer per kind and token at a time, so two runs putting at once
	// cannot both prune before either inserts (which left four).
	b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended('analysis_checkpoints/' || $1 || '/' || $2, 0))`, c.Kind, c.Token)
	b.Queue(`INSERT INTO analysis_checkpoints (kind, token, as_of, row_count, state)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (kind, token, as_of) DO UPDATE SET row_count = excluded.row_count, state = excluded.state`,
		c.Kind, c.Token, c.AsOf, c.Rows, c.State)
	b.Queue(`DELETE FROM analysis_checkpoints WHERE kind = $1 AND token = $2 AND as_of <
		(SELECT as_of FROM analysis_checkpoints WHERE kind = $1 AND token = $2 ORDER BY as_of DESC LIMIT 1 OFFSET $3)`,
		c.Kind, c.Token, rowcheck.CheckpointsKept-1)
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return sendBatch(ctx, tx, b) }); err != nil {
		return fmt.Errorf("put checkpoint %s of %s as of %s: %w", c.Kind, c.Token, c.AsOf.Format(time.RFC3339Nano), err)
	}
	return nil
}

// DeleteCheckpoints deletes the checkpoints with as_of after after.
func (s *Store) DeleteCheckpoints(ctx context.Context, after time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM analysis_checkpoints WHERE as_of > $1`, after.UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("delete checkpoints after %s: %w", after.Format(time.RFC3339), err)
	}
	return int(tag.RowsAffected()), nil
}

// LatestCheckpoint returns the kind and token's latest checkpoint at or
// before notAfter (zero: the latest).
func (s *Store) LatestCheckpoint(ctx context.Context, kind, token string, notAfter time.Time) (analytics.Checkpoint, bool, error) {
	notAfter, err := rowcheck.CheckpointKey(kind, token, notAfter)
	if err != nil {
		return analytics.Checkpoint{}, false, err
	}
	var a args
	q := `SELECT as_of, row_count, state FROM analysis_checkpoints WHERE kind = ` + a.add(kind) + ` AND token = ` + a.add(token)
	if !notAfter.IsZero() {
		q += ` AND as_of <= ` + a.add(notAfter)
	}
	c := analytics.Checkpoint{Kind: kind, Token: token}
	err = s.pool.QueryRow(ctx, q+` ORDER BY as_of DESC LIMIT 1`, a...).Scan(&c.AsOf, &c.Rows, &c.State)
	if errors.Is(err, pgx.ErrNoRows) {
		return analytics.Checkpoint{}, false, nil
	}
	if err != nil {
		return analytics.Checkpoint{}, false, fmt.Errorf("latest checkpoint %s of %s: %w", kind, token, err)
	}
	c.AsOf = c.AsOf.UTC()
	if c.State == nil {
		c.State = []byte{}
	}
	return c, true, nil
}
