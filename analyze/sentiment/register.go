package sentiment

// The register head tells a conversational comment from a news headline.
// The two labelled sets use "sentiment" in two senses: the financial
// tweets are news, where most texts make no market call (neutral), and
// the crypto comments are opinions, each positive or negative. The
// stance head learned the first sense, the valence head the second; the
// register head says which sense a text calls for, so that one `label`
// can serve both: a comment is read by its feeling, a headline by its
// market call (see Score.Reading and ReadAuto).

const registerHead = "register"

// register classes
const (
	registerComment = "comment"
	registerNews    = "news"
)

var registerLabels = []string{registerComment, registerNews}

// registerSpec is the register head: class-balanced LR over word 1-2-grams,
// character 2-5-grams and shape counts (headlines have their own shape:
// title case, tickers, links, no first person), fitted on the train+dev
// rows of both sets, the financial tweets as news and the crypto comments
// as comments. No selection: one recipe, checked on both test parts.
func registerSpec() (headSpec, candidate) {
	h := headSpec{name: registerHead, classes: registerLabels,
		metric: func(m Metrics) float64 { return m.Accuracy }, metricName: "accuracy"}
	fs := featureSet{Bits: 18, Words: true, Bigrams: true, CharMin: 2, CharMax: 5, Shape: true}
	return h, candidate{{fs: fs, method: methodLR, l2: 1e-4, balance: true}}
}

// registerExamples labels the rows of both sets by register.
func registerExamples(fin, cry []Example) []Example {
	out := make([]Example, 0, len(fin)+len(cry))
	for _, ex := range fin {
		out = append(out, Example{Text: ex.Text, Label: registerNews})
	}
	for _, ex := range cry {
		out = append(out, Example{Text: ex.Text, Label: registerComment})
	}
	return out
}

// EvaluateRegister is the register head's accuracy on news and comments.
func (m *Model) EvaluateRegister(fin, cry []Example) Metrics {
	return evaluateWith(registerExamples(fin, cry), registerLabels, func(text string) string {
		if m.Score(text).Comment >= 0.5 {
			return registerComment
		}
		return registerNews
	})
}
