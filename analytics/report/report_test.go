package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/analytics/report"
	"memepipe/pipeline"
	"memepipe/store/sqlite"
)

var t0 = time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)

func seeded(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "memepipe.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	asOf := t0.Add(time.Hour)
	if err := s.ReplaceIntegratedScores(ctx, asOf, []analytics.IntegratedScore{
		{Token: "ethereum:0xaaa", Symbol: "PEPE", AsOf: asOf, SentimentScore: analytics.F(74.3), RiskScore: analytics.F(20), AnomalyScore: analytics.F(0),
			IntegratedScore: 77.3, Rank: 1, Breakdown: json.RawMessage(`{"missing":["momentum"]}`)},
		{Token: "ethereum:0xbbb", Symbol: "RUG", AsOf: asOf, RiskScore: analytics.F(97.5), IntegratedScore: 2.5, Rank: 2,
			Flags: []string{"lp_removed_by_creator", "top10_concentration"}},
	}); err != nil {
		t.Fatal(err)
	}
	iv := pipeline.Interval{Start: t0, End: asOf}
	if err := s.ReplaceAnomalies(ctx, "ethereum:0xbbb", iv, []analytics.Anomaly{
		{Token: "ethereum:0xbbb", TS: t0.Add(10 * time.Minute), Kind: "rush_orders", Score: 11.25, Severity: "critical", Evidence: json.RawMessage(`{"block":21300001,"buys":31}`)},
		{Token: "ethereum:0xbbb", TS: t0.Add(40 * time.Minute), Kind: "wash_cycle", Score: 6, Severity: "warn"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceAnomalies(ctx, "ethereum:0xaaa", iv, []analytics.Anomaly{
		{Token: "ethereum:0xaaa", TS: t0.Add(20 * time.Minute), Kind: "volume_spike", Score: 4.5, Severity: "info", Evidence: json.RawMessage(`{"note":"` + strings.Repeat("x", 200) + `"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRiskAssessment(ctx, analytics.RiskScore{Token: "ethereum:0xbbb", AsOf: asOf, RiskScore: 97.5}, []analytics.RiskFlag{
		{Token: "ethereum:0xbbb", Flag: "top10_concentration", AsOf: asOf, Severity: "warn", Source: "onchain", Evidence: json.RawMessage(`{"top10_share":0.8}`)},
		{Token: "ethereum:0xbbb", Flag: "lp_removed_by_creator", AsOf: asOf, Severity: "critical", Source: "onchain"},
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScoresTable(t *testing.T) {
	var b bytes.Buffer
	if err := report.Scores(context.Background(), seeded(t), &b, report.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `as of 2026-11-28T19:00Z
RANK  SYMBOL  SCORE  SENTIMENT  MOMENTUM  ANOMALY  RISK  FLAGS                                      TOKEN
1     PEPE    77.3   74.3       -         0.0      20.0  -                                          ethereum:0xaaa
2     RUG     2.5    -          -         -        97.5  lp_removed_by_creator,top10_concentration  ethereum:0xbbb
`
	if b.String() != want {
		t.Errorf("scores table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestScoresJSON(t *testing.T) {
	var b bytes.Buffer
	if err := report.Scores(context.Background(), seeded(t), &b, report.Options{JSON: true}); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	if len(rows) != 2 || rows[0]["symbol"] != "PEPE" || rows[0]["momentum_score"] != nil || rows[0]["integrated_score"] != 77.3 ||
		rows[1]["rank"] != 2.0 || rows[0]["as_of"] != "2026-11-28T19:00:00Z" {
		t.Errorf("scores JSON = %s", b.String())
	}
	if bd, ok := rows[0]["breakdown"].(map[string]any); !ok || bd["missing"] == nil {
		t.Errorf("breakdown not embedded as JSON: %v", rows[0]["breakdown"])
	}
}

func TestAnomalies(t *testing.T) {
	s := seeded(t)
	var b bytes.Buffer
	if err := report.Anomalies(context.Background(), s, &b, report.Options{Token: "ethereum:0xbbb"}); err != nil {
		t.Fatal(err)
	}
	want := `TS                 TOKEN           KIND         SCORE  SEVERITY  EVIDENCE
2026-11-28T18:40Z  ethereum:0xbbb  wash_cycle   6.0    warn      -
2026-11-28T18:10Z  ethereum:0xbbb  rush_orders  11.2   critical  {"block":21300001,"buys":31}
`
	if b.String() != want {
		t.Errorf("anomalies table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := report.Anomalies(context.Background(), s, &b, report.Options{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 2 || !strings.Contains(b.String(), "wash_cycle") {
		t.Errorf("limit 1:\n%s", b.String())
	}
	b.Reset()
	if err := report.Anomalies(context.Background(), s, &b, report.Options{Token: "ethereum:0xaaa"}); err != nil {
		t.Fatal(err)
	}
	cell := b.String()[strings.Index(b.String(), `{"note"`):]
	if cell = strings.TrimSpace(cell); !strings.HasSuffix(cell, "…") || len([]rune(cell)) != 80 {
		t.Errorf("long evidence not shortened:\n%s", b.String())
	}
	b.Reset()
	if err := report.Anomalies(context.Background(), s, &b, report.Options{Token: "nope", JSON: true}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "[]\n" {
		t.Errorf("no anomalies as JSON = %q, want []", b.String())
	}
	b.Reset()
	if err := report.Anomalies(context.Background(), s, &b, report.Options{Token: "ethereum:0xbbb", JSON: true}); err != nil {
		t.Fatal(err)
	}
	var rows []analytics.Anomaly
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 2 || rows[1].Kind != "rush_orders" || compact(rows[1].Evidence) != `{"block":21300001,"buys":31}` {
		t.Errorf("anomalies JSON = %s, %v", b.String(), err)
	}
}

func TestFlags(t *testing.T) {
	s := seeded(t)
	var b bytes.Buffer
	if err := report.Flags(context.Background(), s, &b, report.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `TOKEN           AS OF              SEVERITY  FLAG                   SOURCE   EVIDENCE
ethereum:0xbbb  2026-11-28T19:00Z  critical  lp_removed_by_creator  onchain  -
ethereum:0xbbb  2026-11-28T19:00Z  warn      top10_concentration    onchain  {"top10_share":0.8}
`
	if b.String() != want {
		t.Errorf("flags table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := report.Flags(context.Background(), s, &b, report.Options{Token: "ethereum:0xaaa"}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "no risk flags\n" {
		t.Errorf("no flags = %q", b.String())
	}
	b.Reset()
	if err := report.Flags(context.Background(), s, &b, report.Options{JSON: true, Token: "ethereum:0xbbb"}); err != nil {
		t.Fatal(err)
	}
	var rows []analytics.RiskFlag
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 2 || rows[0].Flag != "lp_removed_by_creator" || rows[1].Source != "onchain" {
		t.Errorf("flags JSON = %s, %v", b.String(), err)
	}
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, raw)
	return b.String()
}
