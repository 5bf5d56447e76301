package score

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/watchlist"
)

var asOf = time.Date(2026, 11, 28, 19, 0, 0, 0, time.UTC)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// bullish is an aggregate whose sentiment score is 74.3: raw 0.6
// (0.7·0.6 + 0.3·(2·0.8−1)), credibility 0.9 (volume 90/(90+10)) · 0.9
// (spam) · 1 (burst under 4) · 1 (60 of 90 authors is over half) = 0.81.
func bullish() *analytics.SentimentAggregate {
	return &analytics.SentimentAggregate{Token: "PEPE", Volume: 90, UniqueAuthors: 60, MeanCompound: 0.5,
		ReachWeightedCompound: 0.6, BullishRatio: 0.8, SpamShare: 0.1, BurstScore: 2}
}

func TestSentimentScore(t *testing.T) {
	c := Defaults()
	mod := func(f func(a *analytics.SentimentAggregate)) *analytics.SentimentAggregate {
		a := bullish()
		f(a)
		return a
	}
	cases := []struct {
		name string
		in   *analytics.SentimentAggregate
		want float64
		ok   bool
	}{
		{"bullish crowd", bullish(), 74.3, true},
		// Spam 80% and a burst at 3x the threshold: 0.9·0.2·(4/12) = 0.06.
		{"spam-driven hype shrinks toward neutral", mod(func(a *analytics.SentimentAggregate) { a.SpamShare, a.BurstScore = 0.8, 12 }), 51.8, true},
		// raw −0.53, credibility 1000/1010.
		{"bearish crowd", &analytics.SentimentAggregate{Volume: 1000, UniqueAuthors: 800, ReachWeightedCompound: -0.5, BullishRatio: 0.2}, 23.762376, true},
		// 9 authors for 90 texts: share 0.1, factor 0.2 → credibility 0.162.
		{"few loud accounts", mod(func(a *analytics.SentimentAggregate) { a.UniqueAuthors = 9 }), 50 + 50*0.6*0.81*0.2, true},
		{"neutral crowd", mod(func(a *analytics.SentimentAggregate) { a.ReachWeightedCompound, a.BullishRatio = 0, 0.5 }), 50, true},
		{"no texts", mod(func(a *analytics.SentimentAggregate) { a.Volume, a.UniqueAuthors = 0, 0 }), 0, false},
		{"no aggregate", nil, 0, false},
	}
	for _, tc := range cases {
		got, inputs, ok := c.SentimentScore(tc.in)
		if ok != tc.ok || !near(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if ok && inputs["credibility"] == nil {
			t.Errorf("%s: inputs lack credibility: %v", tc.name, inputs)
		}
	}
}

func TestMomentumScore(t *testing.T) {
	c := Defaults()
	up := math.Log(1.5)
	doubling := math.Ln2
	cases := []struct {
		name string
		in   *Market
		want float64
		ok   bool
	}{
		{"flat", &Market{Return: 0, VolumeTrend: analytics.F(2)}, 50, true},
		// tanh(ln1.5/0.2)·(1+0.5·tanh 1)/1.5
		{"up 50% on doubled volume", &Market{Return: up, VolumeTrend: &doubling}, 94.457438, true},
		// tanh(−ln2/0.2)/1.5: no baseline means neutral volume.
		{"halved, no volume baseline", &Market{Return: -math.Ln2}, 16.731707, true},
		{"no market data", nil, 0, false},
	}
	for _, tc := range cases {
		got, _, ok := c.MomentumScore(tc.in)
		if ok != tc.ok || !near(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	// Volume confirms a move: the same rise scores higher on rising volume
	// than on drying volume.
	rising, _, _ := c.MomentumScore(&Market{Return: 0.1, VolumeTrend: analytics.F(1)})
	drying, _, _ := c.MomentumScore(&Market{Return: 0.1, VolumeTrend: analytics.F(-1)})
	if !(rising > drying && drying > 50) {
		t.Errorf("rise on rising volume %v, on drying volume %v; want rising > drying > 50", rising, drying)
	}
}

func ev(kind string, score float64) analytics.Anomaly {
	return analytics.Anomaly{Token: "PEPE", Kind: kind, TS: asOf.Add(-time.Minute), Score: score, Severity: "warn"}
}

func TestAnomalyScore(t *testing.T) {
	c := Defaults()
	cases := []struct {
		name    string
		scanned bool
		events  []analytics.Anomaly
		want    float64
		ok      bool
	}{
		{"not scanned", false, nil, 0, false},
		{"scanned, clean", true, nil, 0, true},
		// 1·(1−e^(−12/6))
		{"pump and dump", true, []analytics.Anomaly{ev("pump_and_dump", 12)}, 86.466472, true},
		// only the strongest volume spike counts: 0.3·(1−e^(−8/6)), compounded with the pump.
		{"pump with volume spikes", true, []analytics.Anomaly{ev("volume_spike", 7), ev("pump_and_dump", 12), ev("volume_spike", 8), ev("volume_spike", 6.5)}, 89.456310, true},
		{"unknown kind gets the default weight", true, []analytics.Anomaly{ev("brand_new_kind", 6)}, 18.963617, true},
		{"gaps are not manipulation", true, []analytics.Anomaly{ev("gap", 30)}, 0, true},
	}
	for _, tc := range cases {
		got, _, ok := c.AnomalyScore(tc.scanned, tc.events)
		if ok != tc.ok || !near(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

var pepe = watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933"}

func riskAt(score float64) *analytics.RiskScore {
	return &analytics.RiskScore{Token: pepe.Key(), AsOf: asOf.Add(-time.Hour), RiskScore: score}
}

func rflag(code, sev string) analytics.RiskFlag {
	return analytics.RiskFlag{Token: pepe.Key(), Flag: code, AsOf: asOf, Severity: sev}
}

// full is a token with every component: sentiment 74.3, momentum 50,
// anomaly 0 (scanned, clean), risk 20.
func full() Input {
	return Input{Token: pepe, Sentiment: bullish(), Market: &Market{Return: 0, Source: "bars", Points: 24},
		AnomaliesScanned: true, Risk: riskAt(20)}
}

func TestIntegrate(t *testing.T) {
	c := Defaults()
	with := func(f func(in *Input)) Input {
		in := full()
		f(&in)
		return in
	}
	twoCaps := Defaults()
	twoCaps.Caps[FlagHoneypot] = 2
	cases := []struct {
		name      string
		cfg       Config
		in        Input
		want      float64
		ok        bool
		missing   []string
		overrides []string
		flags     []string
	}{
		// (0.25·74.3 + 0.2·50 + 0.2·100 + 0.35·80) / 1 = 76.575
		{"all components", c, full(), 76.6, true, []string{}, []string{}, []string{}},
		// Without texts the other three carry the weight: 58 / 0.75.
		{"no texts: re-normalised, not zero", c, with(func(in *Input) { in.Sentiment = nil }), 77.3, true, []string{Sentiment}, []string{}, []string{}},
		// Only risk: 100 − 90.
		{"risk only", c, Input{Token: pepe, Risk: riskAt(90)}, 10, true, []string{Sentiment, Momentum, Anomaly}, []string{}, []string{}},
		{"creator pulled the LP: capped at 5", c, with(func(in *Input) {
			in.Flags = []analytics.RiskFlag{rflag("top10_concentration", "warn"), rflag(FlagLPRemoved, "critical"), rflag("new_token", "info")}
		}), 5, true, []string{}, []string{FlagLPRemoved}, []string{FlagLPRemoved, "top10_concentration"}},
		{"honeypot with everything else missing: still capped", c, Input{Token: pepe, Risk: riskAt(0), Flags: []analytics.RiskFlag{rflag(FlagHoneypot, "critical")}},
			5, true, []string{Sentiment, Momentum, Anomaly}, []string{FlagHoneypot}, []string{FlagHoneypot}},
		{"mint after launch: capped", c, with(func(in *Input) { in.Flags = []analytics.RiskFlag{rflag(FlagMint, "critical")} }),
			5, true, []string{}, []string{FlagMint}, []string{FlagMint}},
		{"renounced mint (info) is no hard fact", c, with(func(in *Input) { in.Flags = []analytics.RiskFlag{rflag(FlagMint, "info")} }),
			76.6, true, []string{}, []string{}, []string{}},
		{"partial LP removal (warn) is no hard fact", c, with(func(in *Input) { in.Flags = []analytics.RiskFlag{rflag(FlagLPRemoved, "warn")} }),
			76.6, true, []string{}, []string{}, []string{FlagLPRemoved}},
		{"two hard facts: the lower cap", twoCaps, with(func(in *Input) {
			in.Flags = []analytics.RiskFlag{rflag(FlagLPRemoved, "critical"), rflag(FlagHoneypot, "critical"), rflag(FlagHoneypot, "critical")}
		}), 2, true, []string{}, []string{FlagHoneypot, FlagLPRemoved}, []string{FlagHoneypot, FlagLPRemoved}},
		{"cap above the score changes nothing", c, with(func(in *Input) {
			in.Risk = riskAt(100)
			in.Sentiment, in.Market = nil, nil
			in.Anomalies = []analytics.Anomaly{ev("pump_and_dump", 60)}
		}), 0, true, []string{Sentiment, Momentum}, []string{}, []string{}},
		{"nothing known: not scored", c, Input{Token: pepe}, 0, false, []string{Sentiment, Momentum, Anomaly, Risk}, []string{}, []string{}},
	}
	for _, tc := range cases {
		row, b, ok, err := tc.cfg.Integrate(asOf, tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if ok != tc.ok || row.IntegratedScore != tc.want {
			t.Errorf("%s: score %v, ok %v; want %v, %v", tc.name, row.IntegratedScore, ok, tc.want, tc.ok)
		}
		if !slices.Equal(b.Missing, tc.missing) {
			t.Errorf("%s: missing %v, want %v", tc.name, b.Missing, tc.missing)
		}
		var ov []string
		for _, o := range b.Overrides {
			ov = append(ov, o.Flag)
		}
		if !slices.Equal(ov, tc.overrides) && !(len(ov) == 0 && len(tc.overrides) == 0) {
			t.Errorf("%s: overrides %v, want %v", tc.name, ov, tc.overrides)
		}
		if !slices.Equal(row.Flags, tc.flags) {
			t.Errorf("%s: flags %v, want %v", tc.name, row.Flags, tc.flags)
		}
		if row.Token != "ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933" || row.Symbol != "PEPE" || !row.AsOf.Equal(asOf) {
			t.Errorf("%s: token fields %s %s %s", tc.name, row.Token, row.Symbol, row.AsOf)
		}
	}
}

// The breakdown says what was used, with what weight, and why a component
// is missing; the stored JSON is the same breakdown.
func TestBreakdown(t *testing.T) {
	in := full()
	in.Sentiment = nil
	in.Flags = []analytics.RiskFlag{rflag(FlagLPRemoved, "critical")}
	row, b, ok, err := Defaults().Integrate(asOf, in)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if b.Formula != FormulaVersion || !b.Renormalised || b.Coverage != 0.75 || b.Weighted != 77.3 || b.Integrated != 5 {
		t.Errorf("breakdown head = %+v", b)
	}
	byName := map[string]Component{}
	for _, c := range b.Components {
		byName[c.Name] = c
	}
	if s := byName[Sentiment]; s.Present || s.Score != nil || s.WeightUsed != 0 || s.Weight != 0.25 || s.Reason != "no texts in the interval" {
		t.Errorf("sentiment component = %+v", s)
	}
	if r := byName[Risk]; !r.Present || *r.Score != 20 || *r.Value != 80 || r.WeightUsed != 0.4667 {
		t.Errorf("risk component = %+v", r)
	}
	if a := byName[Anomaly]; !a.Present || *a.Score != 0 || *a.Value != 100 || a.WeightUsed != 0.2667 {
		t.Errorf("anomaly component = %+v", a)
	}
	if row.SentimentScore != nil || *row.MomentumScore != 50 || *row.AnomalyScore != 0 || *row.RiskScore != 20 {
		t.Errorf("row components = %v %v %v %v", row.SentimentScore, row.MomentumScore, row.AnomalyScore, row.RiskScore)
	}
	var stored Breakdown
	if err := json.Unmarshal(row.Breakdown, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Integrated != 5 || len(stored.Overrides) != 1 || stored.Overrides[0].Cap != 5 || !slices.Equal(stored.Missing, []string{Sentiment}) {
		t.Errorf("stored breakdown = %s", row.Breakdown)
	}
	plain, _, _, _ := Defaults().Integrate(asOf, full())
	if !strings.Contains(string(plain.Breakdown), `"overrides":[]`) || !strings.Contains(string(plain.Breakdown), `"missing":[]`) {
		t.Errorf("breakdown without overrides or missing components should list them as []: %s", plain.Breakdown)
	}
	if !strings.Contains(string(row.Breakdown), `"renormalised":true`) {
		t.Errorf("stored breakdown does not say it re-normalised: %s", row.Breakdown)
	}
}

// More risk never raises the score; neither does another anomaly or another
// flag. Checked over random inputs, with components randomly missing.
func TestMonotone(t *testing.T) {
	c := Defaults()
	rng := rand.New(rand.NewPCG(1, 2))
	score := func(in Input) float64 {
		row, _, ok, err := c.Integrate(asOf, in)
		if err != nil || !ok {
			t.Fatalf("integrate: %v %v", ok, err)
		}
		return row.IntegratedScore
	}
	kinds := []string{"pump_and_dump", "wash_cycle", "volume_spike", "rush_orders", "gap"}
	codes := []string{FlagLPRemoved, "top10_concentration", FlagMint, "lp_not_locked", "new_token"}
	sevs := []string{"info", "warn", "critical"}
	for i := range 500 {
		in := Input{Token: pepe, AnomaliesScanned: rng.IntN(2) == 0}
		if rng.IntN(3) > 0 {
			in.Sentiment = &analytics.SentimentAggregate{Volume: 1 + rng.IntN(500), ReachWeightedCompound: 2*rng.Float64() - 1,
				BullishRatio: rng.Float64(), SpamShare: rng.Float64(), BurstScore: 10 * rng.Float64()}
			in.Sentiment.UniqueAuthors = rng.IntN(in.Sentiment.Volume + 1)
		}
		if rng.IntN(3) > 0 {
			in.Market = &Market{Return: rng.NormFloat64() * 0.3, VolumeTrend: analytics.F(rng.NormFloat64())}
		}
		for range rng.IntN(3) {
			in.Anomalies = append(in.Anomalies, ev(kinds[rng.IntN(len(kinds))], 4+10*rng.Float64()))
		}
		for range rng.IntN(3) {
			in.Flags = append(in.Flags, rflag(codes[rng.IntN(len(codes))], sevs[rng.IntN(3)]))
		}
		prev := math.Inf(1)
		for r := 0.0; r <= 100; r += 2.5 {
			in.Risk = riskAt(r)
			s := score(in)
			if s > prev {
				t.Fatalf("input %d: risk %v scores %v, above risk %v's %v", i, r, s, r-2.5, prev)
			}
			prev = s
		}
		in.Risk = riskAt(100 * rng.Float64())
		before := score(in)
		more := in
		more.AnomaliesScanned = true
		more.Anomalies = append(slices.Clone(in.Anomalies), ev(kinds[rng.IntN(len(kinds))], 4+20*rng.Float64()))
		if in.AnomaliesScanned {
			if after := score(more); after > before {
				t.Fatalf("input %d: another anomaly raised the score %v -> %v", i, before, after)
			}
		}
		more = in
		more.Flags = append(slices.Clone(in.Flags), rflag(codes[rng.IntN(len(codes))], "critical"))
		if after := score(more); after > before {
			t.Fatalf("input %d: another flag raised the score %v -> %v", i, before, after)
		}
	}
}

func TestRank(t *testing.T) {
	c := Defaults()
	tok := func(sym string) watchlist.Token { return watchlist.Token{Symbol: sym} }
	inputs := []Input{
		{Token: tok("CCC"), Risk: riskAt(40)}, // 60
		{Token: tok("AAA"), Risk: riskAt(40)}, // 60: tie, AAA first
		{Token: tok("BBB"), Risk: riskAt(10)}, // 90
		{Token: tok("NONE")},                  // nothing to score
		{Token: tok("RUG"), Risk: riskAt(0), Flags: []analytics.RiskFlag{{Token: "RUG", Flag: FlagLPRemoved, Severity: "critical"}}},
	}
	res, err := c.Rank(asOf, inputs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, r.Token+"#"+string(rune('0'+r.Rank)))
	}
	if want := []string{"BBB#1", "AAA#2", "CCC#3", "RUG#4"}; !slices.Equal(got, want) {
		t.Errorf("ranking = %v, want %v", got, want)
	}
	if len(res.Unscored) != 1 || res.Unscored[0].Token != "NONE" {
		t.Errorf("unscored = %+v", res.Unscored)
	}
	// The same inputs in another order rank the same.
	slices.Reverse(inputs)
	again, err := c.Rank(asOf, inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Rows {
		if again.Rows[i].Token != res.Rows[i].Token || again.Rows[i].Rank != res.Rows[i].Rank {
			t.Errorf("order-dependent ranking: %d is %s, was %s", i, again.Rows[i].Token, res.Rows[i].Token)
		}
	}
	if _, err := c.Rank(asOf, []Input{{Token: tok("AAA")}, {Token: tok("aaa")}}); err == nil {
		t.Errorf("duplicate token: no error")
	}
	bad := Input{Token: tok("NAN"), Market: &Market{Return: math.NaN()}}
	if _, err := c.Rank(asOf, []Input{bad}); err == nil || !strings.Contains(err.Error(), "NAN") {
		t.Errorf("NaN return: %v, want an error naming the token", err)
	}
}

func TestValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, f := range map[string]func(c *Config){
		"negative weight":  func(c *Config) { c.Weights.Risk = -1 },
		"all zero":         func(c *Config) { c.Weights = Weights{} },
		"NaN weight":       func(c *Config) { c.Weights.Momentum = math.NaN() },
		"cap over 100":     func(c *Config) { c.Caps[FlagMint] = 150 },
		"kind weight > 1":  func(c *Config) { c.Anomaly.KindWeights["wash_cycle"] = 2 },
		"zero score scale": func(c *Config) { c.Anomaly.ScoreScale = 0 },
		"compound weight":  func(c *Config) { c.Sentiment.CompoundWeight = 1.5 },
		"zero return sc.":  func(c *Config) { c.Momentum.ReturnScale = 0 },
		"negative top":     func(c *Config) { c.TopFlags = -1 },
	} {
		c := Defaults()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := c.Rank(asOf, nil); err == nil {
			t.Errorf("%s: Rank accepted the config", name)
		}
	}
}

// A config whose caps map holds only the user's entries (as a loader that
// replaces maps gives it) keeps the default caps of the other codes.
func TestPartialMapsKeepDefaults(t *testing.T) {
	c := Defaults()
	c.Caps = map[string]float64{FlagMint: 100} // disable the mint cap only
	c.Anomaly.KindWeights = map[string]float64{"gap": 0.5}
	in := full()
	in.Flags = []analytics.RiskFlag{rflag(FlagMint, "critical")}
	if row, _, _, _ := c.Integrate(asOf, in); row.IntegratedScore != 76.6 {
		t.Errorf("mint cap disabled: %v, want 76.6", row.IntegratedScore)
	}
	in.Flags = []analytics.RiskFlag{rflag(FlagLPRemoved, "critical")}
	if row, _, _, _ := c.Integrate(asOf, in); row.IntegratedScore != 5 {
		t.Errorf("LP cap kept: %v, want 5", row.IntegratedScore)
	}
	if s, _, _ := c.AnomalyScore(true, []analytics.Anomaly{ev("pump_and_dump", 12), ev("gap", 6)}); !near(s, 100*(1-math.Exp(-2)*(1-0.5*(1-math.Exp(-1))))) {
		t.Errorf("anomaly with user gap weight and default pump weight = %v", s)
	}
}

// The worked example in docs/ANALYTICS.md ("Integrated score"), number for
// number: if this fails, fix the docs or the code so they agree.
func TestWorkedExample(t *testing.T) {
	c := Defaults()
	in := Input{Token: pepe, Sentiment: bullish(),
		Market:           &Market{Return: 0.1, VolumeTrend: analytics.F(math.Ln2), Source: "bars", Points: 12},
		AnomaliesScanned: true, Anomalies: []analytics.Anomaly{ev("volume_spike", 7)},
		Risk:  riskAt(27.8),
		Flags: []analytics.RiskFlag{rflag("top10_concentration", "warn"), rflag("lp_not_locked", "warn")}}
	row, b, _, err := c.Integrate(asOf, in)
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{*row.SentimentScore, *row.MomentumScore, *row.AnomalyScore, *row.RiskScore, row.IntegratedScore}
	if want := []float64{74.3, 71.3, 20.7, 27.8, 74.0}; !slices.Equal(got, want) {
		t.Errorf("full example = %v, want %v", got, want)
	}
	if !slices.Equal(row.Flags, []string{"lp_not_locked", "top10_concentration"}) {
		t.Errorf("flags = %v", row.Flags)
	}
	in.Sentiment = nil
	if row, _, _, _ = c.Integrate(asOf, in); row.IntegratedScore != 73.9 {
		t.Errorf("without texts = %v, want 73.9", row.IntegratedScore)
	}
	in.Sentiment = bullish()
	in.Risk = riskAt(95)
	in.Flags = append(in.Flags, rflag(FlagLPRemoved, "critical"))
	row, b, _, _ = c.Integrate(asOf, in)
	if b.Weighted != 50.4 || row.IntegratedScore != 5 || row.Flags[0] != FlagLPRemoved {
		t.Errorf("after the rug: weighted %v, integrated %v, flags %v; want 50.4, 5, LP first", b.Weighted, row.IntegratedScore, row.Flags)
	}
}
