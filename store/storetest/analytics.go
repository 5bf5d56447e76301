package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/pipeline"
	"memepipe/store"
)

// jsonEqual compares JSON as values: PostgreSQL's jsonb gives keys back in
// its own order.
func jsonEqual(t *testing.T, got, want json.RawMessage) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("stored JSON %q: %v", got, err)
		return false
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("test JSON %q: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func fptrEqual(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func fptr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func testSentimentAggregates(t *testing.T, s store.Store) {
	ctx := context.Background()
	agg := func(token string, h int, vol int, compound float64) analytics.SentimentAggregate {
		iv := hour(h)
		return analytics.SentimentAggregate{Token: token, IntervalStart: iv.Start, IntervalEnd: iv.End, Volume: vol, UniqueAuthors: vol / 2,
			MeanCompound: compound / 2, ReachWeightedCompound: compound, BullishRatio: 0.75, SpamShare: 0.125, BurstScore: 3.5}
	}
	if got, err := s.SentimentAggregates(ctx, "eth:0xabc", time.Time{}, time.Time{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v; want [] nil", got, err)
	}
	rows := []analytics.SentimentAggregate{agg("eth:0xabc", 2, 40, 0.5), agg("eth:0xabc", 0, 10, -0.25), agg("eth:0xabc", 1, 0, 0), agg("PEPE", 0, 7, 0.9)}
	if err := s.PutSentimentAggregates(ctx, rows); err != nil {
		t.Fatal(err)
	}
	got, err := s.SentimentAggregates(ctx, "eth:0xabc", time.Time{}, time.Time{})
	if err != nil || len(got) != 3 {
		t.Fatalf("aggregates = %v, %v; want 3", got, err)
	}
	for i, want := range []analytics.SentimentAggregate{rows[1], rows[2], rows[0]} { // oldest first
		if got[i] != want {
			t.Errorf("aggregate %d = %+v, want %+v", i, got[i], want)
		}
		if got[i].IntervalStart.Location() != time.UTC {
			t.Errorf("aggregate %d interval start in %s, want UTC", i, got[i].IntervalStart.Location())
		}
	}
	// Re-running an interval rewrites its row; the others stay.
	again := agg("eth:0xabc", 0, 12, 0.1)
	if err := s.PutSentimentAggregates(ctx, []analytics.SentimentAggregate{again, again}); err != nil {
		t.Fatal(err)
	}
	got, err = s.SentimentAggregates(ctx, "eth:0xabc", hour(0).Start, hour(2).Start)
	if err != nil || len(got) != 2 || got[0] != again || got[1] != rows[2] {
		t.Errorf("after re-run, hours [0, 2) = %+v, %v; want %+v and %+v", got, err, again, rows[2])
	}
	if got, err := s.SentimentAggregates(ctx, "PEPE", time.Time{}, time.Time{}); err != nil || len(got) != 1 || got[0] != rows[3] {
		t.Errorf("PEPE = %+v, %v", got, err)
	}

	// A bad row rejects the whole batch: nothing of it is stored.
	for name, bad := range map[string]func(*analytics.SentimentAggregate){
		"empty token":       func(a *analytics.SentimentAggregate) { a.Token = "" },
		"empty interval":    func(a *analytics.SentimentAggregate) { a.IntervalEnd = a.IntervalStart },
		"authors > volume":  func(a *analytics.SentimentAggregate) { a.UniqueAuthors = a.Volume + 1 },
		"compound > 1":      func(a *analytics.SentimentAggregate) { a.ReachWeightedCompound = 1.5 },
		"NaN spam share":    func(a *analytics.SentimentAggregate) { a.SpamShare = math.NaN() },
		"infinite burst":    func(a *analytics.SentimentAggregate) { a.BurstScore = math.Inf(1) },
		"bullish ratio < 0": func(a *analytics.SentimentAggregate) { a.BullishRatio = -0.1 },
	} {
		good := agg("DOGE", 5, 3, 0.2)
		b := agg("DOGE", 6, 3, 0.2)
		bad(&b)
		if err := s.PutSentimentAggregates(ctx, []analytics.SentimentAggregate{good, b}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got, err := s.SentimentAggregates(ctx, "DOGE", time.Time{}, time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("rejected batches stored rows: %+v, %v", got, err)
	}
}

func anomaly(token, kind string, ts time.Time, score float64, sev string, ev string) analytics.Anomaly {
	return analytics.Anomaly{Token: token, Kind: kind, TS: ts, Score: score, Severity: sev, Evidence: json.RawMessage(ev)}
}

func anomalyKeys(as []analytics.Anomaly) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = fmt.Sprintf("%s/%s/%s", a.Token, a.Kind, a.TS.Format("15:04"))
	}
	return out
}

func testAnomalies(t *testing.T, s store.Store) {
	ctx := context.Background()
	const tok = "ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933"
	at := func(h, m int) time.Time { return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	if got, err := s.Anomalies(ctx, store.AnomalyFilter{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}
	first := []analytics.Anomaly{
		anomaly(tok, "volume_spike", at(0, 10), 7.5, "warn", `{"z": 7.5, "volume": 123456.5}`),
		anomaly(tok, "pump_and_dump", at(0, 50), 12, "critical", `{"rise": 0.42, "giveback": 0.8, "tx": ["0xaa", "0xbb"], "nested": {"k": null}}`),
		// Two whale transfers in one block share the natural key: the
		// stronger one is kept, whatever the order.
		anomaly(tok, "whale_transfer", at(0, 30), 5, "info", `{"share": 0.012}`),
		anomaly(tok, "whale_transfer", at(0, 30), 9, "warn", `{"share": 0.024}`),
		anomaly(tok, "whale_transfer", at(0, 30), 4.2, "info", `{"share": 0.011}`),
	}
	if err := s.ReplaceAnomalies(ctx, tok, hour(0), first); err != nil {
		t.Fatal(err)
	}
	other := []analytics.Anomaly{anomaly("DOGE", "return_spike", at(0, 20), 6.5, "warn", ``)}
	if err := s.ReplaceAnomalies(ctx, "DOGE", hour(0), other); err != nil {
		t.Fatal(err)
	}
	next := []analytics.Anomaly{anomaly(tok, "rush_orders", at(1, 5), 11, "critical", `{"block": 21300001, "buys": 31}`)}
	if err := s.ReplaceAnomalies(ctx, tok, hour(1), next); err != nil {
		t.Fatal(err)
	}

	got, err := s.Anomalies(ctx, store.AnomalyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tok + "/rush_orders/19:05", tok + "/pump_and_dump/18:50", tok + "/whale_transfer/18:30", "DOGE/return_spike/18:20", tok + "/volume_spike/18:10"}
	if !slices.Equal(anomalyKeys(got), want) {
		t.Fatalf("anomalies = %v, want %v (newest first)", anomalyKeys(got), want)
	}
	whale := got[2]
	if whale.Score != 9 || whale.Severity != "warn" || !jsonEqual(t, whale.Evidence, json.RawMessage(`{"share":0.024}`)) {
		t.Errorf("merged whale transfer = %v %s %s, want the score 9 one", whale.Score, whale.Severity, whale.Evidence)
	}
	pd := got[1]
	if !jsonEqual(t, pd.Evidence, first[1].Evidence) || !pd.TS.Equal(at(0, 50)) || pd.TS.Location() != time.UTC ||
		!pd.IntervalStart.Equal(hour(0).Start) || !pd.IntervalEnd.Equal(hour(0).End) {
		t.Errorf("pump_and_dump round trip = %+v (evidence %s)", pd, pd.Evidence)
	}
	if !jsonEqual(t, got[3].Evidence, json.RawMessage(`{}`)) {
		t.Errorf("empty evidence stored as %s, want {}", got[3].Evidence)
	}

	// Filters: token, range, kinds, severities, limit.
	for _, c := range []struct {
		name string
		f    store.AnomalyFilter
		want []string
	}{
		{"token", store.AnomalyFilter{Token: "DOGE"}, []string{"DOGE/return_spike/18:20"}},
		{"range", store.AnomalyFilter{Token: tok, From: at(0, 30), To: at(1, 5)}, []string{tok + "/pump_and_dump/18:50", tok + "/whale_transfer/18:30"}},
		{"kinds", store.AnomalyFilter{Kinds: []string{"volume_spike", "return_spike"}}, []string{"DOGE/return_spike/18:20", tok + "/volume_spike/18:10"}},
		{"severities", store.AnomalyFilter{Severities: []string{"critical"}}, []string{tok + "/rush_orders/19:05", tok + "/pump_and_dump/18:50"}},
		{"limit", store.AnomalyFilter{Limit: 2}, want[:2]},
		{"unknown token", store.AnomalyFilter{Token: "nope"}, []string{}},
	} {
		got, err := s.Anomalies(ctx, c.f)
		if err != nil || !slices.Equal(anomalyKeys(got), c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, anomalyKeys(got), err, c.want)
		}
	}
	if _, err := s.Anomalies(ctx, store.AnomalyFilter{Severities: []string{"bad"}}); err == nil {
		t.Errorf("unknown severity filter: no error")
	}

	// Re-running hour 0 with another result replaces what hour 0 found for
	// tok, and nothing else: not DOGE's, not hour 1's.
	rerun := []analytics.Anomaly{anomaly(tok, "pump_and_dump", at(0, 50), 13, "critical", `{"rise": 0.45}`)}
	for range 2 { // twice: idempotent
		if err := s.ReplaceAnomalies(ctx, tok, hour(0), rerun); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.Anomalies(ctx, store.AnomalyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{tok + "/rush_orders/19:05", tok + "/pump_and_dump/18:50", "DOGE/return_spike/18:20"}; !slices.Equal(anomalyKeys(got), want) {
		t.Errorf("after re-run = %v, want %v", anomalyKeys(got), want)
	} else if got[1].Score != 13 || !jsonEqual(t, got[1].Evidence, rerun[0].Evidence) {
		t.Errorf("re-run pump_and_dump = %v %s", got[1].Score, got[1].Evidence)
	}
	// A wider interval's run finding the same event takes it over.
	day := pipeline.Interval{Start: hour(0).Start, End: hour(24).Start}
	if err := s.ReplaceAnomalies(ctx, tok, day, []analytics.Anomaly{anomaly(tok, "rush_orders", at(1, 5), 11, "critical", `{}`)}); err != nil {
		t.Fatal(err)
	}
	// Now hour 1's run finds nothing: the row belongs to the day run and stays.
	if err := s.ReplaceAnomalies(ctx, tok, hour(1), nil); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Anomalies(ctx, store.AnomalyFilter{Kinds: []string{"rush_orders"}})
	if len(got) != 1 || !got[0].IntervalEnd.Equal(day.End) {
		t.Errorf("rush_orders after day run = %+v, want one found by %s", got, day)
	}
	// An empty result for the day deletes it.
	if err := s.ReplaceAnomalies(ctx, tok, day, []analytics.Anomaly{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Anomalies(ctx, store.AnomalyFilter{Kinds: []string{"rush_orders"}}); len(got) != 0 {
		t.Errorf("rush_orders after empty day run = %v", anomalyKeys(got))
	}

	for name, rows := range map[string][]analytics.Anomaly{
		"other token":  {anomaly("DOGE", "gap", at(0, 1), 5, "info", `{}`)},
		"bad severity": {anomaly(tok, "gap", at(0, 1), 5, "severe", `{}`)},
		"bad JSON":     {anomaly(tok, "gap", at(0, 1), 5, "info", `{"a":`)},
		"NaN score":    {anomaly(tok, "gap", at(0, 1), math.NaN(), "info", `{}`)},
		"empty kind":   {anomaly(tok, "", at(0, 1), 5, "info", `{}`)},
	} {
		if err := s.ReplaceAnomalies(ctx, tok, hour(0), rows); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got, _ := s.Anomalies(ctx, store.AnomalyFilter{Token: tok}); len(got) != 1 || got[0].Kind != "pump_and_dump" {
		t.Errorf("rejected replaces changed rows: %v", anomalyKeys(got))
	}
}

// A reader never sees half of a replacement: the set for a token and
// interval has its old size or its new one, never a mix.
func testAnomaliesAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	set := func(n, minute int) []analytics.Anomaly {
		out := make([]analytics.Anomaly, n)
		for i := range out {
			out[i] = anomaly("PEPE", "buy_burst", t0.Add(time.Duration(minute+i)*time.Second), 5, "info", `{}`)
		}
		return out
	}
	sets := [][]analytics.Anomaly{set(20, 0), set(35, 100)}
	if err := s.ReplaceAnomalies(ctx, "PEPE", hour(0), sets[0]); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []int
	reads := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := s.Anomalies(ctx, store.AnomalyFilter{Token: "PEPE", Limit: 1000})
				mu.Lock()
				reads++
				if err != nil || (len(got) != 20 && len(got) != 35) {
					bad = append(bad, len(got))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range 30 {
		if err := s.ReplaceAnomalies(ctx, "PEPE", hour(0), sets[(i+1)%2]); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d of %d reads saw a partial set, sizes %v; want 20 or 35", len(bad), reads, bad[:min(len(bad), 10)])
	}
}

func flag(token, code string, asOf time.Time, sev, source string) analytics.RiskFlag {
	return analytics.RiskFlag{Token: token, Flag: code, AsOf: asOf, Severity: sev, Source: source,
		Evidence: json.RawMessage(fmt.Sprintf(`{"code": %q, "share": 0.5}`, code))}
}

func flagKeys(fs []analytics.RiskFlag) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s/%s/%s/%s", f.Token, f.Flag, f.Severity, f.AsOf.Format("15:04"))
	}
	return out
}

func testRiskAssessments(t *testing.T, s store.Store) {
	ctx := context.Background()
	t1, t2 := hour(0).End, hour(1).End // 19:00, 20:00
	if got, err := s.RiskFlags(ctx, "", time.Time{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty flags: %v, %v", got, err)
	}
	if got, err := s.RiskScores(ctx, "", time.Time{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty scores: %v, %v", got, err)
	}
	score1 := analytics.RiskScore{Token: "PEPE", AsOf: t1, RiskScore: 72.5, RugProbability: analytics.F(0.125),
		Breakdown: json.RawMessage(`{"flags": 3, "floor": 70}`)}
	flags1 := []analytics.RiskFlag{
		flag("PEPE", "top10_concentration", t1, "warn", "onchain"),
		flag("PEPE", "owner_can_mint", t1, "critical", "contract"),
		flag("PEPE", "new_token", t1, "info", "onchain"),
		flag("PEPE", "lp_not_locked", t1, "warn", "onchain"),
		flag("PEPE", "top10_concentration", t1, "critical", "onchain"), // repeated: the worse one is kept
	}
	if err := s.PutRiskAssessment(ctx, score1, flags1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRiskAssessment(ctx, score1, flags1); err != nil { // idempotent
		t.Fatal(err)
	}
	doge := analytics.RiskScore{Token: "DOGE", AsOf: t2, RiskScore: 0}
	if err := s.PutRiskAssessment(ctx, doge, []analytics.RiskFlag{flag("DOGE", "ownership_unknown", t2, "info", "contract")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RiskFlags(ctx, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"DOGE/ownership_unknown/info/20:00", "PEPE/owner_can_mint/critical/19:00", "PEPE/top10_concentration/critical/19:00",
		"PEPE/lp_not_locked/warn/19:00", "PEPE/new_token/info/19:00"}
	if !slices.Equal(flagKeys(got), want) {
		t.Fatalf("flags = %v, want %v", flagKeys(got), want)
	}
	if f := got[1]; f.Source != "contract" || !jsonEqual(t, f.Evidence, json.RawMessage(`{"share":0.5,"code":"owner_can_mint"}`)) || f.AsOf.Location() != time.UTC {
		t.Errorf("flag round trip = %+v (evidence %s)", f, f.Evidence)
	}

	// A later assessment with no flags: the token is clean now, and the
	// earlier flags are still there as of t1.
	score2 := analytics.RiskScore{Token: "PEPE", AsOf: t2, RiskScore: 3}
	if err := s.PutRiskAssessment(ctx, score2, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.RiskFlags(ctx, "PEPE", time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("PEPE flags now = %v, %v; want none", flagKeys(got), err)
	}
	if got, err := s.RiskFlags(ctx, "PEPE", t1.Add(30*time.Minute)); err != nil || !slices.Equal(flagKeys(got), want[1:]) {
		t.Errorf("PEPE flags as of 19:30 = %v, %v; want %v", flagKeys(got), err, want[1:])
	}
	if got, err := s.RiskFlags(ctx, "PEPE", t1.Add(-time.Second)); err != nil || len(got) != 0 {
		t.Errorf("PEPE flags before any assessment = %v, %v", flagKeys(got), err)
	}
	scores, err := s.RiskScores(ctx, "", time.Time{})
	if err != nil || len(scores) != 2 || scores[0].Token != "DOGE" || scores[1].RiskScore != 3 || scores[1].RugProbability != nil ||
		!scores[1].AsOf.Equal(t2) || !jsonEqual(t, scores[1].Breakdown, json.RawMessage(`{}`)) {
		t.Errorf("latest scores = %+v, %v", scores, err)
	}
	scores, err = s.RiskScores(ctx, "PEPE", t1)
	if err != nil || len(scores) != 1 || scores[0].RiskScore != 72.5 || !fptrEqual(scores[0].RugProbability, analytics.F(0.125)) ||
		!jsonEqual(t, scores[0].Breakdown, score1.Breakdown) {
		t.Errorf("PEPE score as of t1 = %+v, %v", scores, err)
	}

	// Re-putting t1 with fewer flags replaces its set.
	if err := s.PutRiskAssessment(ctx, score1, flags1[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RiskFlags(ctx, "PEPE", t1); !slices.Equal(flagKeys(got), []string{"PEPE/top10_concentration/warn/19:00"}) {
		t.Errorf("t1 flags after re-put = %v", flagKeys(got))
	}

	for name, c := range map[string]struct {
		s analytics.RiskScore
		f []analytics.RiskFlag
	}{
		"score > 100":        {analytics.RiskScore{Token: "X", AsOf: t1, RiskScore: 101}, nil},
		"probability > 1":    {analytics.RiskScore{Token: "X", AsOf: t1, RugProbability: analytics.F(1.5)}, nil},
		"flag of other time": {analytics.RiskScore{Token: "X", AsOf: t1}, []analytics.RiskFlag{flag("X", "f", t2, "warn", "")}},
		"flag of other coin": {analytics.RiskScore{Token: "X", AsOf: t1}, []analytics.RiskFlag{flag("Y", "f", t1, "warn", "")}},
		"bad severity":       {analytics.RiskScore{Token: "X", AsOf: t1}, []analytics.RiskFlag{flag("X", "f", t1, "high", "")}},
		"zero as_of":         {analytics.RiskScore{Token: "X"}, nil},
	} {
		if err := s.PutRiskAssessment(ctx, c.s, c.f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got, _ := s.RiskScores(ctx, "X", time.Time{}); len(got) != 0 {
		t.Errorf("rejected assessments stored: %+v", got)
	}
}

func testIntegratedScores(t *testing.T, s store.Store) {
	ctx := context.Background()
	t1, t2 := hour(0).End, hour(1).End
	row := func(token string, asOf time.Time, score float64, rank int) analytics.IntegratedScore {
		return analytics.IntegratedScore{Token: token, Symbol: "S" + token, Chain: "ethereum", Address: "0x" + token, AsOf: asOf,
			SentimentScore: analytics.F(61.5), MomentumScore: nil, AnomalyScore: analytics.F(0), RiskScore: analytics.F(20),
			IntegratedScore: score, Rank: rank, Flags: []string{"lp_not_locked", "new_token"},
			Breakdown: json.RawMessage(`{"weights": {"sentiment": 0.25}, "missing": ["momentum"]}`)}
	}
	if got, err := s.IntegratedScores(ctx, time.Time{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}
	first := []analytics.IntegratedScore{row("b", t1, 40, 2), row("a", t1, 80, 1), row("c", t1, 5, 3)}
	first[2].Flags = nil
	first[2].SentimentScore, first[2].AnomalyScore, first[2].RiskScore = nil, nil, analytics.F(100)
	if err := s.ReplaceIntegratedScores(ctx, t1, first); err != nil {
		t.Fatal(err)
	}
	second := []analytics.IntegratedScore{row("a", t2, 70, 2), row("c", t2, 75.5, 1)}
	for range 2 {
		if err := s.ReplaceIntegratedScores(ctx, t2, second); err != nil {
			t.Fatal(err)
		}
	}
	tokens := func(rs []analytics.IntegratedScore) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s#%d", r.Token, r.Rank))
		}
		return out
	}
	got, err := s.IntegratedScores(ctx, time.Time{})
	if err != nil || !slices.Equal(tokens(got), []string{"c#1", "a#2"}) {
		t.Fatalf("latest = %v, %v; want c#1 a#2", tokens(got), err)
	}
	a := got[1]
	if a.Symbol != "Sa" || a.Chain != "ethereum" || a.Address != "0xa" || !a.AsOf.Equal(t2) || a.AsOf.Location() != time.UTC ||
		!fptrEqual(a.SentimentScore, analytics.F(61.5)) || a.MomentumScore != nil || !fptrEqual(a.AnomalyScore, analytics.F(0)) ||
		!fptrEqual(a.RiskScore, analytics.F(20)) || a.IntegratedScore != 70 || !slices.Equal(a.Flags, []string{"lp_not_locked", "new_token"}) ||
		!jsonEqual(t, a.Breakdown, second[0].Breakdown) {
		t.Errorf("row a = %+v (sentiment %s momentum %s anomaly %s, breakdown %s)", a, fptr(a.SentimentScore), fptr(a.MomentumScore), fptr(a.AnomalyScore), a.Breakdown)
	}
	got, err = s.IntegratedScores(ctx, t2.Add(-time.Minute))
	if err != nil || !slices.Equal(tokens(got), []string{"a#1", "b#2", "c#3"}) {
		t.Fatalf("as of t1 = %v, %v", tokens(got), err)
	}
	if c := got[2]; c.Flags == nil || len(c.Flags) != 0 || c.SentimentScore != nil || !fptrEqual(c.RiskScore, analytics.F(100)) {
		t.Errorf("row c at t1 = %+v", c)
	}
	if got, err := s.IntegratedScores(ctx, t1.Add(-time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("before any ranking = %v, %v", tokens(got), err)
	}

	// A new ranking at t1 without b replaces t1's rows entirely.
	if err := s.ReplaceIntegratedScores(ctx, t1, []analytics.IntegratedScore{row("c", t1, 50, 1), row("a", t1, 10, 2)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.IntegratedScores(ctx, t1); !slices.Equal(tokens(got), []string{"c#1", "a#2"}) {
		t.Errorf("t1 after replace = %v", tokens(got))
	}
	hist, err := s.IntegratedScoreHistory(ctx, "c", time.Time{}, time.Time{})
	if err != nil || len(hist) != 2 || !hist[0].AsOf.Equal(t1) || hist[0].IntegratedScore != 50 || hist[1].IntegratedScore != 75.5 {
		t.Errorf("history of c = %+v, %v", hist, err)
	}
	if hist, err := s.IntegratedScoreHistory(ctx, "c", t2, time.Time{}); err != nil || len(hist) != 1 || !hist[0].AsOf.Equal(t2) {
		t.Errorf("history of c from t2 = %+v, %v", hist, err)
	}
	if hist, err := s.IntegratedScoreHistory(ctx, "b", time.Time{}, time.Time{}); err != nil || len(hist) != 0 {
		t.Errorf("history of b = %+v, %v; want none after t1's replace", hist, err)
	}

	for name, rows := range map[string][]analytics.IntegratedScore{
		"duplicate token": {row("a", t1, 1, 1), row("a", t1, 2, 2)},
		"duplicate rank":  {row("a", t1, 1, 1), row("b", t1, 1, 1)},
		"rank 0":          {row("a", t1, 1, 0)},
		"other as_of":     {row("a", t2, 1, 1)},
		"score > 100":     {row("a", t1, 100.5, 1)},
		"NaN":             {row("a", t1, math.NaN(), 1)},
	} {
		if err := s.ReplaceIntegratedScores(ctx, t1, rows); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got, _ := s.IntegratedScores(ctx, t1); !slices.Equal(tokens(got), []string{"c#1", "a#2"}) {
		t.Errorf("rejected rankings changed t1: %v", tokens(got))
	}
}
