package sentiment

import (
	"bytes"
	"math"
	"slices"
	"testing"
)

func TestTemplateKeyAndDedupe(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		// a price bot: other coins, other prices, other link
		{"Prices update in $USD (1 hour): $EOS 3.51 $ - 1.2% https://t.co/a1", "Prices update in $USD (1 hour): $ETC 7.02 $ + 0.4% https://t.co/b2"},
		// one promotion with a rotating ticker list and mention
		{"$KNC almost 40% profits from this entry! Don't miss your chance, join telegram $XLM $LTC @x", "$KNC almost 35% profits from this entry! Don't miss your chance, join telegram $ELF $WTC"},
	} {
		if ka, kb := TemplateKey(tc.a), TemplateKey(tc.b); ka != kb {
			t.Errorf("TemplateKey differs:\n %q -> %q\n %q -> %q", tc.a, ka, tc.b, kb)
		}
	}
	if TemplateKey("$NEO") != "$neo" || TemplateKey("$NEO") == TemplateKey("$BTC") {
		t.Errorf("a text of tickers only keeps them: %q %q", TemplateKey("$NEO"), TemplateKey("$BTC"))
	}

	ex := []Example{
		{"Top volume gainers of the past hour (Top 100 market cap) $A $B", "spam"},
		{"Top price gainers of the past hour (Top 100 market cap) $C", "spam"}, // near duplicate: Jaccard 9/11
		{"Top price gainers of the past hour (Top 100 market cap) $D", "spam"}, // same template
		{"I think $BTC goes up from here", "ham"},
		{"i think $ETH goes up from here!", "ham"},
		{"nothing alike at all", "ham"},
	}
	got, dropped := Dedupe(ex, TemplateKey, 0.7)
	if dropped != 3 || len(got) != 3 {
		t.Fatalf("Dedupe kept %d, dropped %d; want 3 and 3: %v", len(got), dropped, got)
	}
	// the smallest text of each group is kept, whatever the row order
	rev := slices.Clone(ex)
	slices.Reverse(rev)
	got2, _ := Dedupe(rev, TemplateKey, 0.7)
	slices.Reverse(got2)
	if !slices.Equal(got, got2) {
		t.Errorf("Dedupe depends on row order:\n%v\n%v", got, got2)
	}
	if got[0].Text != "Top price gainers of the past hour (Top 100 market cap) $C" || got[1].Text != "I think $BTC goes up from here" {
		t.Errorf("kept %q, %q", got[0].Text, got[1].Text)
	}
	// exact-text dedupe does not merge templates
	if _, d := Dedupe(ex, TextKey, 0); d != 0 {
		t.Errorf("TextKey dropped %d rows, want 0", d)
	}
}

// tiny labelled set for trainer tests
func toyData(fs featureSet) (headSpec, []Example) {
	h := headSpec{name: "spam", classes: spamLabels}
	ex := []Example{
		{"FREE airdrop join telegram now", "spam"}, {"giveaway! retweet and follow to win", "spam"},
		{"signals channel 100x join now", "spam"}, {"free bonus register today", "spam"},
		{"I sold my bags today, bad week", "ham"}, {"what do you think of the merge", "ham"},
		{"the chart looks weak to me", "ham"}, {"holding since 2017, not selling", "ham"},
	}
	return h, ex
}

func TestNBLRFoldsRatiosIntoWeights(t *testing.T) {
	fs := featureSet{Bits: 12, Words: true, Bigrams: true}
	h, ex := toyData(fs)
	data := h.prepare(fs, ex, false)
	cfg := trainConfig{L2: 1e-3, MaxIter: 100, Memory: 5}
	m := &linear{Name: "spam", Classes: spamLabels, FS: fs}
	trainNBLR(m, data, cfg, 1)

	// the same logistic fit on explicitly scaled features
	r := nbRatios(data, 1)
	scaled := make([]trainExample, len(data))
	for i, d := range data {
		f := slices.Clone(d.F)
		for j := range f {
			f[j].Val *= float32(r[f[j].Idx])
		}
		scaled[i] = trainExample{F: f, Y: d.Y, Weight: d.Weight}
	}
	ref := &linear{Name: "spam", Classes: spamLabels, FS: fs}
	trainLinear(ref, scaled, cfg)
	p, q := make([]float64, 2), make([]float64, 2)
	for i := range data {
		m.probs(data[i].F, p)
		ref.probs(scaled[i].F, q)
		if math.Abs(p[1]-q[1]) > 1e-5 {
			t.Errorf("row %d: folded head %.6f, scaled features %.6f", i, p[1], q[1])
		}
		if (p[1] >= 0.5) != (data[i].Y == 1) {
			t.Errorf("row %d (%q): P(spam)=%.3f on its own training row", i, ex[i].Text, p[1])
		}
	}
	// a word seen only in spam has a positive ratio, one seen only in ham a negative one
	x := newExtractor(fs)
	toks := tokenize("airdrop")
	tr := applyRules(toks)
	f := x.extract(toks, &tr)
	if r[f[1].Idx] <= 0 {
		t.Errorf("ratio of a spam-only word = %.3f, want > 0", r[f[1].Idx])
	}
}

func TestBlendAveragesLogits(t *testing.T) {
	fsA := featureSet{Bits: 12, Words: true}
	fsB := featureSet{Bits: 12, Shape: true, Promo: true}
	c := candidate{{fs: fsA, method: methodLR, l2: 1e-3}, {fs: fsB, method: methodLR, l2: 1e-2}}
	h, ex := toyData(fsA)
	m := h.fit(c, ex)
	if u := c.featureSet(); !u.Words || !u.Shape || !u.Promo || m.FS.Words != u.Words {
		t.Fatalf("union feature set %+v", u)
	}
	a, b := h.fit(candidate{c[0]}, ex), h.fit(candidate{c[1]}, ex)
	logit := func(m *linear, text string) float64 {
		toks := tokenize(text)
		tr := applyRules(toks)
		p := make([]float64, 2)
		m.probs(newExtractor(m.FS).extract(toks, &tr), p)
		return math.Log(p[1] / p[0])
	}
	for _, text := range []string{"FREE airdrop join telegram now", "the chart looks weak", "$BTC $ETH https://t.co/x"} {
		want := (logit(a, text) + logit(b, text)) / 2
		if got := logit(m, text); math.Abs(got-want) > 1e-4 {
			t.Errorf("%q: blended logit %.5f, want the mean %.5f", text, got, want)
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	fs := featureSet{Bits: 12, Words: true, Bigrams: true, CharMin: 2, CharMax: 4, Shape: true, Promo: true, Embed: true}
	h, ex := toyData(fs)
	c := candidate{{fs: fs, method: methodLR, l2: 1e-4, balance: true}, {fs: featureSet{Bits: 12, Words: true, CharMin: 2, CharMax: 4}, method: methodNBLR, alpha: 1, l2: 1e-3, weight: 0.4}}
	var files [2][]byte
	for i := range files {
		var buf bytes.Buffer
		if err := writeWeights(&buf, []*linear{h.fit(c, ex)}); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two fits of the same candidate wrote different weight files")
	}
	hs, err := readWeights(bytes.NewReader(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if got := hs[0].FS; !got.Promo || got.Transfer || !got.Embed || got.CharMin != 2 || got.CharMax != 4 {
		t.Errorf("feature set after round trip: %+v", got)
	}
	// the recipe is stored with the weights, so the head can be refitted
	if got := hs[0].Recipe; !slices.Equal(got, c) || hs[0].Rows != len(ex) {
		t.Errorf("recipe after round trip: %v on %d rows, want %v on %d", got, hs[0].Rows, c, len(ex))
	}
}

func TestCrossValidateFolds(t *testing.T) {
	ex := make([]Example, 0, 50)
	for i := range 50 {
		l := "ham"
		if i%5 == 0 {
			l = "spam"
		}
		ex = append(ex, Example{Text: string(rune('a'+i%26)) + string(rune('a'+i/26)), Label: l})
	}
	f0, f1 := foldsOf(ex, 5, 0), foldsOf(ex, 5, 1)
	if slices.Equal(f0, f1) {
		t.Error("repeats use the same folds")
	}
	for _, f := range [][]int{f0, f1} {
		spamIn := make([]int, 5)
		for i, k := range f {
			if ex[i].Label == "spam" {
				spamIn[k]++
			}
		}
		for k, n := range spamIn {
			if n != 2 {
				t.Errorf("fold %d holds %d of the 10 spam rows, want 2 (stratified)", k, n)
			}
		}
	}
}

func TestPickKeepsIncumbent(t *testing.T) {
	res := []CandidateResult{
		{Mean: 0.837},
		{Mean: 0.842, Diff: 0.005, DiffSE: 0.006}, // better mean, within noise
		{Mean: 0.839, Diff: 0.002, DiffSE: 0.0005},
		{Mean: 0.800, Diff: -0.037, DiffSE: 0.009},
	}
	if got := pick(res, 0); got != 1 {
		t.Errorf("without a margin: picked %d, want 1 (best mean)", got)
	}
	if got := pick(res, 2); got != 2 {
		t.Errorf("margin 2 SE: picked %d, want 2 (the only clear gain)", got)
	}
	res[2].DiffSE = 0.002
	if got := pick(res, 2); got != 0 {
		t.Errorf("margin 2 SE, no clear gain: picked %d, want the incumbent 0", got)
	}
}

func TestExtraRows(t *testing.T) {
	fs := featureSet{Bits: 12, Words: true}
	h, ex := toyData(fs)
	h.extra = []Example{{"join the airdrop giveaway", "spam"}, {"lovely weather, bad chart", "ham"}}
	plain := candidate{{fs: fs, method: methodLR, l2: 1e-3}}
	with := candidate{{fs: fs, method: methodLR, l2: 1e-3, extra: 0.5}}
	a, b := h.fit(plain, ex), h.fit(with, ex)
	if slices.Equal(a.W, b.W) {
		t.Error("extra rows changed nothing")
	}
	if b.Rows != len(ex) {
		t.Errorf("fitted on %d rows, want %d: extra rows are not the head's rows", b.Rows, len(ex))
	}
	// a word only the extra rows hold gets a weight
	x := newExtractor(fs)
	toks := tokenize("lovely")
	tr := applyRules(toks)
	bk := x.extract(toks, &tr)[1].Idx
	if a.W[bk*2] != 0 || b.W[bk*2] == 0 {
		t.Errorf("weight of a word of the extra rows: %v without them, %v with", a.W[bk*2], b.W[bk*2])
	}
	// the recipe record (format 3) cannot say a member used extra rows
	if err := writeWeights(&bytes.Buffer{}, []*linear{b}); err == nil {
		t.Error("a head with extra rows was written with a recipe that cannot refit it")
	}
	h.extra = nil
	defer func() {
		if recover() == nil {
			t.Error("a member with extra rows fitted without any")
		}
	}()
	h.fit(with, ex)
}
