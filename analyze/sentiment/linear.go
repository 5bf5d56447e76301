package sentiment

import (
	"math"
)

// linear is a multinomial logistic regression over hashed features:
// W[bucket*K+k] is the weight of bucket for class k.
type linear struct {
	Name    string
	Classes []string // class names, in weight order
	FS      featureSet
	W       []float32 // 2^FS.Bits * len(Classes)

	// how the head was made (stored with the weights): its ensemble
	// members and the number of labelled rows it was fitted on
	Recipe candidate
	Rows   int

	// Near, on a spam head: the labelled texts whose vote moves its
	// logit (near.go); the recipe of the index is its Spec.
	Near *nearIndex
}

// probs writes the class probabilities of features f into p (len K).
func (m *linear) probs(f []feature, p []float64) {
	k := len(m.Classes)
	for c := range p[:k] {
		p[c] = 0
	}
	for _, ft := range f {
		row := m.W[int(ft.Idx)*k : int(ft.Idx)*k+k]
		v := float64(ft.Val)
		for c := range row {
			p[c] += v * float64(row[c])
		}
	}
	softmax(p[:k])
}

func softmax(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	sum := 0.0
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

// trainExample is one labelled feature vector; Weight lets the trainer
// balance classes.
type trainExample struct {
	F      []feature
	Y      int
	Weight float64
}

// trainConfig holds the optimiser settings.
type trainConfig struct {
	L2      float64 // L2 penalty on all weights (λ/2·‖w‖²), relative to the mean loss
	MaxIter int     // L-BFGS iterations
	Memory  int     // L-BFGS history length
}

// trainLinear fits a multinomial logistic regression by L-BFGS on the
// L2-regularised mean weighted cross-entropy. It is deterministic: full-batch
// gradients, no sampling, a fixed iteration order.
//
// Only the buckets that occur in the training data get parameters during
// optimisation (a compact index), which keeps the optimiser's memory at
// O(active features) rather than O(2^bits).
func trainLinear(m *linear, data []trainExample, cfg trainConfig) {
	k := len(m.Classes)
	// compact index of active buckets
	active := map[uint32]int32{}
	var buckets []uint32
	cdata := make([][]feature, len(data))
	for i, ex := range data {
		cf := make([]feature, len(ex.F))
		for j, ft := range ex.F {
			id, ok := active[ft.Idx]
			if !ok {
				id = int32(len(buckets))
				active[ft.Idx] = id
				buckets = append(buckets, ft.Idx)
			}
			cf[j] = feature{Idx: uint32(id), Val: ft.Val}
		}
		cdata[i] = cf
	}
	n := len(buckets) * k
	totalW := 0.0
	for _, ex := range data {
		totalW += ex.Weight
	}
	p := make([]float64, k)
	objective := func(w, g []float64) float64 {
		for i := range g {
			g[i] = 0
		}
		loss := 0.0
		for i, ex := range data {
			f := cdata[i]
			for c := range p {
				p[c] = 0
			}
			for _, ft := range f {
				base := int(ft.Idx) * k
				v := float64(ft.Val)
				for c := 0; c < k; c++ {
					p[c] += v * w[base+c]
				}
			}
			softmax(p)
			loss -= ex.Weight * math.Log(max(p[ex.Y], 1e-300))
			for c := 0; c < k; c++ {
				d := p[c]
				if c == ex.Y {
					d -= 1
				}
				p[c] = d * ex.Weight
			}
			for _, ft := range f {
				base := int(ft.Idx) * k
				v := float64(ft.Val)
				for c := 0; c < k; c++ {
					g[base+c] += v * p[c]
				}
			}
		}
		loss /= totalW
		reg := 0.0
		for i := range g {
			g[i] = g[i]/totalW + cfg.L2*w[i]
			reg += w[i] * w[i]
		}
		return loss + cfg.L2/2*reg
	}
	w := make([]float64, n)
	lbfgs(w, objective, cfg.MaxIter, cfg.Memory)

	m.W = make([]float32, (1<<m.FS.Bits)*k)
	for id, b := range buckets {
		for c := 0; c < k; c++ {
			m.W[int(b)*k+c] = float32(w[id*k+c])
		}
	}
}

// lbfgs minimises f in place (Nocedal & Wright, algorithm 7.4 with a
// backtracking Armijo line search). It stops after maxIter iterations or
// when the relative decrease of f stalls.
func lbfgs(x []float64, f func(x, g []float64) float64, maxIter, mem int) {
	n := len(x)
	g := make([]float64, n)
	fx := f(x, g)
	s := make([][]float64, 0, mem)
	y := make([][]float64, 0, mem)
	rho := make([]float64, 0, mem)
	alpha := make([]float64, mem)
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	for iter := 0; iter < maxIter; iter++ {
		// two-loop recursion: d = -H·g
		copy(d, g)
		for i := len(s) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(s[i], d)
			axpy(-alpha[i], y[i], d)
		}
		gamma := 1.0
		if len(s) > 0 {
			last := len(s) - 1
			gamma = dot(s[last], y[last]) / dot(y[last], y[last])
		} else if gn := math.Sqrt(dot(g, g)); gn > 0 {
			gamma = 1 / gn
		}
		for i := range d {
			d[i] *= gamma
		}
		for i := range s {
			b := rho[i] * dot(y[i], d)
			axpy(alpha[i]-b, s[i], d)
		}
		for i := range d {
			d[i] = -d[i]
		}
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from steepest descent
			for i := range d {
				d[i] = -g[i]
			}
			slope = dot(g, d)
			s, y, rho = s[:0], y[:0], rho[:0]
		}
		step := 1.0
		var fNew float64
		ok := false
		for ls := 0; ls < 30; ls++ {
			for i := range x {
				xNew[i] = x[i] + step*d[i]
			}
			fNew = f(xNew, gNew)
			if fNew <= fx+1e-4*step*slope {
				ok = true
				break
			}
			step *= 0.5
		}
		if !ok {
			return
		}
		sk := make([]float64, n)
		yk := make([]float64, n)
		for i := range x {
			sk[i] = xNew[i] - x[i]
			yk[i] = gNew[i] - g[i]
		}
		if sy := dot(sk, yk); sy > 1e-12 {
			if len(s) == mem {
				s, y, rho = s[1:], y[1:], rho[1:]
			}
			s = append(s, sk)
			y = append(y, yk)
			rho = append(rho, 1/sy)
		}
		copy(x, xNew)
		copy(g, gNew)
		decrease := fx - fNew
		fx = fNew
		if decrease < 1e-9*math.Max(1, math.Abs(fx)) {
			return
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}
