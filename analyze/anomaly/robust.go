package anomaly

import (
	"math"
	"sort"
)

// window is a trailing window of the last n values with a robust centre
// (median) and spread (MAD). It keeps the values twice: in arrival order (a
// ring, to know which one leaves) and sorted (for the median and MAD), so a
// push costs O(n) and the estimates O(n) without sorting.
type window struct {
	ring   []float64
	next   int
	full   bool
	sorted []float64
}

func newWindow(n int) *window {
	if n < 3 {
		n = 3
	}
	return &window{ring: make([]float64, n), sorted: make([]float64, 0, n)}
}

func (w *window) Len() int { return len(w.sorted) }

// Push adds x, dropping the oldest value when the window is full.
func (w *window) Push(x float64) {
	if w.full {
		old := w.ring[w.next]
		i := sort.SearchFloat64s(w.sorted, old)
		copy(w.sorted[i:], w.sorted[i+1:])
		w.sorted = w.sorted[:len(w.sorted)-1]
	}
	w.ring[w.next] = x
	w.next++
	if w.next == len(w.ring) {
		w.next = 0
		w.full = true
	}
	i := sort.SearchFloat64s(w.sorted, x)
	w.sorted = append(w.sorted, 0)
	copy(w.sorted[i+1:], w.sorted[i:])
	w.sorted[i] = x
}

// Median of the window; 0 when empty.
func (w *window) Median() float64 {
	n := len(w.sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return w.sorted[n/2]
	}
	return (w.sorted[n/2-1] + w.sorted[n/2]) / 2
}

// MAD is the median absolute deviation from the median. The absolute
// deviations of a sorted slice form two sorted runs (walking left and right
// from the median), so the k-th smallest is found by merging them.
func (w *window) MAD() float64 {
	n := len(w.sorted)
	if n == 0 {
		return 0
	}
	m := w.Median()
	// left run: indices lo down to 0; right run: hi up to n-1.
	hi := sort.SearchFloat64s(w.sorted, m)
	lo := hi - 1
	kth := func(k int) float64 { // 0-based k-th smallest deviation
		l, r := lo, hi
		var d float64
		for i := 0; i <= k; i++ {
			switch {
			case l < 0:
				d = w.sorted[r] - m
				r++
			case r >= n:
				d = m - w.sorted[l]
				l--
			case m-w.sorted[l] <= w.sorted[r]-m:
				d = m - w.sorted[l]
				l--
			default:
				d = w.sorted[r] - m
				r++
			}
		}
		return d
	}
	if n%2 == 1 {
		return kth(n / 2)
	}
	return (kth(n/2-1) + kth(n/2)) / 2
}

// MeanAD is the mean absolute deviation from the median: the fallback
// spread when more than half the values are equal and the MAD is 0 (prices
// quantised to a tick, zero-volume minutes).
func (w *window) MeanAD() float64 {
	n := len(w.sorted)
	if n == 0 {
		return 0
	}
	m := w.Median()
	var s float64
	for _, x := range w.sorted {
		s += math.Abs(x - m)
	}
	return s / float64(n)
}

// Scale is a robust standard deviation: 1.4826*MAD (consistent for normal
// data), else 1.2533*MeanAD, never below floor. The floor keeps a window of
// identical values from turning the next small change into an infinite z.
func (w *window) Scale(floor float64) float64 {
	s := 1.4826 * w.MAD()
	if s == 0 {
		s = 1.2533 * w.MeanAD()
	}
	return math.Max(s, floor)
}

// Z is the robust z-score of x against the window.
func (w *window) Z(x, floor float64) float64 {
	return (x - w.Median()) / w.Scale(floor)
}
