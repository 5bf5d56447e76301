package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"memepipe/analytics"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/column"
	"memepipe/store/internal/rowcheck"
)

// severityOrder sorts critical first, then warn, then info.
const severityOrder = `CASE severity WHEN 'critical' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END`

// inTx runs fn in one write transaction, committed if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// compactJSON gives stored JSON back in compact form.
func compactJSON(s string) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return json.RawMessage(s)
	}
	return b.Bytes()
}

// PutSentimentAggregates upserts aggregates by (token, interval).
func (s *Store) PutSentimentAggregates(ctx context.Context, rows []analytics.SentimentAggregate) error {
	checked := make([]analytics.SentimentAggregate, len(rows))
	for i, a := range rows {
		var err error
		if checked[i], err = rowcheck.SentimentAggregate(a); err != nil {
			return fmt.Errorf("put %w", err)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO sentiment_aggregates (token, interval_start, interval_end, volume, unique_authors,
			mean_compound, reach_weighted_compound, bullish_ratio, spam_share, burst_score)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (token, interval_start, interval_end) DO UPDATE SET volume = excluded.volume,
			unique_authors = excluded.unique_authors, mean_compound = excluded.mean_compound,
			reach_weighted_compound = excluded.reach_weighted_compound, bullish_ratio = excluded.bullish_ratio,
			spam_share = excluded.spam_share, burst_score = excluded.burst_score`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, a := range checked {
			if _, err := st.ExecContext(ctx, a.Token, column.TimeText(a.IntervalStart), column.TimeText(a.IntervalEnd), a.Volume, a.UniqueAuthors,
				a.MeanCompound, a.ReachWeightedCompound, a.BullishRatio, a.SpamShare, a.BurstScore); err != nil {
				return fmt.Errorf("%s %s: %w", a.Token, column.TimeText(a.IntervalStart), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put sentiment aggregates: %w", err)
	}
	return nil
}

// SentimentAggregates returns token's aggregates starting in [from, to).
func (s *Store) SentimentAggregates(ctx context.Context, token string, from, to time.Time) ([]analytics.SentimentAggregate, error) {
	from, to = rowcheck.Range(from, to)
	q := `SELECT token, interval_start, interval_end, volume, unique_authors, mean_compound, reach_weighted_compound,
		bullish_ratio, spam_share, burst_score FROM sentiment_aggregates WHERE token = ?`
	args := []any{token}
	if !from.IsZero() {
		q += ` AND interval_start >= ?`
		args = append(args, column.TimeText(from))
	}
	if !to.IsZero() {
		q += ` AND interval_start < ?`
		args = append(args, column.TimeText(to))
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY interval_start, interval_end`, args...)
	if err != nil {
		return nil, fmt.Errorf("sentiment aggregates of %s: %w", token, err)
	}
	defer rows.Close()
	out := []analytics.SentimentAggregate{}
	for rows.Next() {
		var a analytics.SentimentAggregate
		var start, end column.TextTime
		if err := rows.Scan(&a.Token, &start, &end, &a.Volume, &a.UniqueAuthors, &a.MeanCompound, &a.ReachWeightedCompound,
			&a.BullishRatio, &a.SpamShare, &a.BurstScore); err != nil {
			return nil, fmt.Errorf("sentiment aggregates of %s: %w", token, err)
		}
		a.IntervalStart, a.IntervalEnd = start.Time, end.Time
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReplaceAnomalies makes rows what the run over iv found for token.
func (s *Store) ReplaceAnomalies(ctx context.Context, token string, iv pipeline.Interval, rows []analytics.Anomaly) error {
	iv, checked, err := rowcheck.Anomalies(token, iv, rows)
	if err != nil {
		return fmt.Errorf("replace %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM anomalies WHERE token = ? AND interval_start = ? AND interval_end = ?`,
			token, column.TimeText(iv.Start), column.TimeText(iv.End)); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO anomalies (token, kind, ts, score, severity, evidence, interval_start, interval_end)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (token, kind, ts) DO UPDATE SET score = excluded.score, severity = excluded.severity,
			evidence = excluded.evidence, interval_start = excluded.interval_start, interval_end = excluded.interval_end`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, a := range checked {
			if _, err := st.ExecContext(ctx, a.Token, a.Kind, column.TimeText(a.TS), a.Score, a.Severity, string(a.Evidence),
				column.TimeText(iv.Start), column.TimeText(iv.End)); err != nil {
				return fmt.Errorf("%s at %s: %w", a.Kind, column.TimeText(a.TS), err)
			}
		}
		return nil
	})
	if err != nil {
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
	var where []string
	var args []any
	if f.Token != "" {
		where = append(where, `token = ?`)
		args = append(args, f.Token)
	}
	if len(f.Kinds) > 0 {
		where = append(where, `kind IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(f.Kinds)), ", ")+`)`)
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	if len(f.Severities) > 0 {
		where = append(where, `severity IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(f.Severities)), ", ")+`)`)
		for _, v := range f.Severities {
			args = append(args, v)
		}
	}
	if !f.From.IsZero() {
		where = append(where, `ts >= ?`)
		args = append(args, column.TimeText(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, `ts < ?`)
		args = append(args, column.TimeText(f.To))
	}
	q := `SELECT token, kind, ts, score, severity, evidence, interval_start, interval_end FROM anomalies`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY ts DESC, token, kind LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("anomalies: %w", err)
	}
	defer rows.Close()
	out := []analytics.Anomaly{}
	for rows.Next() {
		var a analytics.Anomaly
		var ts, start, end column.TextTime
		var ev string
		if err := rows.Scan(&a.Token, &a.Kind, &ts, &a.Score, &a.Severity, &ev, &start, &end); err != nil {
			return nil, fmt.Errorf("anomalies: %w", err)
		}
		a.TS, a.IntervalStart, a.IntervalEnd, a.Evidence = ts.Time, start.Time, end.Time, compactJSON(ev)
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutRiskAssessment stores a risk score and replaces its flags.
func (s *Store) PutRiskAssessment(ctx context.Context, score analytics.RiskScore, flags []analytics.RiskFlag) error {
	score, flags, err := rowcheck.RiskAssessment(score, flags)
	if err != nil {
		return fmt.Errorf("put %w", err)
	}
	asOf := column.TimeText(score.AsOf)
	var prob any
	if score.RugProbability != nil {
		prob = *score.RugProbability
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_scores (token, as_of, risk_score, rug_probability, breakdown)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (token, as_of) DO UPDATE SET risk_score = excluded.risk_score,
			rug_probability = excluded.rug_probability, breakdown = excluded.breakdown`,
			score.Token, asOf, score.RiskScore, prob, string(score.Breakdown)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM risk_flags WHERE token = ? AND as_of = ?`, score.Token, asOf); err != nil {
			return err
		}
		for _, f := range flags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO risk_flags (token, flag, as_of, severity, evidence, source) VALUES (?, ?, ?, ?, ?, ?)`,
				f.Token, f.Flag, asOf, f.Severity, string(f.Evidence), column.Text(f.Source)); err != nil {
				return fmt.Errorf("flag %s: %w", f.Flag, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put risk assessment of %s as of %s: %w", score.Token, asOf, err)
	}
	return nil
}

// latestAssessments is a subquery of (token, as_of) naming each token's
// latest assessment at or before at, and its arguments.
func latestAssessments(token string, at time.Time) (string, []any) {
	q := `SELECT token, max(as_of) AS as_of FROM risk_scores`
	var where []string
	var args []any
	if token != "" {
		where = append(where, `token = ?`)
		args = append(args, token)
	}
	if !at.IsZero() {
		where = append(where, `as_of <= ?`)
		args = append(args, column.TimeText(at))
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return q + ` GROUP BY token`, args
}

// RiskScores returns each token's latest assessment at or before at.
func (s *Store) RiskScores(ctx context.Context, token string, at time.Time) ([]analytics.RiskScore, error) {
	latest, args := latestAssessments(token, at)
	rows, err := s.r.QueryContext(ctx, `SELECT r.token, r.as_of, r.risk_score, r.rug_probability, r.breakdown
		FROM risk_scores r JOIN (`+latest+`) l ON r.token = l.token AND r.as_of = l.as_of ORDER BY r.token`, args...)
	if err != nil {
		return nil, fmt.Errorf("risk scores: %w", err)
	}
	defer rows.Close()
	out := []analytics.RiskScore{}
	for rows.Next() {
		var r analytics.RiskScore
		var asOf column.TextTime
		var b string
		if err := rows.Scan(&r.Token, &asOf, &r.RiskScore, &r.RugProbability, &b); err != nil {
			return nil, fmt.Errorf("risk scores: %w", err)
		}
		r.AsOf, r.Breakdown = asOf.Time, compactJSON(b)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RiskFlags returns the flags of each token's latest assessment at or
// before at.
func (s *Store) RiskFlags(ctx context.Context, token string, at time.Time) ([]analytics.RiskFlag, error) {
	latest, args := latestAssessments(token, at)
	rows, err := s.r.QueryContext(ctx, `SELECT f.token, f.flag, f.as_of, f.severity, f.evidence, f.source
		FROM risk_flags f JOIN (`+latest+`) l ON f.token = l.token AND f.as_of = l.as_of
		ORDER BY f.token, `+severityOrder+`, f.flag`, args...)
	if err != nil {
		return nil, fmt.Errorf("risk flags: %w", err)
	}
	defer rows.Close()
	out := []analytics.RiskFlag{}
	for rows.Next() {
		var f analytics.RiskFlag
		var asOf column.TextTime
		var ev string
		if err := rows.Scan(&f.Token, &f.Flag, &asOf, &f.Severity, &ev, &f.Source); err != nil {
			return nil, fmt.Errorf("risk flags: %w", err)
		}
		f.AsOf, f.Evidence = asOf.Time, compactJSON(ev)
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
	at := column.TimeText(asOf)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM integrated_scores WHERE as_of = ?`, at); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO integrated_scores (token, as_of, symbol, chain, address,
			sentiment_score, momentum_score, anomaly_score, risk_score, integrated_score, rank, flags, breakdown)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range checked {
			flags, err := json.Marshal(r.Flags)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, r.Token, at, r.Symbol, r.Chain, r.Address,
				r.SentimentScore, r.MomentumScore, r.AnomalyScore, r.RiskScore, r.IntegratedScore, r.Rank,
				column.Text(string(flags)), string(r.Breakdown)); err != nil {
				return fmt.Errorf("%s: %w", r.Token, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace integrated scores as of %s: %w", at, err)
	}
	return nil
}

const integratedColumns = `token, as_of, symbol, chain, address, sentiment_score, momentum_score, anomaly_score, risk_score,
	integrated_score, rank, flags, breakdown`

func (s *Store) integrated(ctx context.Context, q string, args ...any) ([]analytics.IntegratedScore, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+integratedColumns+` FROM integrated_scores `+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []analytics.IntegratedScore{}
	for rows.Next() {
		var r analytics.IntegratedScore
		var asOf column.TextTime
		var flags, b string
		if err := rows.Scan(&r.Token, &asOf, &r.Symbol, &r.Chain, &r.Address, &r.SentimentScore, &r.MomentumScore,
			&r.AnomalyScore, &r.RiskScore, &r.IntegratedScore, &r.Rank, &flags, &b); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(flags), &r.Flags); err != nil {
			return nil, fmt.Errorf("%s: stored flags: %w", r.Token, err)
		}
		if r.Flags == nil {
			r.Flags = []string{}
		}
		r.AsOf, r.Breakdown = asOf.Time, compactJSON(b)
		out = append(out, r)
	}
	return out, rows.Err()
}

// IntegratedScores returns the latest ranking at or before at, by rank.
func (s *Store) IntegratedScores(ctx context.Context, at time.Time) ([]analytics.IntegratedScore, error) {
	q, args := `WHERE as_of = (SELECT max(as_of) FROM integrated_scores)`, []any{}
	if !at.IsZero() {
		q, args = `WHERE as_of = (SELECT max(as_of) FROM integrated_scores WHERE as_of <= ?)`, []any{column.TimeText(at)}
	}
	out, err := s.integrated(ctx, q+` ORDER BY rank`, args...)
	if err != nil {
		return nil, fmt.Errorf("integrated scores: %w", err)
	}
	return out, nil
}

// IntegratedScoreHistory returns token's rows with as_of in [from, to).
func (s *Store) IntegratedScoreHistory(ctx context.Context, token string, from, to time.Time) ([]analytics.IntegratedScore, error) {
	from, to = rowcheck.Range(from, to)
	q, args := `WHERE token = ?`, []any{token}
	if !from.IsZero() {
		q += ` AND as_of >= ?`
		args = append(args, column.TimeText(from))
	}
	if !to.IsZero() {
		q += ` AND as_of < ?`
		args = append(args, column.TimeText(to))
	}
	out, err := s.integrated(ctx, q+` ORDER BY as_of`, args...)
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
	asOf := column.TimeText(c.AsOf)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO analysis_checkpoints (kind, token, as_of, row_count, state)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind, token, as_of) DO UPDATE SET row_count = excluded.row_count, state = excluded.state`,
			c.Kind, c.Token, asOf, c.Rows, c.State); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM analysis_checkpoints WHERE kind = ? AND token = ? AND as_of <
			(SELECT as_of FROM analysis_checkpoints WHERE kind = ? AND token = ? ORDER BY as_of DESC LIMIT 1 OFFSET ?)`,
			c.Kind, c.Token, c.Kind, c.Token, rowcheck.CheckpointsKept-1)
		return err
	})
	if err != nil {
		return fmt.Errorf("put checkpoint %s of %s as of %s: %w", c.Kind, c.Token, asOf, err)
	}
	return nil
}

// DeleteCheckpoints deletes the checkpoints with as_of after after.
func (s *Store) DeleteCheckpoints(ctx context.Context, after time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM analysis_checkpoints WHERE as_of > ?`, column.TimeText(after.UTC().Truncate(time.Microsecond)))
	if err != nil {
		return 0, fmt.Errorf("delete checkpoints after %s: %w", after.Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// LatestCheckpoint returns the kind and token's latest checkpoint at or
// before notAfter (zero: the latest).
func (s *Store) LatestCheckpoint(ctx context.Context, kind, token string, notAfter time.Time) (analytics.Checkpoint, bool, error) {
	notAfter, err := rowcheck.CheckpointKey(kind, token, notAfter)
	if err != nil {
		return analytics.Checkpoint{}, false, err
	}
	q, args := `SELECT as_of, row_count, state FROM analysis_checkpoints WHERE kind = ? AND token = ?`, []any{kind, token}
	if !notAfter.IsZero() {
		q += ` AND as_of <= ?`
		args = append(args, column.TimeText(notAfter))
	}
	c := analytics.Checkpoint{Kind: kind, Token: token}
	var asOf column.TextTime
	err = s.r.QueryRowContext(ctx, q+` ORDER BY as_of DESC LIMIT 1`, args...).Scan(&asOf, &c.Rows, &c.State)
	if errors.Is(err, sql.ErrNoRows) {
		return analytics.Checkpoint{}, false, nil
	}
	if err != nil {
		return analytics.Checkpoint{}, false, fmt.Errorf("latest checkpoint %s of %s: %w", kind, token, err)
	}
	c.AsOf = asOf.Time
	if c.State == nil {
		c.State = []byte{}
	}
	return c, true, nil
}
