package sentiment

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sync"
)

// weightsFile is the trained model, written by `go run
// ./analyze/sentiment/cmd/train` and compiled into the binary.
//
//go:embed weights.bin.gz
var weightsFile []byte

// WeightsFileName is where the training command writes the weights,
// relative to this package's folder.
const WeightsFileName = "weights.bin.gz"

// Model is the trained sentiment model: three linear heads over hashed
// word n-grams and the rule scorer's lexicon features.
//
//   - stance: bullish / bearish / neutral, trained on financial tweets; it
//     gives Score.Label and Score.Compound, the market reading of a post.
//   - valence: positive / negative feeling, trained on crypto comments,
//     with pretrained word vectors (wordvec.go); Score.Valence.
//   - spam: promotional spam and bot text, trained on crypto cashtag tweets;
//     optionally a second spam head for texts with line breaks (bot
//     tables), which can read the layout that a text on one line lacks;
//     both moved by the vote of the nearest labelled texts (near.go).
//   - register: comment or news headline (register.go), Score.Comment; it
//     says which of stance and valence a reading of the text should take.
//
// A Model is safe for concurrent use.
type Model struct {
	stance, valence, spam *linear
	spamLines             *linear   // nil: spam scores every text
	register              *linear   // nil: every text reads as news (Comment 0)
	pool                  sync.Pool // *scratch
}

// scratch holds one goroutine's reusable buffers.
type scratch struct {
	x    map[*linear]*extractor
	p    []float64
	near nearScratch
}

// Score is the model's reading of one text.
type Score struct {
	Label     Label   // stance: positive (bullish), negative (bearish) or neutral
	Compound  float64 // P(positive) - P(negative) of the stance, in [-1, 1]
	Valence   float64 // P(positive) - P(negative) of the valence head, in [-1, 1]
	SpamScore float64 // P(spam), in [0, 1]
	Rule      float64 // the rule scorer's compound, in [-1, 1]
	Comment   float64 // P(the text is a conversational comment, not a news headline), in [0, 1]
}

// ValenceLabel is the binary feeling of the text (positive when Valence >= 0).
func (s Score) ValenceLabel() Label {
	if s.Valence >= 0 {
		return Positive
	}
	return Negative
}

var defaultModel = sync.OnceValues(func() (*Model, error) {
	return LoadModel(bytes.NewReader(weightsFile))
})

// Default returns the embedded model, decoded once.
func Default() (*Model, error) { return defaultModel() }

// LoadModel reads a weight file written by Train.
func LoadModel(r io.Reader) (*Model, error) {
	heads, err := readWeights(r)
	if err != nil {
		return nil, err
	}
	return modelFromHeads(heads)
}

func modelFromHeads(heads []*linear) (*Model, error) {
	m := &Model{}
	for _, h := range heads {
		switch h.Name {
		case "stance":
			m.stance = h
		case "valence":
			m.valence = h
		case "spam":
			m.spam = h
		case spamLinesHead:
			m.spamLines = h
		case registerHead:
			m.register = h
		}
	}
	for name, h := range map[string]*linear{"stance": m.stance, "valence": m.valence, "spam": m.spam} {
		if h == nil {
			return nil, fmt.Errorf("sentiment weights: no %s head", name)
		}
	}
	if err := checkClasses(m.stance, "negative", "neutral", "positive"); err != nil {
		return nil, err
	}
	if err := checkClasses(m.valence, "negative", "positive"); err != nil {
		return nil, err
	}
	if err := checkClasses(m.spam, "ham", "spam"); err != nil {
		return nil, err
	}
	if m.spamLines != nil {
		if err := checkClasses(m.spamLines, "ham", "spam"); err != nil {
			return nil, err
		}
	}
	if m.register != nil {
		if err := checkClasses(m.register, registerLabels...); err != nil {
			return nil, err
		}
	}
	for _, h := range []*linear{m.stance, m.valence, m.spam, m.spamLines} {
		if h != nil && h.FS.Embed {
			if _, err := wordVectors(); err != nil { // decoded once, before any extractor needs them
				return nil, err
			}
		}
	}
	m.pool.New = func() any {
		x := map[*linear]*extractor{
			m.stance:  newExtractor(m.stance.FS),
			m.valence: newExtractor(m.valence.FS),
			m.spam:    newExtractor(m.spam.FS),
		}
		for _, h := range []*linear{m.spamLines, m.register} {
			if h != nil {
				x[h] = newExtractor(h.FS)
			}
		}
		return &scratch{x: x, p: make([]float64, 3)}
	}
	return m, nil
}

func checkClasses(h *linear, want ...string) error {
	if fmt.Sprint(h.Classes) != fmt.Sprint(want) {
		return fmt.Errorf("sentiment weights: %s head has classes %v, want %v", h.Name, h.Classes, want)
	}
	return nil
}

// WriteTo writes the model in the weight-file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	err := writeWeights(cw, m.heads())
	return cw.n, err
}

// heads are the model's heads in weight-file order.
func (m *Model) heads() []*linear {
	return nonNil(m.stance, m.valence, m.spam, m.spamLines, m.register)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Score reads one text.
func (m *Model) Score(text string) Score {
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	toks := tokenize(text)
	tr := applyRules(toks)
	out := Score{Rule: tr.Score.Compound}

	// Stance: the stance head learned from financial news, which has no
	// crypto slang and no emoji. When a post's sentiment words are slang or
	// emoji (share g of its lexicon hits), the crypto-aware rules' label
	// takes over in proportion: p = (1-g)·p_head + g·onehot(rule label).
	p := s.p[:3]
	m.stance.probs(s.x[m.stance].extract(toks, &tr), p) // negative, neutral, positive
	vx := s.x[m.valence]
	copy(vx.stance[:], p) // the head's own reading, before the slang gate
	if g := tr.slangShare(); g > 0 {
		for c := range p {
			p[c] *= 1 - g
		}
		switch tr.Score.Label() {
		case Negative:
			p[0] += g
		case Neutral:
			p[1] += g
		case Positive:
			p[2] += g
		}
	}
	out.Compound = clamp1(p[2] - p[0])
	switch {
	case p[2] >= p[0] && p[2] >= p[1]:
		out.Label = Positive
	case p[0] >= p[1]:
		out.Label = Negative
	default:
		out.Label = Neutral
	}

	p = s.p[:2]
	m.valence.probs(vx.extract(toks, &tr), p)
	out.Valence = clamp1(p[1] - p[0])

	sh := spamHead(text, m.spam, m.spamLines)
	sx := s.x[sh]
	sx.text = text
	sh.probs(sx.extract(toks, &tr), p)
	out.SpamScore = m.spam.Near.spamProb(p, text, &s.near)

	if m.register != nil {
		m.register.probs(s.x[m.register].extract(toks, &tr), p) // comment, news
		out.Comment = p[0]
	}
	return out
}

func clamp1(v float64) float64 { return max(-1, min(1, v)) }
