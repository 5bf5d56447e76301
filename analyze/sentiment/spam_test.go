package sentiment

import (
	"bytes"
	"math"
	"testing"

	"memepipe/internal/shareddata"
)

func loadSpamData(t *testing.T) spamData {
	t.Helper()
	posts, err := LoadSpamPosts(shareddata.Path(t, SpamTweetsFile))
	if err != nil {
		t.Fatal(err)
	}
	return newSpamData(posts, DefaultSeed)
}

// TestSpamProtocols checks the two protocols' parts: the rows protocol's
// test part is SplitStratified's, the unseen-templates protocol never has
// a group (template or author) on both sides, and scores one row per
// held-out group.
func TestSpamProtocols(t *testing.T) {
	d := loadSpamData(t)
	if len(d.Posts) != 476 {
		t.Fatalf("%d labelled rows, want 476", len(d.Posts))
	}
	dir, _ := shareddata.Dir()
	_, _, ds, err := Datasets(dir, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	inTest := map[string]int{}
	for _, e := range ds.Test {
		inTest[e.Text]++
	}
	for _, i := range d.part(byRow, true) {
		inTest[d.Posts[i].Text]--
	}
	for text, n := range inTest {
		if n != 0 {
			t.Errorf("rows test part and Datasets' spam test part differ on %q", text)
		}
	}
	train, test := d.part(byTemplate, false), d.part(byTemplate, true)
	trainGroups := map[int]bool{}
	trainUsers := map[string]bool{}
	for _, i := range train {
		trainGroups[d.Group[i]] = true
		trainUsers[d.Posts[i].UserID] = true
	}
	for _, i := range test {
		if trainGroups[d.Group[i]] || trainUsers[d.Posts[i].UserID] {
			t.Fatalf("test row %q shares a group or author with the training part", d.Posts[i].Text)
		}
		for _, j := range train {
			if TemplateKey(d.Posts[i].Text) == TemplateKey(d.Posts[j].Text) {
				t.Fatalf("test row %q has the template of training row %q", d.Posts[i].Text, d.Posts[j].Text)
			}
		}
	}
	scored := d.scored(byTemplate, train, test)
	groups := map[int]bool{}
	for _, i := range scored {
		if groups[d.Group[i]] {
			t.Errorf("group of %q scored twice", d.Posts[i].Text)
		}
		groups[d.Group[i]] = true
	}
	if got := []int{len(d.representatives(d.all())), len(d.part(byRow, false)), len(d.part(byRow, true)), len(train), len(scored)}; got[0] != 301 || got[1] != 382 || got[2] != 94 || got[3] != 389 || got[4] != 59 {
		t.Errorf("groups, rows train/test, unseen train/scored test = %v, want [301 382 94 389 59]", got)
	}
	// folds by template keep groups whole
	fold := d.folds(train, 5, 0, byTemplate)
	foldOf := map[int]int{}
	for j, i := range train {
		if f, ok := foldOf[d.Group[i]]; ok && f != fold[j] {
			t.Fatalf("group of %q split across folds", d.Posts[i].Text)
		}
		foldOf[d.Group[i]] = fold[j]
	}
}

// TestSpamUnseenTemplatesMetrics refits the embedded model's spam
// candidate on each protocol's training part and checks
// the test numbers in docs/ANALYTICS.md, and the naive Bayes baseline's.
func TestSpamUnseenTemplatesMetrics(t *testing.T) {
	d := loadSpamData(t)
	m := embedded(t)
	chosen := -1
	for i, c := range spamCandidates() {
		fsEq := func(a, b featureSet) bool { a.DomainTag, b.DomainTag = 0, 0; return a == b }
		if !c.eligible() || !fsEq(c.text.featureSet(), m.spam.FS) || (c.lines == nil) != (m.spamLines == nil) ||
			(c.lines != nil && !fsEq(c.lines.featureSet(), m.spamLines.FS)) ||
			(c.near == nil) != (m.spam.Near == nil) || (c.near != nil && *c.near != m.spam.Near.Spec) {
			continue
		}
		chosen = i
	}
	if chosen < 0 {
		t.Fatal("no spam candidate has the embedded heads' features")
	}
	// The embedded heads have seen every row; the test numbers are those
	// of the same recipes fitted on the training part.
	dir, _ := shareddata.Dir()
	evaluated, err := m.refitSmallHeads(dir, DefaultSeed, false)
	if err != nil {
		t.Fatal(err)
	}
	_, _, h := heads()
	rep := &SpamReport{Chosen: chosen}
	h.testSpam(d, evaluated, rep)
	const tol = 0.005
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"rows: model F1", rep.RowsModel.F1["spam"], 0.927},
		{"rows: naive Bayes F1", rep.RowsBaseline.F1["spam"], 0.884},
		{"unseen templates: model F1", rep.UnseenModel.F1["spam"], 0.733},
		{"unseen templates: naive Bayes F1", rep.UnseenBaseline.F1["spam"], 0.667},
	} {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s = %.4f, want %.3f ± %.3f", c.name, c.got, c.want, tol)
		}
	}
	if rep.UnseenModel.N != 59 || rep.RowsModel.N != 94 {
		t.Errorf("scored %d unseen and %d rows, want 59 and 94", rep.UnseenModel.N, rep.RowsModel.N)
	}
}

// TestSpamLinesHead: a text with line breaks is scored by the layout head,
// the same text on one line (as the pipeline stores tweets) by the text
// head, which has no layout features; both with the neighbours' vote.
func TestSpamLinesHead(t *testing.T) {
	m := embedded(t)
	if m.spamLines == nil {
		t.Skip("the embedded model has one spam head")
	}
	if !m.spamLines.FS.Layout || m.spam.FS.Layout {
		t.Fatalf("layout features: lines head %v, text head %v; want only the lines head", m.spamLines.FS.Layout, m.spam.FS.Layout)
	}
	table := "🔄 Prices update in $USDT (1 hour):\n\n$EOS - 3.42 $ (-1.56 %)\n$ADA - 0.05 $ (-1.98 %)\n$ETC - 7.33 $ (-1.12 %)\n$NEO - 10.9 $ (-1.92 %)"
	direct := func(h *linear, text string) float64 {
		x := newExtractor(h.FS)
		x.text = text
		toks := tokenize(text)
		tr := applyRules(toks)
		p := make([]float64, 2)
		h.probs(x.extract(toks, &tr), p)
		return m.spam.Near.spamProb(p, text, &nearScratch{})
	}
	if got, want := m.Score(table).SpamScore, direct(m.spamLines, table); math.Abs(got-want) > 1e-9 {
		t.Errorf("multi-line text: SpamScore %.6f, lines head %.6f", got, want)
	}
	flat := oneLine(table)
	if got, want := m.Score(flat).SpamScore, direct(m.spam, flat); math.Abs(got-want) > 1e-9 {
		t.Errorf("one-line text: SpamScore %.6f, text head %.6f", got, want)
	}
	for _, text := range []string{table, flat} {
		if s := m.Score(text).SpamScore; s < 0.5 {
			t.Errorf("price feed %q: spam_score %.3f, want >= 0.5", text, s)
		}
	}
}

func TestLayoutAndAuthorFeatures(t *testing.T) {
	feats := func(fs featureSet, text string, a *Author) map[uint32]float32 {
		x := newExtractor(fs)
		x.text, x.author = text, a
		toks := tokenize(text)
		tr := applyRules(toks)
		out := map[uint32]float32{}
		for _, f := range x.extract(toks, &tr) {
			out[f.Idx] += f.Val
		}
		return out
	}
	bucket := func(fs featureSet, name string) uint32 {
		x := newExtractor(fs)
		x.dense(name, 1)
		return x.feats[0].Idx
	}
	lay := featureSet{Bits: 18, Layout: true}
	f := feats(lay, "Hourly update:\n$BTC: 10225.95\n$ETH: 236.82\nsee you", nil)
	for name, want := range map[string]float32{"l:lines": float32(math.Log1p(4)), "l:numeric-share": 0.5, "l:ticker-start-share": 0.5, "l:key-value-share": 0.5} {
		if got := f[bucket(lay, name)]; math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("%s = %.4f, want %.4f", name, got, want)
		}
	}
	if f := feats(lay, "one line: 1 2 3", nil); f[bucket(lay, "l:numeric-share")] != 0 {
		t.Error("a one-line text has line shares")
	}

	au := featureSet{Bits: 18, Author: true}
	none := feats(au, "x", nil)
	if none[bucket(au, "a:fol?")] != 1 || none[bucket(au, "a:fri?")] != 1 {
		t.Error("unknown author: no missing marks")
	}
	known := feats(au, "x", &Author{Followers: 1500, Friends: 0, HasFollowers: true, HasFriends: true})
	if known[bucket(au, "a:fol?")] != 0 || known[bucket(au, "a:fol6")] != 1 || known[bucket(au, "a:fri0")] != 1 {
		t.Errorf("1500 followers, 0 friends: bins not set")
	}
	if got := known[bucket(au, "a:ratio")]; math.Abs(float64(got)-math.Log(1501)/10) > 1e-6 {
		t.Errorf("a:ratio = %.4f, want ln(1501)/10", got)
	}
	onlyFol := feats(au, "x", &Author{Followers: 10, HasFollowers: true})
	if onlyFol[bucket(au, "a:fri?")] != 1 || onlyFol[bucket(au, "a:ratio")] != 0 {
		t.Error("followers without friends: want the friends missing mark and no ratio")
	}
}

// TestWeightsFlagsRoundTrip: every feature flag, the layout and author
// ones included, and a recipe survive the weight format.
func TestWeightsFlagsRoundTrip(t *testing.T) {
	fs := featureSet{Bits: 8, Words: true, Shape: true, Promo: true, Layout: true, Author: true, Embed: true, CharMin: 2, CharMax: 5}
	h := &linear{Name: spamLinesHead, Classes: spamLabels, FS: fs, W: make([]float32, 2<<fs.Bits), Rows: 7,
		Recipe: candidate{{fs: fs, method: methodNBLR, alpha: 1, l2: 1e-3, balance: true}}}
	h.W[6], h.W[7] = 2, -2
	var buf bytes.Buffer
	if err := writeWeights(&buf, []*linear{h}); err != nil {
		t.Fatal(err)
	}
	hs, err := readWeights(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := hs[0]
	if got.Name != h.Name || got.FS != fs || got.Rows != 7 || len(got.Recipe) != 1 || got.Recipe[0] != h.Recipe[0] || got.W[6] != 2 || got.W[7] != -2 {
		t.Errorf("read back %s %+v rows %d recipe %v W[6:8]=%v; wrote %+v", got.Name, got.FS, got.Rows, got.Recipe, got.W[6:8], fs)
	}
}

// BenchmarkScoreSpamSet scores the spam set's tweets, over half of them
// on several lines (the layout head).
func BenchmarkScoreSpamSet(b *testing.B) {
	ex, err := LoadSpamTweets(shareddata.Path(b, SpamTweetsFile))
	if err != nil {
		b.Fatal(err)
	}
	m := embedded(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Score(ex[i%len(ex)].Text)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

// TestSpamNeighboursEmbedded: the embedded spam head carries the vote of
// every labelled text (copies counted), a labelled text finds itself, and
// the vote moves the heads' logit by its weight.
func TestSpamNeighboursEmbedded(t *testing.T) {
	m := embedded(t)
	ix := m.spam.Near
	if ix == nil {
		t.Skip("the embedded spam head has no neighbours")
	}
	if m.spamLines != nil && m.spamLines.Near != nil {
		t.Error("the lines head has its own neighbours; both heads should share the text head's")
	}
	d := loadSpamData(t)
	var spam, ham uint32
	for e := range ix.Spam {
		spam += ix.Spam[e]
		ham += ix.Ham[e]
	}
	if int(spam+ham) != len(d.Posts) || spam != 210 {
		t.Errorf("the index holds %d spam and %d other texts, want 210 of %d", spam, ham, len(d.Posts))
	}
	var s nearScratch
	for _, p := range d.Posts[:50] {
		if _, near := ix.vote(p.Text, &s); math.Abs(near-1) > 1e-9 {
			t.Errorf("%q: nearest labelled text at similarity %.4f, want itself (1)", p.Text, near)
		}
	}
	text := "🔄 Prices update in $USDT (1 hour):\n\n$EOS - 3.42 $ (-1.56 %)\n$ADA - 0.05 $ (-1.98 %)"
	h := spamHead(text, m.spam, m.spamLines)
	x := newExtractor(h.FS)
	x.text = text
	toks := tokenize(text)
	tr := applyRules(toks)
	p := make([]float64, 2)
	h.probs(x.extract(toks, &tr), p)
	v, _ := ix.vote(text, &s)
	want := 1 / (1 + math.Exp(-(math.Log(p[1]/p[0]) + ix.Spec.Weight*v)))
	if got := m.Score(text).SpamScore; math.Abs(got-want) > 1e-9 || v <= 0 {
		t.Errorf("price feed: SpamScore %.6f, want %.6f (heads %.4f, vote %+.3f)", got, want, p[1], v)
	}
}
