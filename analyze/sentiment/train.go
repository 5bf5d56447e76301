package sentiment

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"
)

// Domain tags for feature augmentation: the stance model sees financial
// tweets, the valence model crypto comments; social text at run time is
// scored as crypto.
const (
	domainFinance uint8 = 1
	domainCrypto  uint8 = 2
)

// headSpec describes one classifier head: its classes, features and data.
type headSpec struct {
	name    string
	classes []string
	fs      featureSet
	l2Grid  []float64
	balance bool // weight classes inversely to their frequency (macro-F1)
	folds   int  // >0: choose L2 by k-fold CV on train+dev (small sets); 0: on dev

	// extra is out-of-domain training data (always in the training part,
	// never evaluated), tagged extraDomain and weighted extraWeight.
	extra       []Example
	extraDomain uint8
	extraWeight float64
}

// trainingData featurises in-domain rows plus the head's extra rows.
func (h headSpec) trainingData(ex []Example, domain uint8) []trainExample {
	d := prepare(h.fs, h.classes, ex, domain, h.balance)
	if len(h.extra) > 0 {
		for _, e := range prepare(h.fs, h.classes, h.extra, h.extraDomain, h.balance) {
			e.Weight *= h.extraWeight
			d = append(d, e)
		}
	}
	return d
}

// prepare tokenises and featurises examples for one head.
func prepare(fs featureSet, classes []string, ex []Example, domain uint8, balance bool) []trainExample {
	fs.DomainTag = domain
	x := newExtractor(fs)
	idx := map[string]int{}
	for i, c := range classes {
		idx[c] = i
	}
	counts := make([]int, len(classes))
	for _, e := range ex {
		counts[idx[e.Label]]++
	}
	out := make([]trainExample, 0, len(ex))
	for _, e := range ex {
		y, ok := idx[e.Label]
		if !ok {
			continue
		}
		toks := tokenize(e.Text)
		tr := applyRules(toks)
		f := compact(append([]feature(nil), x.extract(toks, &tr)...))
		w := 1.0
		if balance {
			w = float64(len(ex)) / float64(len(classes)*counts[y])
		}
		out = append(out, trainExample{F: f, Y: y, Weight: w})
	}
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

func evalHead(m *linear, data []trainExample) Metrics {
	pred := predictAll(m, data)
	g := make([]string, len(data))
	pr := make([]string, len(data))
	for i, ex := range data {
		g[i] = m.Classes[ex.Y]
		pr[i] = m.Classes[pred[i]]
	}
	return Evaluate(m.Classes, g, pr)
}

// score of a head for model selection: macro-F1 (for spam, F1 of "spam").
func selectionScore(name string, m Metrics) float64 {
	if name == "spam" {
		return m.F1["spam"]
	}
	return m.MacroF1
}

var defaultTrainCfg = trainConfig{MaxIter: 300, Memory: 10}

// fitHead chooses L2 on dev (or by CV), then refits on train+dev.
func fitHead(h headSpec, ds Dataset, domain uint8, log io.Writer) (*linear, float64, float64) {
	bestL2, bestScore := h.l2Grid[0], -1.0
	for _, l2 := range h.l2Grid {
		cfg := defaultTrainCfg
		cfg.L2 = l2
		var score float64
		if h.folds > 0 {
			all := append(append([]Example(nil), ds.Train...), ds.Dev...)
			var cv Metrics
			score, cv = crossValidate(h, all, domain, cfg)
			fmt.Fprintf(log, "    %d-fold cv: %v\n", h.folds, cv)
		} else {
			m := &linear{Name: h.name, Classes: h.classes, FS: h.fs}
			trainLinear(m, h.trainingData(ds.Train, domain), cfg)
			m.FS.DomainTag = domain
			score = selectionScore(h.name, evalHead(m, prepare(h.fs, h.classes, ds.Dev, domain, false)))
		}
		fmt.Fprintf(log, "  %s l2=%g select=%.4f\n", h.name, l2, score)

		if score > bestScore+1e-9 {
			bestL2, bestScore = l2, score
		}
	}
	cfg := defaultTrainCfg
	cfg.L2 = bestL2
	m := &linear{Name: h.name, Classes: h.classes, FS: h.fs}
	all := append(append([]Example(nil), ds.Train...), ds.Dev...)
	trainLinear(m, h.trainingData(all, domain), cfg)
	m.FS.DomainTag = domain
	return m, bestL2, bestScore
}

// crossValidate returns the mean selection score over k folds (folds are
// taken round-robin per label in the stratified order, so deterministic).
func crossValidate(h headSpec, ex []Example, domain uint8, cfg trainConfig) (float64, Metrics) {
	byLabel := map[string][]int{}
	for i, e := range ex {
		byLabel[e.Label] = append(byLabel[e.Label], i)
	}
	fold := make([]int, len(ex))
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		for j, i := range byLabel[l] {
			fold[i] = j % h.folds
		}
	}
	var gold, pred []string
	for k := 0; k < h.folds; k++ {
		var tr, te []Example
		for i, e := range ex {
			if fold[i] == k {
				te = append(te, e)
			} else {
				tr = append(tr, e)
			}
		}
		m := &linear{Name: h.name, Classes: h.classes, FS: h.fs}
		trainLinear(m, h.trainingData(tr, domain), cfg)
		data := prepare(h.fs, h.classes, te, domain, false)
		for i, p := range predictAll(m, data) {
			gold = append(gold, h.classes[data[i].Y])
			pred = append(pred, h.classes[p])
		}
	}
	mt := Evaluate(h.classes, gold, pred)
	return selectionScore(h.name, mt), mt
}

// TrainOptions configures Train.
type TrainOptions struct {
	DataDir string    // the shared data folder (holds sentiment/...)
	Seed    uint64    // split seed; the optimiser itself is deterministic
	Log     io.Writer // progress; nil discards
}

// The heads of the committed model. The feature sets and L2 grids were
// chosen on the dev part (financial tweets) and by 5-fold cross-validation
// on train+dev (crypto comments, spam); see docs/ANALYTICS.md.
func heads() (stance, valence, spam headSpec) {
	nGrams := featureSet{Bits: 18, Words: true, Bigrams: true, Trigrams: true, Lexicon: true, Shape: true}
	stance = headSpec{name: "stance", classes: []string{"negative", "neutral", "positive"}, fs: nGrams,
		l2Grid: []float64{1e-5, 2e-5, 5e-5}, balance: true}
	valence = headSpec{name: "valence", classes: []string{"negative", "positive"}, fs: nGrams,
		l2Grid: []float64{3e-4, 1e-3, 3e-3}, folds: 5}
	spam = headSpec{name: "spam", classes: []string{"ham", "spam"},
		fs:     featureSet{Bits: 18, Words: true, Bigrams: true, Trigrams: true, CharMin: 1, CharMax: 4, Shape: true},
		l2Grid: []float64{1e-5, 1e-4, 1e-3}, folds: 5}
	return
}

// HeadReport is how one head was chosen and how it does on held-out rows.
type HeadReport struct {
	Dataset   string
	Train     int     // rows the final head was fitted on (train+dev)
	Test      int     // held-out rows
	L2        float64 // chosen penalty
	Selection float64 // its dev (or cross-validated) selection score
	Model     Metrics // the model on the test part
	Rules     Metrics // the rule scorer on the test part (not for spam)
}

// Report is the outcome of Train, as printed by the training command.
type Report struct {
	Seed                  uint64
	Stance, Valence, Spam HeadReport
}

// Train fits the three heads on the labelled data with a fixed split seed
// and returns the model, after a round trip through the weight format, so
// the metrics reported are those of the weights that get embedded.
func Train(opt TrainOptions) (*Model, *Report, error) {
	log := opt.Log
	if log == nil {
		log = io.Discard
	}
	fin, cry, spamDS, err := Datasets(opt.DataDir, opt.Seed)
	if err != nil {
		return nil, nil, err
	}
	hs, hv, hp := heads()
	rep := &Report{Seed: opt.Seed}
	var fitted []*linear
	for _, job := range []struct {
		h      headSpec
		ds     Dataset
		domain uint8
		out    *HeadReport
	}{{hs, fin, domainFinance, &rep.Stance}, {hv, cry, domainCrypto, &rep.Valence}, {hp, spamDS, 0, &rep.Spam}} {
		t0 := time.Now()
		fmt.Fprintf(log, "training %s on %s: %d train, %d dev, %d test\n", job.h.name, job.ds.Name, len(job.ds.Train), len(job.ds.Dev), len(job.ds.Test))
		m, l2, sel := fitHead(job.h, job.ds, job.domain, log)
		fmt.Fprintf(log, "  %s: l2=%g in %s\n", job.h.name, l2, elapsed(t0))
		*job.out = HeadReport{Dataset: job.ds.Name, Train: len(job.ds.Train) + len(job.ds.Dev), Test: len(job.ds.Test), L2: l2, Selection: sel}
		fitted = append(fitted, m)
	}
	var buf bytes.Buffer
	if err := writeWeights(&buf, fitted); err != nil {
		return nil, nil, err
	}
	model, err := LoadModel(&buf)
	if err != nil {
		return nil, nil, err
	}
	rep.Stance.Model = model.EvaluateStance(fin.Test)
	rep.Stance.Rules = EvaluateRules(fin.Test, false)
	rep.Valence.Model = model.EvaluateValence(cry.Test)
	rep.Valence.Rules = EvaluateRules(cry.Test, true)
	rep.Spam.Model = model.EvaluateSpam(spamDS.Test)
	return model, rep, nil
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
	return SplitStratified("financial-tweets", f, seed), SplitStratified("crypto-comments", c, seed), SplitStratified("spam", s, seed^0x5bd1e995), nil
}

// elapsed is for progress lines.
func elapsed(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }
