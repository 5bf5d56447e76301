package sentiment

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Domain tags for feature augmentation: the stance model sees financial
// tweets, the valence model crypto comments; social text at run time is
// scored as crypto.
const (
	domainFinance uint8 = 1
	domainCrypto  uint8 = 2
)

// method is how a member of a head's ensemble is fitted.
type method uint8

const (
	methodLR   method = iota // L2-penalised logistic regression (L-BFGS)
	methodNBLR               // NB-weighted logistic regression (NBSVM)
	methodMNB                // multinomial naive Bayes
)

// member is one linear model of a candidate head.
type member struct {
	fs     featureSet
	method method
	l2     float64 // LR and NBLR penalty
	alpha  float64 // NB smoothing (NBLR, MNB)
	weight float64 // share of the averaged logit; 0 = equal shares
	// balance weights classes inversely to their frequency (for macro-F1
	// or the F1 of a minority class)
	balance bool
	// extra > 0 adds the head's extra rows (the review sentences of
	// reviews.go, never evaluated) to this member's training rows, each
	// weighted extra; the head's own rows keep weight 1.
	extra float64
}

func (mb member) String() string {
	name := [...]string{"lr", "nblr", "mnb"}[mb.method]
	var groups []string
	fs := mb.fs
	for _, g := range []struct {
		on   bool
		name string
	}{{fs.Words, "w1"}, {fs.Bigrams, "w2"}, {fs.Trigrams, "w3"}, {fs.CharMax > 0, fmt.Sprintf("c%d-%d", fs.CharMin, fs.CharMax)},
		{fs.Lexicon, "lex"}, {fs.Shape, "shape"}, {fs.Promo, "promo"}, {fs.Layout, "layout"}, {fs.Author, "author"}, {fs.Transfer, "stance"}, {fs.Embed, "emb"}} {
		if g.on {
			groups = append(groups, g.name)
		}
	}
	switch mb.method {
	case methodMNB:
		name += fmt.Sprintf("(a=%g)", mb.alpha)
	case methodNBLR:
		name += fmt.Sprintf("(a=%g,l2=%g)", mb.alpha, mb.l2)
	default:
		name += fmt.Sprintf("(l2=%g)", mb.l2)
	}
	if mb.weight != 0 {
		name += fmt.Sprintf("x%g", mb.weight)
	}
	if mb.balance {
		name += "bal"
	}
	if mb.extra > 0 {
		name += fmt.Sprintf("+reviews×%g", mb.extra)
	}
	return name + "[" + strings.Join(groups, "+") + "]"
}

// candidate is one way to build a head: the logit average of its members,
// folded into a single linear head over the union of their features.
type candidate []member

func (c candidate) String() string {
	parts := make([]string, len(c))
	for i, mb := range c {
		parts[i] = mb.String()
	}
	return strings.Join(parts, " + ")
}

// featureSet is the union of the members' feature groups. Members that use
// character n-grams must agree on the range (a group is normalised as a
// whole, so a wider range would rescale a narrower member's features).
func (c candidate) featureSet() featureSet {
	fs := c[0].fs
	for _, mb := range c[1:] {
		f := mb.fs
		if f.Bits != fs.Bits || f.Domain != fs.Domain {
			panic("sentiment: ensemble members differ in hash bits or domain tagging")
		}
		if f.CharMax > 0 {
			if fs.CharMax > 0 && (f.CharMin != fs.CharMin || f.CharMax != fs.CharMax) {
				panic("sentiment: ensemble members differ in character n-gram range")
			}
			fs.CharMin, fs.CharMax = f.CharMin, f.CharMax
		}
		fs.Words = fs.Words || f.Words
		fs.Bigrams = fs.Bigrams || f.Bigrams
		fs.Trigrams = fs.Trigrams || f.Trigrams
		fs.Lexicon = fs.Lexicon || f.Lexicon
		fs.Shape = fs.Shape || f.Shape
		fs.Promo = fs.Promo || f.Promo
		fs.Layout = fs.Layout || f.Layout
		fs.Author = fs.Author || f.Author
		fs.Transfer = fs.Transfer || f.Transfer
		fs.Embed = fs.Embed || f.Embed
	}
	return fs
}

// headSpec describes one classifier head: its classes, data handling, the
// candidates to choose from and how to choose.
type headSpec struct {
	name       string
	classes    []string
	domain     uint8
	candidates []candidate
	// folds > 0: choose by repeated stratified k-fold cross-validation on
	// train+dev (the small sets); 0: fit on train, choose on dev.
	folds, repeats int
	// margin > 0 (cross-validation only): the first candidate, the head in
	// use, stays unless a challenger's paired per-fold gain over it exceeds
	// margin standard errors; of those that do, the best mean wins.
	margin     float64
	metric     func(Metrics) float64
	metricName string
	stance     *linear // source of the Transfer features
	// extra rows for members with extra > 0 (the review sentences; never
	// evaluated, never crypto rows)
	extra []Example
}

// prepare tokenises and featurises examples for one feature set.
func (h headSpec) prepare(fs featureSet, ex []Example, balance bool) []trainExample {
	return h.prepareRows(fs, rowsOf(ex), balance)
}

// prepareRows is prepare for rows that may carry their author and a weight.
func (h headSpec) prepareRows(fs featureSet, rows []row, balance bool) []trainExample {
	fs.DomainTag = h.domain
	x := newExtractor(fs)
	var sx *extractor
	if fs.Transfer {
		if h.stance == nil {
			panic("sentiment: transfer features without a stance head")
		}
		sx = newExtractor(h.stance.FS)
	}
	idx := map[string]int{}
	for i, c := range h.classes {
		idx[c] = i
	}
	counts := make([]float64, len(h.classes))
	total := 0.0
	for _, r := range rows {
		if y, ok := idx[r.Label]; ok {
			counts[y] += r.weight()
			total += r.weight()
		}
	}
	out := make([]trainExample, 0, len(rows))
	for _, r := range rows {
		y, ok := idx[r.Label]
		if !ok {
			continue
		}
		toks := tokenize(r.Text)
		tr := applyRules(toks)
		if sx != nil {
			h.stance.probs(sx.extract(toks, &tr), x.stance[:])
		}
		x.author, x.text = r.Author, r.Text
		f := compact(append([]feature(nil), x.extract(toks, &tr)...))
		w := r.weight()
		if balance {
			w *= total / (float64(len(h.classes)) * counts[y])
		}
		out = append(out, trainExample{F: f, Y: y, Weight: w})
	}
	return out
}

// fit trains every member of c on ex and averages them into one head.
func (h headSpec) fit(c candidate, ex []Example) *linear {
	return h.fitRows(c, rowsOf(ex))
}

// fitRows is fit for rows that may carry their author and a weight.
func (h headSpec) fitRows(c candidate, rows []row) *linear {
	heads := make([]*linear, len(c))
	weights := make([]float64, len(c))
	for i, mb := range c {
		mrows := rows
		if mb.extra > 0 {
			if len(h.extra) == 0 {
				panic("sentiment: a member with extra rows, but the head has none")
			}
			mrows = append([]row(nil), rows...)
			for _, e := range h.extra {
				mrows = append(mrows, row{Example: e, Weight: mb.extra})
			}
		}
		data := h.prepareRows(mb.fs, mrows, mb.balance)
		m := &linear{Name: h.name, Classes: h.classes, FS: mb.fs}
		cfg := defaultTrainCfg
		cfg.L2 = mb.l2
		switch mb.method {
		case methodLR:
			trainLinear(m, data, cfg)
		case methodNBLR:
			trainNBLR(m, data, cfg, mb.alpha)
		case methodMNB:
			trainMNB(m, data, mb.alpha)
		}
		heads[i] = m
		weights[i] = mb.weight
		if mb.weight == 0 {
			weights[i] = 1 / float64(len(c))
		}
	}
	out := blend(h.name, h.classes, c.featureSet(), heads, weights)
	out.FS.DomainTag = h.domain
	out.Recipe = c
	out.Rows = len(rows)
	return out
}

func predictAll(m *linear, data []trainExample) []int {
	p := make([]float64, len(m.Classes))
	out := make([]int, len(data))
	for i, ex := range data {
		m.probs(ex.F, p)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		out[i] = best
	}
	return out
}

// evaluate scores a fitted head on examples.
func (h headSpec) evaluate(m *linear, ex []Example) Metrics {
	data := h.prepare(m.FS, ex, false)
	pred := predictAll(m, data)
	g := make([]string, len(data))
	pr := make([]string, len(data))
	for i, d := range data {
		g[i] = m.Classes[d.Y]
		pr[i] = m.Classes[pred[i]]
	}
	return Evaluate(m.Classes, g, pr)
}

var defaultTrainCfg = trainConfig{MaxIter: 300, Memory: 10}

// CandidateResult is one candidate's selection score: on dev, or the mean
// and standard deviation over cross-validation folds.
type CandidateResult struct {
	Name   string
	Mean   float64 // selection metric: dev score or mean over folds
	Std    float64 // standard deviation over folds (0 on dev)
	Folds  int     // folds × repeats (0: dev)
	Pooled Metrics // all out-of-fold (or dev) predictions together
	// Diff and DiffSE: the mean per-fold difference from the first
	// candidate (the baseline) on the same folds, and its standard error
	// (optimistic: folds of different repeats share rows).
	Diff, DiffSE float64
	scores       []float64
}

func (r CandidateResult) String() string {
	if r.Folds == 0 {
		return fmt.Sprintf("dev %.4f  %s", r.Mean, r.Name)
	}
	return fmt.Sprintf("cv %.4f ± %.4f (%d folds; vs first %+.4f ± %.4f; pooled acc %.3f macroF1 %.3f)  %s", r.Mean, r.Std, r.Folds, r.Diff, r.DiffSE, r.Pooled.Accuracy, r.Pooled.MacroF1, r.Name)
}

// choose evaluates every candidate, picks the best (the first of equals;
// with a margin, the first unless a challenger is clearly better), and
// refits it on train+dev.
func (h headSpec) choose(ds Dataset, log io.Writer) (*linear, []CandidateResult, int) {
	all := append(append([]Example(nil), ds.Train...), ds.Dev...)
	var results []CandidateResult
	for i, c := range h.candidates {
		t0 := time.Now()
		var r CandidateResult
		if h.folds > 0 {
			r = h.crossValidate(c, all)
			if i > 0 {
				d := make([]float64, len(r.scores))
				for j := range d {
					d[j] = r.scores[j] - results[0].scores[j]
				}
				var sd float64
				r.Diff, sd = meanStd(d)
				r.DiffSE = sd / math.Sqrt(float64(len(d)))
			}
		} else {
			m := h.fit(c, ds.Train)
			r.Pooled = h.evaluate(m, ds.Dev)
			r.Mean = h.metric(r.Pooled)
		}
		r.Name = c.String()
		fmt.Fprintf(log, "  %s %s %s (%s)\n", h.name, h.metricName, r, elapsed(t0))
		results = append(results, r)
	}
	margin := h.margin
	if h.folds <= 0 {
		margin = 0
	}
	best := pick(results, margin)
	return h.fit(h.candidates[best], all), results, best
}

// pick is the index of the best mean (the first of equals). With margin >
// 0 the first candidate is the incumbent: a challenger is considered only
// if its paired gain over the first exceeds margin standard errors.
func pick(results []CandidateResult, margin float64) int {
	best := 0
	for i, r := range results {
		if i == 0 || (margin > 0 && r.Diff <= margin*r.DiffSE) {
			continue
		}
		if r.Mean > results[best].Mean+1e-9 {
			best = i
		}
	}
	return best
}

// crossValidate runs repeated stratified k-fold cross-validation. Each
// repeat orders every label's rows by a differently seeded hash of the text
// and deals them round-robin into the folds, so it is deterministic and
// independent of file order.
func (h headSpec) crossValidate(c candidate, ex []Example) CandidateResult {
	var scores []float64
	var gold, pred []string
	for rep := 0; rep < max(h.repeats, 1); rep++ {
		fold := foldsOf(ex, h.folds, uint64(rep))
		for k := 0; k < h.folds; k++ {
			var tr, te []Example
			for i, e := range ex {
				if fold[i] == k {
					te = append(te, e)
				} else {
					tr = append(tr, e)
				}
			}
			mt := h.evaluate(h.fit(c, tr), te)
			scores = append(scores, h.metric(mt))
			for i := range mt.Labels {
				for j := range mt.Labels {
					for range mt.Confusion[i][j] {
						gold = append(gold, mt.Labels[i])
						pred = append(pred, mt.Labels[j])
					}
				}
			}
		}
	}
	mean, std := meanStd(scores)
	return CandidateResult{Mean: mean, Std: std, Folds: len(scores), Pooled: Evaluate(h.classes, gold, pred), scores: scores}
}

// foldsOf assigns each example a fold, stratified by label.
func foldsOf(ex []Example, k int, rep uint64) []int {
	byLabel := map[string][]int{}
	var labels []string
	for i, e := range ex {
		if _, ok := byLabel[e.Label]; !ok {
			labels = append(labels, e.Label)
		}
		byLabel[e.Label] = append(byLabel[e.Label], i)
	}
	sort.Strings(labels)
	seed := fnvOffset ^ (rep+1)*0x9e3779b97f4a7c15
	fold := make([]int, len(ex))
	for _, l := range labels {
		idx := byLabel[l]
		sort.SliceStable(idx, func(a, b int) bool {
			return mix64(hashStr(seed, ex[idx[a]].Text)) < mix64(hashStr(seed, ex[idx[b]].Text))
		})
		for j, i := range idx {
			fold[i] = j % k
		}
	}
	return fold
}

func meanStd(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	mean := 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	if len(v) < 2 {
		return mean, 0
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// TrainOptions configures Train.
type TrainOptions struct {
	DataDir string    // the shared data folder (holds sentiment/...)
	Seed    uint64    // split seed; the optimiser itself is deterministic
	Log     io.Writer // progress; nil discards
	// SelectOnly stops after model selection: no final evaluation on the
	// test parts (for trying candidates without looking at test rows).
	SelectOnly bool
}

// The heads of the committed model and the candidates each was chosen
// from (see docs/ANALYTICS.md for the numbers).
func heads() (stance, valence, spam headSpec) {
	nGrams := featureSet{Bits: 18, Words: true, Bigrams: true, Trigrams: true, Lexicon: true, Shape: true}
	lr := func(fs featureSet, l2 float64) member { return member{fs: fs, method: methodLR, l2: l2} }
	macroF1 := func(m Metrics) float64 { return m.MacroF1 }

	// Stance: L2 chosen on dev (2,241 rows are enough for a dev part).
	stance = headSpec{name: "stance", classes: stanceLabels, domain: domainFinance,
		metric: macroF1, metricName: "macro-F1"}
	for _, l2 := range []float64{1e-5, 2e-5, 5e-5} {
		stance.candidates = append(stance.candidates, candidate{{fs: nGrams, method: methodLR, l2: l2, balance: true}})
	}

	// Valence (fourth round): the head in use first (the paired differences
	// are against it, and it stays unless a challenger is clearly better),
	// then transfer from general-domain review sentences (reviews.go): a
	// fourth member fitted on the crypto rows plus the reviews, and the
	// reviews as down-weighted extra rows of every member.
	valence = headSpec{name: "valence", classes: valenceLabels, domain: domainCrypto, folds: 5, repeats: 4, margin: 2,
		metric: func(m Metrics) float64 { return m.Accuracy }, metricName: "accuracy"}
	withStance := nGrams
	withStance.Transfer = true
	wb := featureSet{Bits: 18, Words: true, Bigrams: true}
	emb := featureSet{Bits: 18, Embed: true}
	nblr := func(fs featureSet, a, l2 float64) member { return member{fs: fs, method: methodNBLR, alpha: a, l2: l2} }
	reviews := func(mb member, w float64) member { mb.extra = w; return mb }
	head := candidate{lr(withStance, 1e-3), nblr(wb, 1, 3e-4), lr(emb, 3e-5)} // the head in use (third round)
	plus := func(mb member) candidate { return append(append(candidate(nil), head...), mb) }
	every := func(w float64) candidate {
		c := append(candidate(nil), head...)
		for i := range c {
			c[i] = reviews(c[i], w)
		}
		return c
	}
	valence.candidates = []candidate{
		head,
		plus(reviews(nblr(wb, 1, 3e-4), 1)),
		plus(reviews(lr(emb, 3e-5), 1)),
		every(0.1),
		every(0.3),
		every(1),
	}

	// Spam: the candidates and both protocols are in spamselect.go.
	spam = headSpec{name: "spam", classes: spamLabels, folds: 5, repeats: 3,
		metric: func(m Metrics) float64 { return m.F1["spam"] }, metricName: "F1[spam]"}
	return
}

// HeadReport is how one head was chosen and how it does on held-out rows.
type HeadReport struct {
	Dataset    string
	Train      int // rows the evaluated head was fitted on (train+dev)
	Test       int // held-out rows
	Shipped    int // rows the shipped head was fitted on
	Dropped    int // near-duplicate rows removed before splitting
	Metric     string
	Candidates []CandidateResult // every candidate's selection score
	Chosen     int               // index of the chosen candidate
	Model      Metrics           // the model on the test part
	Rules      Metrics           // the rule scorer on the test part (not for spam)
}

// Selected is the chosen candidate's selection result.
func (r HeadReport) Selected() CandidateResult { return r.Candidates[r.Chosen] }

// Report is the outcome of Train, as printed by the training command.
type Report struct {
	Seed                  uint64
	Stance, Valence, Spam HeadReport
	SpamDetail            *SpamReport // both protocols, the baseline
	// Register is the register head on both test parts (news = the
	// financial tweets, comment = the crypto comments); AutoStance and
	// AutoValence are the label of ReadAuto on each test part.
	Register, AutoStance, AutoValence Metrics
	// Reviews is the number of review sentences the valence candidates
	// could add (reviews.go), ReviewsDropped those removed as duplicates
	// or as copies of a crypto comment.
	Reviews, ReviewsDropped int
}

// Train fits the three heads on the labelled data with a fixed split seed.
// Each head is chosen and fitted on train+dev and evaluated on the test part
// (after a round trip through the weight format, so the numbers are those
// of stored weights). The model it returns is the one to ship: the heads
// chosen by cross-validation (the two small sets, where every row counts)
// are refitted with the same recipe on all their labelled rows, test part
// included, since the real test is data nobody here has seen; the stance
// head (9,000 tweets, chosen on dev) ships as evaluated.
func Train(opt TrainOptions) (*Model, *Report, error) {
	log := opt.Log
	if log == nil {
		log = io.Discard
	}
	fin, cry, spamDS, err := Datasets(opt.DataDir, opt.Seed)
	if err != nil {
		return nil, nil, err
	}
	spamPosts, err := LoadSpamPosts(filepath.Join(opt.DataDir, SpamTweetsFile))
	if err != nil {
		return nil, nil, err
	}
	hs, hv, hp := heads()
	rep := &Report{Seed: opt.Seed}
	// the review sentences, without duplicates and without any text that is
	// also a crypto comment (of any part: test rows never enter training)
	if hv.extra, rep.ReviewsDropped, err = reviewRows(cry.All()); err != nil {
		return nil, nil, err
	}
	rep.Reviews = len(hv.extra)
	var fitted []*linear
	for _, j := range []struct {
		h   *headSpec
		ds  Dataset
		out *HeadReport
	}{{&hs, fin, &rep.Stance}, {&hv, cry, &rep.Valence}} {
		t0 := time.Now()
		if j.h.name == "valence" {
			// the transfer features read the stance head as it will be stored
			j.h.stance = quantised(fitted[0])
		}
		fmt.Fprintf(log, "training %s on %s: %d train, %d dev, %d test\n", j.h.name, j.ds.Name, len(j.ds.Train), len(j.ds.Dev), len(j.ds.Test))
		m, results, best := j.h.choose(j.ds, log)
		fmt.Fprintf(log, "  %s: chose %s in %s\n", j.h.name, results[best].Name, elapsed(t0))
		*j.out = HeadReport{Dataset: j.ds.Name, Train: len(j.ds.Train) + len(j.ds.Dev), Test: len(j.ds.Test),
			Shipped: len(j.ds.Train) + len(j.ds.Dev), Dropped: j.ds.Dropped, Metric: j.h.metricName, Candidates: results, Chosen: best}
		fitted = append(fitted, m)
	}
	t0 := time.Now()
	spamData := newSpamData(spamPosts, opt.Seed)
	fmt.Fprintf(log, "training spam on %d rows by row and by unseen template (%d train, %d test rows; %d groups)\n",
		len(spamPosts), len(spamDS.Train)+len(spamDS.Dev), len(spamDS.Test), len(spamData.representatives(spamData.all())))
	spamText, spamLines, spamRep := hp.chooseSpam(spamData, hp.folds, hp.repeats, log)
	fmt.Fprintf(log, "  spam: chose %s in %s\n", spamRep.Candidates[spamRep.Chosen].Name, elapsed(t0))
	rep.SpamDetail = spamRep
	rep.Spam = HeadReport{Dataset: spamDS.Name, Train: spamRep.RowsTrain, Test: spamRep.RowsTest, Shipped: spamRep.RowsTrain,
		Metric: hp.metricName, Chosen: spamRep.Chosen}
	for _, c := range spamRep.Candidates {
		rep.Spam.Candidates = append(rep.Spam.Candidates, c.Rows)
	}
	hr, rc := registerSpec()
	t0 = time.Now()
	register := hr.fit(rc, registerExamples(append(append([]Example(nil), fin.Train...), fin.Dev...), append(append([]Example(nil), cry.Train...), cry.Dev...)))
	fmt.Fprintf(log, "trained register (%s) on %d rows in %s\n", rc, register.Rows, elapsed(t0))
	evaluated, err := roundTrip(append(fitted, nonNil(spamText, spamLines, register)...))
	if err != nil || opt.SelectOnly {
		return evaluated, rep, err
	}
	rep.Stance.Model = evaluated.EvaluateStance(fin.Test)
	rep.Stance.Rules = EvaluateRules(fin.Test, false)
	rep.Valence.Model = evaluated.EvaluateValence(cry.Test)
	rep.Valence.Rules = EvaluateRules(cry.Test, true)
	rep.Spam.Model = evaluated.EvaluateSpam(spamDS.Test)
	hp.testSpam(spamData, evaluated, spamRep)
	rep.Register = evaluated.EvaluateRegister(fin.Test, cry.Test)
	rep.AutoStance = evaluated.evaluateReading(fin.Test, stanceLabels, ReadAuto)
	rep.AutoValence = evaluated.evaluateReading(cry.Test, valenceLabels, ReadAuto)

	// The shipped model: the small heads refitted on all labelled rows.
	shipped, err := evaluated.refitSmallHeads(opt.DataDir, opt.Seed, true)
	if err != nil {
		return nil, nil, err
	}
	rep.Valence.Shipped, rep.Spam.Shipped = shipped.valence.Rows, shipped.spam.Rows
	fmt.Fprintf(log, "refitted valence on all %d labelled rows, spam on all %d\n", rep.Valence.Shipped, rep.Spam.Shipped)
	return shipped, rep, nil
}

// refitSmallHeads refits the small heads of m (valence and the spam heads)
// with their stored recipes, on the rows they were evaluated with (all =
// false: train+dev; for spam the training part of the by-row protocol) or
// on all labelled rows (the shipped heads), reading the data in dataDir
// with seed. The stance head is m's own.
func (m *Model) refitSmallHeads(dataDir string, seed uint64, all bool) (*Model, error) {
	_, cry, _, err := Datasets(dataDir, seed)
	if err != nil {
		return nil, err
	}
	posts, err := LoadSpamPosts(filepath.Join(dataDir, SpamTweetsFile))
	if err != nil {
		return nil, err
	}
	_, hv, hp := heads()
	hv.stance = m.stance
	valRows := append(append([]Example(nil), cry.Train...), cry.Dev...)
	d := newSpamData(posts, seed)
	spamRows := d.part(byRow, false)
	if all {
		valRows, spamRows = cry.All(), d.all()
	}
	c := spamCandidate{text: m.spam.Recipe}
	if m.spamLines != nil {
		c.lines = m.spamLines.Recipe
	}
	if m.spam.Near != nil {
		c.near = &m.spam.Near.Spec
	}
	text, lines := hp.fitSpam(c, d.trainingRows(spamRows, c.how))
	return roundTrip(append([]*linear{m.stance, hv.fit(m.valence.Recipe, valRows)}, nonNil(text, lines, m.register)...))
}

// nonNil is the heads that are not nil.
func nonNil(heads ...*linear) []*linear {
	var out []*linear
	for _, h := range heads {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}

// roundTrip is the model of heads after writing and reading them back.
func roundTrip(heads []*linear) (*Model, error) {
	var buf bytes.Buffer
	if err := writeWeights(&buf, heads); err != nil {
		return nil, err
	}
	return LoadModel(&buf)
}

// quantised is h after a round trip through the weight format.
func quantised(h *linear) *linear {
	var buf bytes.Buffer
	if err := writeWeights(&buf, []*linear{h}); err != nil {
		panic(err) // writing to memory does not fail
	}
	hs, err := readWeights(&buf)
	if err != nil {
		panic(err)
	}
	return hs[0]
}

var (
	stanceLabels  = []string{"negative", "neutral", "positive"}
	valenceLabels = []string{"negative", "positive"}
	spamLabels    = []string{"ham", "spam"}
)

// EvaluateStance scores bullish/bearish/neutral examples with the stance head.
func (m *Model) EvaluateStance(ex []Example) Metrics {
	return evaluateWith(ex, stanceLabels, func(t string) string { return string(m.Score(t).Label) })
}

// EvaluateValence scores positive/negative examples with the valence head.
func (m *Model) EvaluateValence(ex []Example) Metrics {
	return evaluateWith(ex, valenceLabels, func(t string) string { return string(m.Score(t).ValenceLabel()) })
}

// EvaluateSpam scores spam/ham examples at the 0.5 threshold.
func (m *Model) EvaluateSpam(ex []Example) Metrics {
	return evaluateWith(ex, spamLabels, func(t string) string {
		if m.Score(t).SpamScore >= 0.5 {
			return "spam"
		}
		return "ham"
	})
}

// EvaluateRules scores examples with the rule scorer: three classes at
// VADER's ±0.05 thresholds, or (binary) positive when compound >= 0.
func EvaluateRules(ex []Example, binary bool) Metrics {
	if binary {
		return EvaluateCompound(ex, ScoreRulesCompound, true)
	}
	return EvaluateCompound(ex, ScoreRulesCompound, false)
}

// ScoreRulesCompound is ScoreRules(text).Compound.
func ScoreRulesCompound(text string) float64 { return ScoreRules(text).Compound }

// EvaluateCompound evaluates any compound scorer (the rule scorer, VADER)
// the same way: three classes at ±0.05, or binary with compound >= 0 as
// positive (texts with no sentiment words count as positive, the majority
// class of the crypto comments, for every scorer alike).
func EvaluateCompound(ex []Example, compound func(string) float64, binary bool) Metrics {
	if binary {
		return evaluateWith(ex, valenceLabels, func(t string) string {
			if compound(t) >= 0 {
				return "positive"
			}
			return "negative"
		})
	}
	return evaluateWith(ex, stanceLabels, func(t string) string { return string(labelFromCompound(compound(t))) })
}

// evaluateReading scores ex by the label of reading r, the rows read as
// one file (as memepipe sentiment score reads a CSV: ReadAuto re-weighs
// the register for the file): a label outside labels (neutral on binary
// data) counts as wrong.
func (m *Model) evaluateReading(ex []Example, labels []string, r Reading) Metrics {
	scores := make([]Score, len(ex))
	for i, e := range ex {
		scores[i] = m.Score(e.Text)
	}
	share := CommentShare(scores)
	gold := make([]string, len(ex))
	pred := make([]string, len(ex))
	for i, e := range ex {
		gold[i] = e.Label
		l, _ := scores[i].InFile(share).Reading(r)
		pred[i] = string(l)
	}
	return Evaluate(labels, gold, pred)
}

func evaluateWith(ex []Example, labels []string, predict func(string) string) Metrics {
	gold := make([]string, len(ex))
	pred := make([]string, len(ex))
	for i, e := range ex {
		gold[i] = e.Label
		pred[i] = predict(e.Text)
	}
	return Evaluate(labels, gold, pred)
}

// DefaultSeed is the seed of the committed model.
const DefaultSeed = 20240601

// Datasets loads the three labelled sets and splits them with seed.
func Datasets(dataDir string, seed uint64) (fin, crypto, spam Dataset, err error) {
	f, err := LoadFinancialTweets(filepath.Join(dataDir, FinancialTweetsFile))
	if err != nil {
		return
	}
	c, err := LoadCryptoComments(filepath.Join(dataDir, CryptoCommentsFile))
	if err != nil {
		return
	}
	s, err := LoadSpamTweets(filepath.Join(dataDir, SpamTweetsFile))
	if err != nil {
		return
	}
	// The financial tweets are split as they are (the stance head was chosen
	// that way); the crypto comments lose their duplicates first. The spam
	// set is split by row (its test part for the protocol); its
	// bot templates are handled by the second protocol (spameval.go).
	c, cDropped := Dedupe(c, TextKey, 0)
	fin = SplitStratified("financial-tweets", f, seed)
	crypto = SplitStratified("crypto-comments", c, seed)
	crypto.Dropped = cDropped
	spam = SplitStratified("spam", s, seed^spamSplitSeed)
	return fin, crypto, spam, nil
}

// elapsed is for progress lines.
func elapsed(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }
