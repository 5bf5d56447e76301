package anomaly

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func bruteMedian(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func TestWindowMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{3, 4, 7, 30} {
		w := newWindow(n)
		var all []float64
		for i := 0; i < 500; i++ {
			x := math.Round(r.NormFloat64()*10) / 2 // ties on purpose
			w.Push(x)
			all = append(all, x)
			last := all[max(0, len(all)-n):]
			med := bruteMedian(last)
			dev := make([]float64, len(last))
			for j, v := range last {
				dev[j] = math.Abs(v - med)
			}
			if got := w.Median(); got != med {
				t.Fatalf("n=%d i=%d median %v, want %v", n, i, got, med)
			}
			if got, want := w.MAD(), bruteMedian(dev); got != want {
				t.Fatalf("n=%d i=%d MAD %v, want %v (window %v)", n, i, got, want, last)
			}
		}
	}
}

func TestScaleFloorKeepsFlatHistoryFinite(t *testing.T) {
	w := newWindow(10)
	for range 10 {
		w.Push(5)
	}
	if z := w.Z(5.01, 0.002); math.IsInf(z, 0) || math.IsNaN(z) || math.Abs(z-5) > 1e-9 {
		t.Fatalf("z on flat history = %v, want 5 (0.01 over floor 0.002)", z)
	}
}
