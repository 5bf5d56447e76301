package risk

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Model is a gradient-boosted ensemble of small regression trees on the
// logistic loss (Friedman's gradient boosting with Newton leaf values, as in
// XGBoost, without the engineering): P(rug) = sigmoid(Base + sum of tree
// outputs). It is small enough to embed as JSON and evaluate in a few
// hundred nanoseconds.
type Model struct {
	Features     []string `json:"features"`
	Base         float64  `json:"base"`
	LearningRate float64  `json:"learning_rate"`
	Trees        []Tree   `json:"trees"`
	Meta         Meta     `json:"meta"`
}

// Meta records how a model was trained, for the docs and the tests.
type Meta struct {
	Data      string      `json:"data"`
	Params    TrainParams `json:"params"`
	Seed      uint64      `json:"seed"`
	TestShare float64     `json:"test_share"`
	TrainRows int         `json:"train_rows"`
	TestRows  int         `json:"test_rows"`
	TestAUC   float64     `json:"test_auc"`
	TrainAUC  float64     `json:"train_auc"`
}

// Tree is a binary tree stored as a node array; node 0 is the root.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Node is a split (F >= 0: go to L when x[F] <= T or x[F] is NaN, else R)
// or a leaf (F == -1) adding V to the margin.
type Node struct {
	F int     `json:"f"`
	T float64 `json:"t,omitempty"`
	L int     `json:"l,omitempty"`
	R int     `json:"r,omitempty"`
	V float64 `json:"v,omitempty"`
}

func (t *Tree) eval(x []float64) float64 {
	i := 0
	for {
		n := &t.Nodes[i]
		if n.F < 0 {
			return n.V
		}
		if v := x[n.F]; v <= n.T || math.IsNaN(v) {
			i = n.L
		} else {
			i = n.R
		}
	}
}

// Margin is the model's log-odds for x.
func (m *Model) Margin(x []float64) float64 {
	s := m.Base
	for i := range m.Trees {
		s += m.Trees[i].eval(x)
	}
	return s
}

// Predict is the model's probability for x (features in m.Features order).
func (m *Model) Predict(x []float64) float64 { return sigmoid(m.Margin(x)) }

// Validate checks the node structure, so a corrupt embedded file fails at
// load time and not with an index panic during scoring.
func (m *Model) Validate() error {
	if len(m.Features) == 0 || len(m.Trees) == 0 {
		return errors.New("model has no features or no trees")
	}
	for ti, t := range m.Trees {
		if len(t.Nodes) == 0 {
			return fmt.Errorf("tree %d is empty", ti)
		}
		for ni, n := range t.Nodes {
			if n.F >= len(m.Features) {
				return fmt.Errorf("tree %d node %d: feature %d out of range", ti, ni, n.F)
			}
			if n.F >= 0 && (n.L <= ni || n.R <= ni || n.L >= len(t.Nodes) || n.R >= len(t.Nodes)) {
				return fmt.Errorf("tree %d node %d: bad children %d, %d", ti, ni, n.L, n.R)
			}
		}
	}
	return nil
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// TrainParams are the boosting hyper-parameters.
type TrainParams struct {
	Rounds       int     `json:"rounds"`
	Depth        int     `json:"depth"`
	LearningRate float64 `json:"learning_rate"`
	// Lambda is the L2 penalty on leaf values.
	Lambda float64 `json:"lambda"`
	// MinHessian is the least sum of p(1-p) a child may hold (XGBoost's
	// min_child_weight): it stops splits that isolate a few certain rows.
	MinHessian float64 `json:"min_hessian"`
	// MaxBins caps the candidate thresholds per feature (quantiles).
	MaxBins int `json:"max_bins"`
}

// DefaultTrainParams: depth-3 trees, 300 rounds at 0.05, as chosen by
// 5-fold cross-validation on the training part only (see cmd/train -cv).
var DefaultTrainParams = TrainParams{Rounds: 300, Depth: 3, LearningRate: 0.05, Lambda: 1, MinHessian: 1, MaxBins: 64}

// binner maps feature values to histogram bins by quantile thresholds.
type binner struct {
	edges [][]float64 // per feature, ascending thresholds
}

func newBinner(X [][]float64, nf, maxBins int) *binner {
	b := &binner{edges: make([][]float64, nf)}
	col := make([]float64, 0, len(X))
	for f := 0; f < nf; f++ {
		col = col[:0]
		for _, x := range X {
			if !math.IsNaN(x[f]) {
				col = append(col, x[f])
			}
		}
		sort.Float64s(col)
		var uniq []float64
		for i, v := range col {
			if i == 0 || v != col[i-1] {
				uniq = append(uniq, v)
			}
		}
		var cands []float64
		if len(uniq) <= maxBins {
			cands = uniq
		} else {
			for q := 1; q < maxBins; q++ {
				cands = append(cands, col[q*len(col)/maxBins])
			}
		}
		// Thresholds halfway between consecutive distinct candidates.
		var edges []float64
		for i := 1; i < len(cands); i++ {
			if cands[i] != cands[i-1] {
				edges = append(edges, cands[i-1]+(cands[i]-cands[i-1])/2)
			}
		}
		b.edges[f] = edges
	}
	return b
}

// bin is the number of thresholds below v: v <= edges[bin] (or the last bin).
func (b *binner) bin(f int, v float64) uint8 {
	if math.IsNaN(v) {
		return 0
	}
	return uint8(sort.SearchFloat64s(b.edges[f], v))
}

// Train fits a model on rows X (all len(features) long) with 0/1 labels y.
// It is deterministic: no sampling, ties broken by feature order.
func Train(features []string, X [][]float64, y []float64, p TrainParams) (*Model, error) {
	if len(X) == 0 || len(X) != len(y) {
		return nil, fmt.Errorf("train: %d rows, %d labels", len(X), len(y))
	}
	nf := len(features)
	if p.MaxBins <= 1 || p.MaxBins > 255 {
		p.MaxBins = 255
	}
	bn := newBinner(X, nf, p.MaxBins)
	bins := make([][]uint8, len(X))
	for i, x := range X {
		if len(x) != nf {
			return nil, fmt.Errorf("train: row %d has %d features, want %d", i, len(x), nf)
		}
		bins[i] = make([]uint8, nf)
		for f := range nf {
			bins[i][f] = bn.bin(f, x[f])
		}
	}
	var pos float64
	for _, v := range y {
		pos += v
	}
	prior := math.Min(math.Max(pos/float64(len(y)), 1e-6), 1-1e-6)
	m := &Model{Features: append([]string(nil), features...), Base: math.Log(prior / (1 - prior)), LearningRate: p.LearningRate}
	margin := make([]float64, len(X))
	for i := range margin {
		margin[i] = m.Base
	}
	g := make([]float64, len(X))
	h := make([]float64, len(X))
	rows := make([]int, len(X))
	for r := 0; r < p.Rounds; r++ {
		for i := range X {
			pr := sigmoid(margin[i])
			g[i] = pr - y[i]
			h[i] = math.Max(pr*(1-pr), 1e-12)
			rows[i] = i
		}
		tb := treeBuilder{bins: bins, edges: bn.edges, g: g, h: h, p: p}
		tb.grow(rows, 0)
		t := Tree{Nodes: tb.nodes}
		for i, x := range X {
			margin[i] += t.eval(x)
		}
		m.Trees = append(m.Trees, t)
	}
	return m, nil
}

type treeBuilder struct {
	bins  [][]uint8
	edges [][]float64
	g, h  []float64
	p     TrainParams
	nodes []Node
}

// grow appends the subtree over rows at the given depth and returns its
// node index.
func (tb *treeBuilder) grow(rows []int, depth int) int {
	var G, H float64
	for _, i := range rows {
		G += tb.g[i]
		H += tb.h[i]
	}
	idx := len(tb.nodes)
	tb.nodes = append(tb.nodes, Node{F: -1, V: -G / (H + tb.p.Lambda) * tb.p.LearningRate})
	if depth >= tb.p.Depth || H < 2*tb.p.MinHessian {
		return idx
	}
	parent := G * G / (H + tb.p.Lambda)
	bestGain, bestF, bestBin := 1e-9, -1, 0
	var hg, hh [256]float64
	for f := range tb.edges {
		ne := len(tb.edges[f])
		if ne == 0 {
			continue
		}
		for b := 0; b <= ne; b++ {
			hg[b], hh[b] = 0, 0
		}
		for _, i := range rows {
			b := tb.bins[i][f]
			hg[b] += tb.g[i]
			hh[b] += tb.h[i]
		}
		var GL, HL float64
		for b := 0; b < ne; b++ { // split: bins 0..b left
			GL += hg[b]
			HL += hh[b]
			GR, HR := G-GL, H-HL
			if HL < tb.p.MinHessian || HR < tb.p.MinHessian {
				continue
			}
			gain := GL*GL/(HL+tb.p.Lambda) + GR*GR/(HR+tb.p.Lambda) - parent
			if gain > bestGain {
				bestGain, bestF, bestBin = gain, f, b
			}
		}
	}
	if bestF < 0 {
		return idx
	}
	var left, right []int
	for _, i := range rows {
		if int(tb.bins[i][bestF]) <= bestBin {
			left = append(left, i)
		} else {
			right = append(right, i)
		}
	}
	l := tb.grow(left, depth+1)
	r := tb.grow(right, depth+1)
	tb.nodes[idx] = Node{F: bestF, T: tb.edges[bestF][bestBin], L: l, R: r}
	return idx
}

// ROCAUC is the area under the ROC curve of scores against 0/1 labels
// (the Mann-Whitney statistic, ties counted half).
func ROCAUC(scores, labels []float64) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSumPos, nPos, nNeg float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avgRank := float64(i+j+1) / 2 // ranks are 1-based
		for k := i; k < j; k++ {
			if labels[idx[k]] == 1 {
				rankSumPos += avgRank
				nPos++
			} else {
				nNeg++
			}
		}
		i = j
	}
	if nPos == 0 || nNeg == 0 {
		return math.NaN()
	}
	return (rankSumPos - nPos*(nPos+1)/2) / (nPos * nNeg)
}
