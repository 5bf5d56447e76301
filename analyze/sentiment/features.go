package sentiment

import (
	"math"
	"sort"
)

// feature is one hashed feature: a bucket and its value.
type feature struct {
	Idx uint32
	Val float32
}

// featureSet selects the feature groups a model uses. The groups are
// hashed into one space of 2^Bits buckets; a namespace byte keeps a word
// "moon" apart from the character n-gram "moon".
type featureSet struct {
	Bits      uint8 // log2 of the number of buckets
	Words     bool  // lower-case unigrams, negation-marked
	Bigrams   bool  // adjacent word pairs
	Trigrams  bool  // word triples
	CharMin   uint8 // character n-grams inside word boundaries, CharMin..CharMax
	CharMax   uint8 // 0 disables
	Lexicon   bool  // rule-scorer outputs and lexicon hit counts
	Shape     bool  // counts of cashtags, links, mentions, emoji, digits, length
	Domain    bool  // every n-gram also hashed with the domain tag (feature augmentation)
	DomainTag uint8 // set per text by the caller when Domain is on
	Promo     bool  // promotion and bot-template marks (spam): keyword pools, caps ratio, emoji runs, ticker lists
	Transfer  bool  // the stance head's reading of the text (set by the caller in extractor.stance)
	Layout    bool  // line structure of the raw text (set by the caller in extractor.text)
	Author    bool  // the author's follower and friend counts, or their absence (set by the caller in extractor.author)
	Embed     bool  // the mean pretrained word vector of the text (wordvec.go)
}

// namespaces of hashed features
const (
	nsBias byte = iota + 1
	nsWord
	nsBigram
	nsChar
	nsDense
	nsTrigram
	nsEmbed
)

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

func hashStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

// extractor builds feature vectors; it reuses its buffers, so one extractor
// belongs to one goroutine.
type extractor struct {
	fs    featureSet
	mask  uint32
	feats []feature
	words []string
	buf   []byte

	// stance is the stance head's [negative, neutral, positive]
	// probabilities of the text being extracted, read when fs.Transfer is on.
	stance [3]float64
	// author is what is known of the text's author, read when fs.Author is
	// on; nil when nothing is.
	author *Author
	// text is the raw text being extracted, read when fs.Layout is on.
	text string

	wv     *WordVectors // when fs.Embed
	vec    []float32    // the text's vector
	embKey []uint32     // bucket of each dimension
}

func newExtractor(fs featureSet) *extractor {
	x := &extractor{fs: fs, mask: uint32(1)<<fs.Bits - 1}
	if fs.Embed {
		wv, err := wordVectors()
		if err != nil {
			panic(err) // LoadModel has decoded them already; tests check the file
		}
		x.wv = wv
		x.vec = make([]float32, wv.dims)
		x.embKey = make([]uint32, wv.dims)
		for d := range x.embKey {
			h := hashByte(hashByte(hashByte(fnvOffset, nsEmbed), byte(d)), byte(d>>8))
			x.embKey[d] = uint32(h^(h>>32)) & x.mask
		}
	}
	return x
}

func (x *extractor) add(h uint64, v float32) {
	// fold the 64-bit hash so the high bits matter too
	x.feats = append(x.feats, feature{Idx: uint32(h^(h>>32)) & x.mask, Val: v})
}

// addNS adds a feature in namespace ns, and its domain-tagged copy when
// domain augmentation is on (Daumé's "frustratingly easy" adaptation: shared
// weights learn what holds in both domains, tagged ones what differs).
func (x *extractor) addNS(ns byte, key string, v float32) {
	h := hashStr(hashByte(fnvOffset, ns), key)
	x.add(h, v)
	if x.fs.Domain {
		x.add(hashByte(h, 0x80|x.fs.DomainTag), v)
	}
}

// extract returns the features of one text (already tokenised and scored by
// the rules). The slice is reused by the next call.
func (x *extractor) extract(toks []token, tr *ruleTrace) []feature {
	x.feats = x.feats[:0]
	x.addNS(nsBias, "", 1)
	start := len(x.feats)

	// Word sequence for unigrams and bigrams: words after a negation (until
	// the next clause mark) get a "!" prefix, the classic trick that lets a
	// linear model learn "not good" != "good".
	x.words = x.words[:0]
	neg := false
	for _, t := range toks {
		switch t.Kind {
		case kindPunct:
			neg = false
			if t.Text[0] == '!' || t.Text[0] == '?' {
				x.words = append(x.words, t.Text[:1])
			}
			continue
		case kindWord:
			if negations[t.Lower] {
				neg = true
				x.words = append(x.words, t.Lower)
				continue
			}
		}
		w := t.Lower
		if neg && t.Kind == kindWord {
			w = "!" + w
		}
		x.words = append(x.words, w)
	}
	if x.fs.Words {
		for _, w := range x.words {
			x.addNS(nsWord, w, 1)
		}
		x.normalize(start)
	}
	if x.fs.Bigrams {
		start = len(x.feats)
		prev := "<s>"
		for _, w := range x.words {
			x.buf = append(append(append(x.buf[:0], prev...), ' '), w...)
			x.addNS(nsBigram, string(x.buf), 1)
			prev = w
		}
		x.buf = append(append(x.buf[:0], prev...), " </s>"...)
		x.addNS(nsBigram, string(x.buf), 1)
		x.normalize(start)
	}
	if x.fs.Trigrams && len(x.words) >= 3 {
		start = len(x.feats)
		for i := 2; i < len(x.words); i++ {
			x.buf = append(append(append(append(append(x.buf[:0], x.words[i-2]...), ' '), x.words[i-1]...), ' '), x.words[i]...)
			x.addNS(nsTrigram, string(x.buf), 1)
		}
		x.normalize(start)
	}
	if x.fs.CharMax > 0 {
		start = len(x.feats)
		for _, t := range toks {
			if t.Kind != kindWord && t.Kind != kindCashtag {
				continue
			}
			x.buf = append(append(append(x.buf[:0], ' '), t.Lower...), ' ')
			b := x.buf
			for n := int(x.fs.CharMin); n <= int(x.fs.CharMax); n++ {
				for i := 0; i+n <= len(b); i++ {
					x.addNS(nsChar, string(b[i:i+n]), 1)
				}
			}
		}
		x.normalize(start)
	}

	if x.fs.Lexicon {
		s := tr.Score
		x.dense("compound", s.Compound)
		x.dense("pos", s.Pos)
		x.dense("neg", s.Neg)
		if s.Compound >= neutralBand {
			x.dense("rule=pos", 1)
		} else if s.Compound <= -neutralBand {
			x.dense("rule=neg", 1)
		} else {
			x.dense("rule=neu", 1)
		}
		names := [numSources][2]string{{"gen-", "gen+"}, {"mkt-", "mkt+"}, {"cry-", "cry+"}, {"emo-", "emo+"}}
		for src := range tr.Hits {
			for sign := range tr.Hits[src] {
				if c := tr.Hits[src][sign]; c > 0 {
					x.dense(names[src][sign], math.Log1p(float64(c)))
				}
			}
		}
		if tr.Negated > 0 {
			x.dense("negated", 1)
		}
		if tr.RiskPhrases > 0 {
			x.dense("risk-phrase", 1)
		}
	}
	if x.fs.Shape {
		var cash, urls, ment, emo, nums, hashes int
		for _, t := range toks {
			switch t.Kind {
			case kindCashtag:
				cash++
			case kindURL:
				urls++
			case kindMention:
				ment++
			case kindEmoji:
				emo++
			case kindNumber:
				nums++
			case kindWord:
				if t.Hash {
					hashes++
				}
			}
		}
		x.dense("cashtags", math.Log1p(float64(cash)))
		x.dense("urls", math.Log1p(float64(urls)))
		x.dense("mentions", math.Log1p(float64(ment)))
		x.dense("emoji", math.Log1p(float64(emo)))
		x.dense("numbers", math.Log1p(float64(nums)))
		x.dense("hashtags", math.Log1p(float64(hashes)))
		x.dense("tokens", math.Log1p(float64(len(toks)))/4)
		x.dense("exclaims", math.Log1p(float64(tr.Exclaims)))
		x.dense("caps", math.Log1p(float64(tr.CapsWords)))
	}
	if x.fs.Promo {
		x.promo(toks)
	}
	if x.fs.Embed {
		x.embed()
	}
	if x.fs.Transfer {
		// Transfer from the financial-tweet stance head: what a model of
		// market stance, fitted on 9,000 tweets, makes of the text.
		x.dense("st-neg", x.stance[0])
		x.dense("st-pos", x.stance[2])
		x.dense("st-cmp", x.stance[2]-x.stance[0])
	}
	if x.fs.Layout {
		x.layoutFeatures(x.text)
	}
	if x.fs.Author {
		x.authorFeatures()
	}
	return x.feats
}

// normalize scales the features added since start to unit length (each
// n-gram group separately), so long texts do not shout and no group drowns
// the others.
func (x *extractor) normalize(start int) {
	n := len(x.feats) - start
	if x.fs.Domain {
		n /= 2 // every feature is there twice
	}
	if n <= 0 {
		return
	}
	inv := float32(1 / math.Sqrt(float64(n)))
	for i := start; i < len(x.feats); i++ {
		x.feats[i].Val *= inv
	}
}

func (x *extractor) dense(name string, v float64) {
	if v != 0 {
		x.addNS(nsDense, name, float32(v))
	}
}

// compact merges duplicate buckets (hash collisions and repeated n-grams)
// so the trainer sees each bucket once. The input order is lost.
func compact(f []feature) []feature {
	sort.Slice(f, func(i, j int) bool { return f[i].Idx < f[j].Idx })
	out := f[:0]
	for _, ft := range f {
		if n := len(out); n > 0 && out[n-1].Idx == ft.Idx {
			out[n-1].Val += ft.Val
			continue
		}
		out = append(out, ft)
	}
	return out
}

// embed adds the mean pretrained vector of the text's words, scaled to unit
// length: a dense summary of what the words mean, for words the labelled
// data never showed.
func (x *extractor) embed() {
	for d := range x.vec {
		x.vec[d] = 0
	}
	found := false
	for _, w := range x.words {
		// a negated word ("!good") counts as the word: flipping its vector
		// measured worse (CV), the n-gram groups carry the negation
		if len(w) > 1 && w[0] == '!' {
			w = w[1:]
		}
		found = x.wv.addTo(x.vec, w, 1) || found
	}
	if !found {
		return
	}
	ss := 0.0
	for _, v := range x.vec {
		ss += float64(v) * float64(v)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for d, v := range x.vec {
		x.feats = append(x.feats, feature{Idx: x.embKey[d], Val: v * inv})
	}
}
