package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/score"
	"memepipe/pipeline"
	"memepipe/store/sqlite"
	"memepipe/watchlist"
)

// The analyze issue's read-side contract: memepipe scores, anomalies and
// flags read what the analytics wrote, as tables and as JSON.
func TestAnalyticsCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "memepipe.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	iv := pipeline.Interval{Start: time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 19, 0, 0, 0, time.UTC)}
	pepe := watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933"}
	rug := watchlist.Token{Symbol: "RUG", Chain: "ethereum", Address: "0x00000000000000000000000000000000000000aa"}
	rugFlags := []analytics.RiskFlag{{Token: rug.Key(), Flag: "lp_removed_by_creator", AsOf: iv.End, Severity: "critical", Source: "onchain",
		Evidence: json.RawMessage(`{"removed_share":0.98}`)}}
	if err := st.PutRiskAssessment(ctx, analytics.RiskScore{Token: rug.Key(), AsOf: iv.End, RiskScore: 98}, rugFlags); err != nil {
		t.Fatal(err)
	}
	found := []analytics.Anomaly{{Token: rug.Key(), TS: iv.Start.Add(5 * time.Minute), Kind: "rush_orders", Score: 12, Severity: "critical"}}
	if err := st.ReplaceAnomalies(ctx, rug.Key(), iv, found); err != nil {
		t.Fatal(err)
	}
	res, err := score.Defaults().Rank(iv.End, []score.Input{
		{Token: pepe, Risk: &analytics.RiskScore{Token: pepe.Key(), AsOf: iv.End, RiskScore: 10}, AnomaliesScanned: true},
		{Token: rug, Risk: &analytics.RiskScore{Token: rug.Key(), AsOf: iv.End, RiskScore: 98}, Flags: rugFlags, AnomaliesScanned: true, Anomalies: found},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ReplaceIntegratedScores(ctx, iv.End, res.Rows); err != nil {
		t.Fatal(err)
	}
	st.Close()

	r := memepipe(t, dir, nil, "scores", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "RANK  SYMBOL  SCORE") || !strings.Contains(r.stdout, "lp_removed_by_creator") {
		t.Fatalf("scores: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = memepipe(t, dir, nil, "scores", "--db", db, "--json")
	var rows []analytics.IntegratedScore
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("scores --json: %v\n%s%s", err, r.stdout, r.stderr)
	}
	if rows[0].Symbol != "PEPE" || rows[0].Rank != 1 || rows[1].Symbol != "RUG" || rows[1].IntegratedScore != 5 || rows[0].MomentumScore != nil {
		t.Errorf("scores --json:\n%s", r.stdout)
	}

	r = memepipe(t, dir, nil, "anomalies", "--db", db, "--token", rug.Key(), "--json")
	var as []analytics.Anomaly
	if err := json.Unmarshal([]byte(r.stdout), &as); err != nil || len(as) != 1 || as[0].Kind != "rush_orders" {
		t.Errorf("anomalies --json: %v\n%s%s", err, r.stdout, r.stderr)
	}
	r = memepipe(t, dir, nil, "anomalies", "--db", db, "--token", pepe.Key())
	if r.code != 0 || r.stdout != "no anomalies\n" {
		t.Errorf("anomalies of a clean token: exit %d %q", r.code, r.stdout)
	}
	if r = memepipe(t, dir, nil, "anomalies", "--db", db, "--limit", "-1"); r.code != 2 {
		t.Errorf("anomalies --limit -1: exit %d, want 2 (usage)", r.code)
	}

	r = memepipe(t, dir, nil, "flags", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "critical  lp_removed_by_creator  onchain  {\"removed_share\":0.98}") {
		t.Errorf("flags: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = memepipe(t, dir, nil, "flags", "--db", db, "--token", pepe.Key(), "--json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("flags of a token without assessment: exit %d %q", r.code, r.stdout)
	}
}
