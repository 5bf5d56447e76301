package sentiment

import (
	"fmt"
	"strings"
)

// Metrics compares predicted labels with gold labels.
type Metrics struct {
	Labels    []string           // class order of the confusion matrix
	Confusion [][]int            // [gold][predicted]
	N         int                // rows
	Accuracy  float64            //
	MacroF1   float64            // unweighted mean of per-class F1
	F1        map[string]float64 // per class
	Precision map[string]float64
	Recall    map[string]float64
}

// Evaluate computes accuracy, per-class precision/recall/F1 and macro-F1
// over labels (the gold classes; a prediction outside them counts as wrong).
func Evaluate(labels []string, gold, pred []string) Metrics {
	m := Metrics{Labels: labels, N: len(gold), F1: map[string]float64{}, Precision: map[string]float64{}, Recall: map[string]float64{}}
	idx := map[string]int{}
	for i, l := range labels {
		idx[l] = i
	}
	m.Confusion = make([][]int, len(labels))
	for i := range m.Confusion {
		m.Confusion[i] = make([]int, len(labels)+1) // last column: predicted outside labels
	}
	correct := 0
	for i := range gold {
		g := idx[gold[i]]
		p, ok := idx[pred[i]]
		if !ok {
			p = len(labels)
		}
		m.Confusion[g][p]++
		if gold[i] == pred[i] {
			correct++
		}
	}
	if m.N > 0 {
		m.Accuracy = float64(correct) / float64(m.N)
	}
	for i, l := range labels {
		tp := m.Confusion[i][i]
		predN, goldN := 0, 0
		for j := range labels {
			predN += m.Confusion[j][i]
		}
		for _, c := range m.Confusion[i] {
			goldN += c
		}
		var p, r, f float64
		if predN > 0 {
			p = float64(tp) / float64(predN)
		}
		if goldN > 0 {
			r = float64(tp) / float64(goldN)
		}
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		m.Precision[l], m.Recall[l], m.F1[l] = p, r, f
		m.MacroF1 += f / float64(len(labels))
	}
	return m
}

// String prints one line: n, accuracy, macro-F1 and per-class F1.
func (m Metrics) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "n=%d acc=%.3f macroF1=%.3f", m.N, m.Accuracy, m.MacroF1)
	for _, l := range m.Labels {
		fmt.Fprintf(&b, " F1[%s]=%.3f", l, m.F1[l])
	}
	return b.String()
}
