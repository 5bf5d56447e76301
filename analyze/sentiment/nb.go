package sentiment

import "math"

// Naive-Bayes-flavoured trainers for the binary heads. Both end as plain
// linear heads over the same hashed features, so they store, load and
// score exactly like a logistic head, and several of them average into one.

// trainNBLR fits NB-weighted logistic regression (NBSVM, Wang & Manning
// 2012, with a logistic loss): every feature is scaled by its naive-Bayes
// log-count ratio r = log((p/|p|₁)/(q/|q|₁)), p and q being alpha plus the
// number of positive and negative texts the bucket occurs in; the logistic
// model is fitted on the scaled features and r is folded back into the
// weights (w·(r⊙x) = (w⊙r)·x). The L2 penalty then pulls towards the NB
// solution's direction rather than towards zero, which is what makes it
// strong on small text sets.
func trainNBLR(m *linear, data []trainExample, cfg trainConfig, alpha float64) {
	r := nbRatios(data, alpha)
	scaled := make([]trainExample, len(data))
	for i, ex := range data {
		f := make([]feature, len(ex.F))
		for j, ft := range ex.F {
			f[j] = feature{Idx: ft.Idx, Val: ft.Val * float32(r[ft.Idx])}
		}
		scaled[i] = trainExample{F: f, Y: ex.Y, Weight: ex.Weight}
	}
	trainLinear(m, scaled, cfg)
	k := len(m.Classes)
	for b, rb := range r {
		for c := 0; c < k; c++ {
			m.W[int(b)*k+c] *= float32(rb)
		}
	}
}

// nbRatios returns the log-count ratio of every bucket that occurs in data
// (class 1 against class 0, presence counts, example weights applied).
func nbRatios(data []trainExample, alpha float64) map[uint32]float64 {
	var cnt [2]map[uint32]float64
	cnt[0], cnt[1] = map[uint32]float64{}, map[uint32]float64{}
	for _, ex := range data {
		for _, ft := range ex.F {
			if ft.Val != 0 {
				cnt[ex.Y][ft.Idx] += ex.Weight
			}
		}
	}
	all := map[uint32]bool{}
	for c := range cnt {
		for b := range cnt[c] {
			all[b] = true
		}
	}
	var sum [2]float64
	for b := range all {
		for c := range cnt {
			sum[c] += alpha + cnt[c][b]
		}
	}
	r := make(map[uint32]float64, len(all))
	for b := range all {
		r[b] = math.Log((alpha+cnt[1][b])/sum[1]) - math.Log((alpha+cnt[0][b])/sum[0])
	}
	return r
}

// trainMNB fits multinomial naive Bayes on the (non-negative) feature
// values: log P(c) + Σ x_j log θ_cj with θ_cj = (alpha + n_cj)/(alpha·V + N_c)
// over the V buckets seen in training. Stored as a linear head, each seen
// bucket holds log θ_cj − log θ_c,unseen, so buckets never seen score zero
// as in every other head; the unseen term's class difference times a
// text's feature mass is folded into the bias at the training mean mass.
// The bias bucket holds the log prior. Negative feature values (the dense
// lexicon and shape features) are ignored: NB members use n-grams only.
func trainMNB(m *linear, data []trainExample, alpha float64) {
	k := len(m.Classes)
	n := make([]map[uint32]float64, k)
	for c := range n {
		n[c] = map[uint32]float64{}
	}
	bias := biasBucket(m.FS)
	prior := make([]float64, k)
	totalW, mass := 0.0, 0.0
	for _, ex := range data {
		prior[ex.Y] += ex.Weight
		totalW += ex.Weight
		for _, ft := range ex.F {
			if ft.Idx == bias || ft.Val <= 0 {
				continue
			}
			n[ex.Y][ft.Idx] += ex.Weight * float64(ft.Val)
			mass += ex.Weight * float64(ft.Val)
		}
	}
	mass /= totalW
	all := map[uint32]bool{}
	N := make([]float64, k)
	for c := range n {
		for b, v := range n[c] {
			all[b] = true
			N[c] += v
		}
	}
	V := float64(len(all))
	m.W = make([]float32, (1<<m.FS.Bits)*k)
	for b := range all {
		for c := 0; c < k; c++ {
			m.W[int(b)*k+c] = float32(math.Log1p(n[c][b] / alpha))
		}
	}
	for c := 0; c < k; c++ {
		unseen := math.Log(alpha / (alpha*V + N[c]))
		m.W[int(bias)*k+c] += float32(math.Log(prior[c]/totalW) + mass*unseen)
	}
}

// biasBucket is the bucket of the always-on bias feature.
func biasBucket(fs featureSet) uint32 {
	x := newExtractor(fs)
	x.addNS(nsBias, "", 1)
	return x.feats[0].Idx
}

// blend averages heads' logits with weights into one head over the union
// of their features (all heads share the hash space and classes).
func blend(name string, classes []string, fs featureSet, heads []*linear, weights []float64) *linear {
	out := &linear{Name: name, Classes: classes, FS: fs, W: make([]float32, (1<<fs.Bits)*len(classes))}
	if len(heads) == 1 && weights[0] == 1 {
		copy(out.W, heads[0].W)
		return out
	}
	for h, m := range heads {
		w := float32(weights[h])
		for i, v := range m.W {
			out.W[i] += w * v
		}
	}
	return out
}
