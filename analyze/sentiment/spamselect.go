package sentiment

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// spamLinesHead is the name of the second spam head, the one for texts
// with line breaks.
const spamLinesHead = "spam-lines"

// spamCandidate is one way to build the spam head.
type spamCandidate struct {
	// text scores every text, or, when lines is set, texts on one line.
	text candidate
	// lines, when set, scores texts with line breaks. It can use the
	// layout features, which a text on one line does not have: the
	// pipeline stores tweets with whitespace collapsed (clean), so there
	// every text goes to the text head, while a CSV keeps its line breaks.
	lines candidate
	// near, when set, adds the vote of the nearest labelled texts to
	// both heads' logit (near.go); the index lives on the text head.
	near *nearSpec
	how  spamTraining
	// withAuthor: scored with the authors' follower and friend counts.
	// Measured to answer whether they help; the model has no author input,
	// so such a candidate is not eligible.
	withAuthor bool
	// baseline: the naive Bayes of the issue, measured on the same folds,
	// not eligible.
	baseline bool
	// shipped marks the heads that shipped before this round of
	// candidates: every candidate's paired difference from them is
	// reported too.
	shipped bool
}

func (c spamCandidate) String() string {
	if c.baseline {
		return "baseline: multinomial NB on word counts (alpha 1)"
	}
	s := c.text.String()
	if c.lines != nil {
		s += "; lines: " + c.lines.String()
	}
	if c.near != nil {
		s += "; + " + c.near.String()
	}
	if c.how.AuthorDropout {
		s += "; trained with and without authors"
	}
	if c.how.DupPower != 0 {
		s += fmt.Sprintf("; rows weighted 1/group^%g", c.how.DupPower)
	}
	if c.withAuthor {
		s += "; scored with authors"
	}
	return s
}

func (c spamCandidate) eligible() bool { return !c.baseline && !c.withAuthor }

// spamCandidates are the spam heads chosen from (docs/ANALYTICS.md has the
// numbers), the previous head first: the paired differences are against it.
func spamCandidates() []spamCandidate {
	sp := featureSet{Bits: 18, Words: true, Bigrams: true, Trigrams: true, CharMin: 2, CharMax: 5, Shape: true}
	with := func(f func(*featureSet)) featureSet { fs := sp; f(&fs); return fs }
	promo := with(func(f *featureSet) { f.Promo = true })
	layout := with(func(f *featureSet) { f.Layout = true })
	promoLayout := with(func(f *featureSet) { f.Promo, f.Layout = true, true })
	promoAuthor := with(func(f *featureSet) { f.Promo, f.Author = true, true })
	wc := featureSet{Bits: 18, Words: true, Bigrams: true, CharMin: 2, CharMax: 5}
	lr := func(fs featureSet) member { return member{fs: fs, method: methodLR, l2: 1e-5, balance: true} }
	nblr := member{fs: wc, method: methodNBLR, alpha: 1, l2: 1e-3, balance: true}
	near := func(k uint8, weight float64) *nearSpec {
		return &nearSpec{Bits: 20, NMin: 3, NMax: 5, K: k, Power: 1, Prior: 0.5, Weight: weight}
	}
	return []spamCandidate{
		{text: candidate{lr(sp)}}, // the previous head
		{baseline: true},
		{text: candidate{lr(sp)}, lines: candidate{lr(layout)}},
		{text: candidate{lr(promo), nblr}},
		{text: candidate{lr(promo), nblr}, lines: candidate{lr(promoLayout), nblr}, shipped: true},
		{text: candidate{lr(promoAuthor), nblr}, how: spamTraining{AuthorDropout: true}, withAuthor: true},
		// the heads above with the nearest labelled texts' vote (near.go)
		{text: candidate{lr(promo), nblr}, lines: candidate{lr(promoLayout), nblr}, near: near(5, 1)},
		{text: candidate{lr(promo), nblr}, lines: candidate{lr(promoLayout), nblr}, near: near(7, 1.5)},
	}
}

// method turns c into a spamMethod for cross-validation.
func (c spamCandidate) method(h headSpec) spamMethod {
	m := spamMethod{Name: c.String(), WithAuthor: c.withAuthor}
	if c.baseline {
		m.Fit = wordNB(1)
		return m
	}
	m.Fit = func(d spamData, train []int) spamScorer {
		text, lines := h.fitSpam(c, d.trainingRows(train, c.how))
		return spamHeadsScorer(text, lines)
	}
	return m
}

// fitSpam fits c's heads on rows (lines is nil when c has one head).
func (h headSpec) fitSpam(c spamCandidate, rows []row) (text, lines *linear) {
	text = h.fitRows(c.text, rows)
	if c.near != nil {
		texts := make([]string, len(rows))
		spam := make([]bool, len(rows))
		for i, r := range rows {
			texts[i], spam[i] = r.Text, r.Label == "spam"
		}
		text.Near = newNearIndex(*c.near, texts, spam)
	}
	if c.lines != nil {
		lh := h
		lh.name = spamLinesHead
		lines = lh.fitRows(c.lines, rows)
	}
	return text, lines
}

// spamHead is the head that scores text: lines for a text with line
// breaks when there is such a head, else text.
func spamHead(text string, spam, lines *linear) *linear {
	if lines != nil && strings.ContainsAny(text, "\n\r") {
		return lines
	}
	return spam
}

func spamHeadsScorer(text, lines *linear) spamScorer {
	xs := map[*linear]*extractor{text: newExtractor(text.FS)}
	if lines != nil {
		xs[lines] = newExtractor(lines.FS)
	}
	p := make([]float64, 2)
	var ns nearScratch
	return func(s string, a *Author) float64 {
		h := spamHead(s, text, lines)
		x := xs[h]
		toks := tokenize(s)
		tr := applyRules(toks)
		x.author, x.text = a, s
		h.probs(x.extract(toks, &tr), p)
		return text.Near.spamProb(p, s, &ns)
	}
}

// SpamReport is how the spam head was chosen and how it does, under both
// protocols (see spamData).
type SpamReport struct {
	Rows, Spam, Groups int // labelled rows, spam among them, groups (templates and authors)
	// Train and Test are the sizes of each protocol's parts; for unseen
	// templates Test counts the rows scored (one per test group).
	RowsTrain, RowsTest, UnseenTrain, UnseenTest int
	Folds, Repeats                               int
	Candidates                                   []SpamCandidateResult
	Chosen                                       int
	// Threshold is the F1-optimal threshold on the chosen head's
	// out-of-fold P(spam) under the rows protocol, and F1 there; the head
	// is used at 0.5 (see docs).
	Threshold, ThresholdF1 float64
	// Test results (not filled by a selection-only run): the shipped head
	// on the rows test part and a head fitted the same way on the unseen
	// protocol's training part on its test groups; the baseline likewise.
	RowsModel, RowsBaseline, UnseenModel, UnseenBaseline Metrics
}

// SpamCandidateResult is one candidate's cross-validation under both
// protocols.
type SpamCandidateResult struct {
	Name         string
	Eligible     bool
	Rows, Unseen CandidateResult
	// VsShipped: the mean paired difference from the heads that shipped
	// before this round (by row, unseen templates) and its standard error.
	RowsVsShipped, UnseenVsShipped [2]float64
}

// chooseSpam cross-validates every candidate under both protocols,
// chooses the eligible one with the best mean F1 by row (the issue's
// protocol), and fits it on the rows protocol's training part.
func (h headSpec) chooseSpam(d spamData, folds, repeats int, log io.Writer) (text, lines *linear, rep *SpamReport) {
	cands := spamCandidates()
	rep = &SpamReport{Rows: len(d.Posts), Folds: folds, Repeats: repeats, Chosen: -1}
	groups := map[int]bool{}
	for i, p := range d.Posts {
		groups[d.Group[i]] = true
		if p.Label == "spam" {
			rep.Spam++
		}
	}
	rep.Groups = len(groups)
	rowsTrain, unseenTrain := d.part(byRow, false), d.part(byTemplate, false)
	rep.RowsTrain, rep.RowsTest = len(rowsTrain), len(d.part(byRow, true))
	rep.UnseenTrain, rep.UnseenTest = len(unseenTrain), len(d.scored(byTemplate, unseenTrain, d.part(byTemplate, true)))
	paired := func(a, b spamCV) (float64, float64) {
		diff := make([]float64, len(a.Scores))
		for j := range diff {
			diff[j] = a.Scores[j] - b.Scores[j]
		}
		m, sd := meanStd(diff)
		return m, sd / math.Sqrt(float64(len(diff)))
	}
	var cvs [][2]spamCV // per candidate, by protocol
	for i, c := range cands {
		t0 := time.Now()
		m := c.method(h)
		r := SpamCandidateResult{Name: m.Name, Eligible: c.eligible()}
		var cv [2]spamCV
		for p, train := range [][]int{rowsTrain, unseenTrain} {
			cv[p] = d.crossValidate(m, train, folds, repeats, spamProtocol(p))
			res := CandidateResult{Name: m.Name, Mean: cv[p].Mean, Std: cv[p].Std, Folds: len(cv[p].Scores), Pooled: cv[p].Pooled, scores: cv[p].Scores}
			if i > 0 {
				res.Diff, res.DiffSE = paired(cv[p], cvs[0][p])
			}
			if p == 0 {
				r.Rows = res
			} else {
				r.Unseen = res
			}
		}
		cvs = append(cvs, cv)
		fmt.Fprintf(log, "  spam F1 by row %.3f ± %.3f (%+.3f ± %.3f), unseen templates %.3f ± %.3f (%+.3f ± %.3f)  %s (%s)\n",
			r.Rows.Mean, r.Rows.Std, r.Rows.Diff, r.Rows.DiffSE, r.Unseen.Mean, r.Unseen.Std, r.Unseen.Diff, r.Unseen.DiffSE, m.Name, elapsed(t0))
		rep.Candidates = append(rep.Candidates, r)
		if r.Eligible && (rep.Chosen < 0 || r.Rows.Mean > rep.Candidates[rep.Chosen].Rows.Mean+1e-9) {
			rep.Chosen = i
		}
	}
	for j, c := range cands {
		if !c.shipped {
			continue
		}
		for i := range rep.Candidates {
			r := &rep.Candidates[i]
			r.RowsVsShipped[0], r.RowsVsShipped[1] = paired(cvs[i][byRow], cvs[j][byRow])
			r.UnseenVsShipped[0], r.UnseenVsShipped[1] = paired(cvs[i][byTemplate], cvs[j][byTemplate])
		}
	}
	rep.Threshold, rep.ThresholdF1 = bestThreshold(cvs[rep.Chosen][byRow].OOF)
	text, lines = h.fitSpam(cands[rep.Chosen], d.trainingRows(rowsTrain, cands[rep.Chosen].how))
	return text, lines, rep
}

// testSpam fills rep's test results: the shipped model on the rows test
// part, the chosen candidate refitted on the unseen protocol's training
// part on its test groups (through the weight format, as shipped), and
// the baseline on both.
func (h headSpec) testSpam(d spamData, model *Model, rep *SpamReport) {
	eval := func(score spamScorer, rows []int) Metrics {
		gold := make([]string, len(rows))
		pred := make([]string, len(rows))
		for j, i := range rows {
			gold[j] = d.Posts[i].Label
			pred[j] = spamLabel(score(d.Posts[i].Text, nil), 0.5)
		}
		return Evaluate(spamLabels, gold, pred)
	}
	shipped := func(text string, _ *Author) float64 { return model.Score(text).SpamScore }
	nb := wordNB(1)
	rowsTrain, rowsTest := d.part(byRow, false), d.part(byRow, true)
	rep.RowsModel = eval(shipped, rowsTest)
	rep.RowsBaseline = eval(nb(d, rowsTrain), rowsTest)

	c := spamCandidates()[rep.Chosen]
	train := d.part(byTemplate, false)
	test := d.scored(byTemplate, train, d.part(byTemplate, true))
	text, lines := h.fitSpam(c, d.trainingRows(train, c.how))
	text = quantised(text)
	if lines != nil {
		lines = quantised(lines)
	}
	rep.UnseenModel = eval(spamHeadsScorer(text, lines), test)
	rep.UnseenBaseline = eval(nb(d, train), test)
}

// Wilson is the 95% Wilson score interval of k successes in n trials.
func Wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.96
	nf := float64(n)
	p := float64(k) / nf
	c := (p + z*z/(2*nf)) / (1 + z*z/nf)
	h := z / (1 + z*z/nf) * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return c - h, c + h
}
