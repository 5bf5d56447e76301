package tasks

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/analyze/score"
	"memepipe/canonical"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/sim"
	"memepipe/store"
)

// analyticsDigest renders every analytics table as JSON, for comparing
// two runs.
func analyticsDigest(t *testing.T, st store.Store, tokens []string, iv pipeline.Interval) string {
	t.Helper()
	ctx := context.Background()
	var parts []any
	an, err := st.Anomalies(ctx, store.AnomalyFilter{Limit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	parts = append(parts, an)
	for _, tok := range tokens {
		sa, err := st.SentimentAggregates(ctx, tok, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, sa)
	}
	rs, err := st.RiskScores(ctx, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rf, err := st.RiskFlags(ctx, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	is, err := st.IntegratedScores(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	parts = append(parts, rs, rf, is)
	b, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAnalyticsPipelineOnSimulatorData(t *testing.T) {
	if testing.Short() {
		t.Skip("simulator run")
	}
	ctx := context.Background()
	iv := pipeline.Interval{Start: simNow.Add(-12 * time.Hour), End: simNow}
	w := simCollect(t, sim.Options{Seed: 1, Tokens: 10}, pipeline.Interval{Start: iv.Start.Add(-24 * time.Hour), End: iv.End})
	for _, table := range []string{canonical.TableTweets, canonical.TableSwaps, canonical.TableTransfers, canonical.TableContracts, canonical.TableLiquidityEvents} {
		if w.rows[table] == 0 {
			t.Fatalf("no %s rows collected: %v", table, w.rows)
		}
	}
	cfg := w.cfg(t)
	logs := w.runAnalytics(t, cfg, iv)
	var keys []string
	for _, tok := range w.watchlist {
		keys = append(keys, tok.Key())
	}
	first := analyticsDigest(t, w.store, keys, iv)

	// Re-running the interval rewrites the same rows.
	w.runAnalytics(t, cfg, iv)
	if again := analyticsDigest(t, w.store, keys, iv); again != first {
		i := 0
		for i < len(first) && i < len(again) && first[i] == again[i] {
			i++
		}
		t.Fatalf("re-run changed the analytics tables at byte %d:\n%s\n---\n%s", i, first[max(0, i-300):min(len(first), i+200)], again[max(0, i-300):min(len(again), i+200)])
	}

	// Sentiment: one row per token, volume = the interval's tweets.
	for _, tok := range w.watchlist {
		aggs, err := w.store.SentimentAggregates(ctx, tok.Key(), iv.Start, iv.End)
		if err != nil || len(aggs) != 1 {
			t.Fatalf("%s: %d aggregates, %v", tok.Symbol, len(aggs), err)
		}
		n, _ := w.store.CountCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets, Token: tok.Key(), From: iv.Start, To: iv.End})
		if aggs[0].Volume != n || !aggs[0].IntervalEnd.Equal(iv.End) {
			t.Errorf("%s: volume %d, tweets %d", tok.Symbol, aggs[0].Volume, n)
		}
	}

	// Ground truth: the honeypot is flagged and capped, the rug's
	// liquidity removal and the pump are found.
	truth := w.sim.Truth(iv)
	byAddr := map[string]string{}
	for _, tok := range w.watchlist {
		byAddr[strings.ToLower(tok.Address)] = tok.Key()
	}
	rows, err := w.store.IntegratedScores(ctx, iv.End)
	if err != nil || len(rows) != len(w.watchlist) {
		t.Fatalf("%d integrated rows, %v\n%s", len(rows), err, logs["score"])
	}
	byToken := map[string]analytics.IntegratedScore{}
	for _, r := range rows {
		byToken[r.Token] = r
	}
	checked := 0
	for _, tok := range truth.Tokens {
		key := byAddr[strings.ToLower(tok.Address)]
		for _, l := range tok.Labels {
			if l != "honeypot" {
				continue
			}
			flags, _ := w.store.RiskFlags(ctx, key, iv.End)
			found := false
			for _, f := range flags {
				found = found || (f.Flag == "only_owner_sells" && f.Severity == "critical")
			}
			if !found || byToken[key].IntegratedScore > 5 || byToken[key].RiskScore == nil || *byToken[key].RiskScore < 90 {
				t.Errorf("honeypot %s: flags %v, row %+v", tok.Symbol, flags, byToken[key])
			}
			checked++
		}
	}
	for _, ev := range truth.Events {
		want := map[sim.EventKind]string{sim.KindRugPull: "liquidity_removal", sim.KindPumpAndDump: "rush_orders", sim.KindWashTrading: "wash_cycle", sim.KindBotBurst: "bot_burst"}[ev.Kind]
		if want == "" || ev.Start.Before(iv.Start) {
			continue
		}
		an, err := w.store.Anomalies(ctx, store.AnomalyFilter{Token: byAddr[strings.ToLower(ev.Address)], Kinds: []string{want}, From: ev.Start.Add(-30 * time.Minute), To: ev.End.Add(time.Hour)})
		if err != nil || len(an) == 0 {
			t.Errorf("%s %s at %s: no %s anomaly (%v)", ev.Token, ev.Kind, ev.Start, want, err)
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("only %d truth checks: the world lacks the events this test is about", checked)
	}

	// integrated_scores.csv: written at the configured path, the same rows
	// as the table, by rank.
	f, err := os.Open(cfg.Score.CSVPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(score.CSVHeader, ",") || len(recs) != len(rows)+1 {
		t.Fatalf("csv header %v, %d rows (table %d)", recs[0], len(recs)-1, len(rows))
	}
	for i, rec := range recs[1:] {
		r := rows[i]
		is, _ := strconv.ParseFloat(rec[9], 64)
		if rec[0] != r.Token || rec[10] != strconv.Itoa(i+1) || is != r.IntegratedScore || rec[4] != iv.End.Format(time.RFC3339) {
			t.Errorf("csv row %d %v, table %+v", i+1, rec, r)
		}
	}
}

func TestAnalyticsTaskParams(t *testing.T) {
	cfg := loadCfg(t, `
pipelines:
  - name: p
    tasks:
      - {name: a, type: analyze.anomaly, params: {swap_lookback: 5, bar_interval: fortnight, tokens: [""]}}
      - {name: b, type: analyze.sentiment, params: {baseline: -1h}}
      - {name: c, type: score, params: {bar_intervl: 1h}}
      - {name: d, type: analyze.risk, params: {tokens: [PEPE]}}
`)
	_, err := Build(cfg, Deps{})
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err %v", err)
	}
	want := []string{
		`pipelines[0].tasks[0].params.swap_lookback: duration 5 has no unit: write 5s, 5m or 5h`,
		`pipelines[0].tasks[1].params.baseline: must not be negative`,
		`pipelines[0].tasks[2].params.bar_intervl: unknown key (did you mean "bar_interval"?)`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if errs[i].Error() != w {
			t.Errorf("error %d = %q\nwant      %q", i, errs[i].Error(), w)
		}
	}

	// Built without a store (config validate), a task fails permanently
	// at run time rather than panicking; with an empty watchlist it says
	// how to fill it.
	cfg = loadCfg(t, "pipelines: [{name: p, tasks: [{name: s, type: score}]}]\n")
	dag, err := BuildPipeline(cfg, "p", Deps{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = dag.Tasks[0].Runner.Run(context.Background(), &pipeline.TaskContext{})
	if pipeline.Classify(err) != pipeline.ClassPermanent || !strings.Contains(err.Error(), "no store") {
		t.Errorf("no store: %v", err)
	}
}
