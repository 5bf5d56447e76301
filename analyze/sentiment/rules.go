package sentiment

import (
	"math"
	"strings"
)

// Constants of the VADER rules (Hutto & Gilbert 2014), the empirically
// derived values the original paper uses, re-implemented here.
const (
	capsIncr    = 0.733 // a SHOUTED word among lower-case ones
	negScalar   = -0.74 // a negated word keeps 74% of its magnitude, reversed
	normAlpha   = 15.0  // compound = sum / sqrt(sum² + alpha)
	butBefore   = 0.5   // "it was good but ..." the clause before "but" counts half
	butAfter    = 1.5   // ... and the one after it counts 1.5 times
	exclaimIncr = 0.292 // per '!' up to 4
	questIncr   = 0.18  // per '?' when 2 or 3; 0.96 for more
	neutralBand = 0.05  // |compound| below this is neutral, as in VADER
)

// RuleScore is the outcome of the rule scorer: VADER's four numbers.
type RuleScore struct {
	Compound float64 // normalised sum in [-1, 1]
	Pos      float64 // share of the text that is positive
	Neg      float64 // share that is negative
	Neu      float64 // share that is neutral
}

// Label applies VADER's conventional thresholds (±0.05).
func (r RuleScore) Label() Label { return labelFromCompound(r.Compound) }

func labelFromCompound(c float64) Label {
	switch {
	case c >= neutralBand:
		return Positive
	case c <= -neutralBand:
		return Negative
	}
	return Neutral
}

// ScoreRules scores text with the crypto-aware rule scorer alone: the floor
// the trained model must beat, and one of its feature sources.
func ScoreRules(text string) RuleScore {
	return applyRules(tokenize(text)).Score
}

// ruleTrace is what the rules saw, kept for the model's features.
type ruleTrace struct {
	Score       RuleScore
	Sum         float64            // raw sum before normalisation
	Hits        [numSources][2]int // [source][0=negative,1=positive] lexicon hits after negation
	Negated     int                // lexicon hits reversed by a negation
	RiskPhrases int                // negated risk phrases ("cannot sell")
	Exclaims    int
	Questions   int
	CapsWords   int
}

// applyRules runs the VADER procedure over tokens: lexicon lookup (phrases
// first), boosters, ALL CAPS, negation within three words, "but" contrast,
// punctuation emphasis, normalisation.
func applyRules(toks []token) ruleTrace {
	var tr ruleTrace
	// Words and emoji take part in the sentiment sequence; punctuation only
	// adds emphasis, links and numbers are neutral fillers.
	seq := make([]token, 0, len(toks))
	// Clause marks (, . ; :) stay in the sequence as barriers: a negation or
	// booster does not reach across them ("cannot sell, avoid" must not
	// negate "avoid", which is exactly VADER's misfire).
	for _, t := range toks {
		if t.Kind == kindPunct {
			if strings.IndexByte(t.Text, '!') >= 0 || strings.IndexByte(t.Text, '?') >= 0 {
				tr.Exclaims += strings.Count(t.Text, "!")
				tr.Questions += strings.Count(t.Text, "?")
				continue
			}
		}
		seq = append(seq, t)
	}
	capsDiff := false
	{
		caps, words := 0, 0
		for _, t := range seq {
			if t.Kind == kindWord {
				words++
				if isAllCaps(t.Text) {
					caps++
				}
			}
		}
		capsDiff = caps > 0 && caps < words
		if capsDiff {
			tr.CapsWords = caps
		}
	}

	sentiments := make([]float64, len(seq))
	inPhrase := make([]bool, len(seq)) // words used up by a phrase negate nothing after it
	butAt := -1
	for i := 0; i < len(seq); i++ {
		t := seq[i]
		if t.Kind == kindPunct {
			continue
		}
		if butAt < 0 && t.Kind == kindWord && (t.Lower == "but" || t.Lower == "however") {
			butAt = i
		}
		if _, ok := boosterWords[t.Lower]; ok && t.Kind == kindWord {
			continue
		}
		var (
			v       float64
			src     lexSource
			span    = 1
			negated bool // the phrase carries its own negation
			found   bool
		)
		if ps, ok := phrases[t.Lower]; ok {
			for _, p := range ps {
				if matchPhrase(seq, i, p.Words) {
					v, src, span, negated, found = p.Valence, p.Source, len(p.Words), p.Negated, true
					break
				}
			}
		}
		if !found {
			e, ok := lookupWord(t.Lower)
			if !ok || (t.Kind != kindWord && t.Kind != kindEmoji && t.Kind != kindEmoticon) {
				if ok2 := emoticonValence(t); ok2 != 0 {
					v, src, found = ok2, srcEmoji, true
				} else {
					continue
				}
			} else {
				v, src, found = e.Valence, e.Source, true
			}
			// "like" is a verb of comparison far more often than of love.
			if t.Lower == "like" && i > 0 && (seq[i-1].Lower == "look" || seq[i-1].Lower == "looks" || seq[i-1].Lower == "feel" || seq[i-1].Lower == "feels" || seq[i-1].Lower == "just") {
				continue
			}
		}
		if capsDiff && t.Kind == kindWord && isAllCaps(t.Text) {
			v += math.Copysign(capsIncr, v)
		}
		// boosters up to three words back, fading with distance
		for d := 1; d <= 3 && i-d >= 0 && seq[i-d].Kind != kindPunct; d++ {
			b, ok := boosterWords[seq[i-d].Lower]
			if !ok {
				continue
			}
			s := math.Copysign(b, v)
			if b < 0 {
				s = -math.Copysign(-b, v)
			}
			if capsDiff && isAllCaps(seq[i-d].Text) {
				s += math.Copysign(capsIncr, s)
			}
			v += s * [...]float64{1, 0.95, 0.9}[d-1]
		}
		if negated {
			tr.RiskPhrases++
		} else if negatedBefore(seq, inPhrase, i) {
			v *= negScalar
			tr.Negated++
		}
		sign := 0
		if v > 0 {
			sign = 1
		}
		tr.Hits[src][sign]++
		sentiments[i] = v
		for k := i; k < i+span; k++ {
			inPhrase[k] = true
		}
		i += span - 1
	}
	if butAt >= 0 {
		for i := range sentiments {
			switch {
			case i < butAt:
				sentiments[i] *= butBefore
			case i > butAt:
				sentiments[i] *= butAfter
			}
		}
	}
	sum := 0.0
	for _, s := range sentiments {
		sum += s
	}
	ep := emphasis(tr.Exclaims, tr.Questions)
	if sum > 0 {
		sum += ep
	} else if sum < 0 {
		sum -= ep
	}
	tr.Sum = sum
	tr.Score.Compound = sum / math.Sqrt(sum*sum+normAlpha)

	// Shares as VADER computes them: each sentiment word counts its valence
	// plus one, neutral words count one.
	var pos, neg, neu float64
	for i, s := range sentiments {
		if seq[i].Kind == kindPunct {
			continue
		}
		switch {
		case s > 0:
			pos += s + 1
		case s < 0:
			neg += s - 1
		default:
			neu++
		}
	}
	if pos > -neg {
		pos += ep
	} else if pos < -neg {
		neg -= ep
	}
	if total := pos - neg + neu; total > 0 {
		tr.Score.Pos = pos / total
		tr.Score.Neg = -neg / total
		tr.Score.Neu = neu / total
	} else {
		tr.Score.Neu = 1
	}
	return tr
}

// slangShare is the share of lexicon hits that are crypto slang or emoji.
func (tr *ruleTrace) slangShare() float64 {
	all, slang := 0, 0
	for src := range tr.Hits {
		n := tr.Hits[src][0] + tr.Hits[src][1]
		all += n
		if lexSource(src) == srcCrypto || lexSource(src) == srcEmoji {
			slang += n
		}
	}
	if all == 0 {
		return 0
	}
	return float64(slang) / float64(all)
}

func matchPhrase(seq []token, i int, words []string) bool {
	if i+len(words) > len(seq) {
		return false
	}
	for k, w := range words {
		if seq[i+k].Lower != w {
			return false
		}
	}
	return true
}

// negatedBefore reports a negation in the three tokens before i, or an
// "n't" contraction the list does not spell out. "never so good" and
// "not only" are VADER's exceptions: they intensify, not negate.
func negatedBefore(seq []token, inPhrase []bool, i int) bool {
	for d := 1; d <= 3 && i-d >= 0; d++ {
		w := seq[i-d].Lower
		if seq[i-d].Kind == kindPunct || inPhrase[i-d] {
			return false
		}
		if seq[i-d].Kind != kindWord {
			continue
		}
		if negations[w] || strings.HasSuffix(w, "n't") {
			if d < 3 && i-d+1 < len(seq) {
				next := seq[i-d+1].Lower
				if (w == "never" && (next == "so" || next == "this")) || (w == "not" && next == "only") {
					return false
				}
			}
			return true
		}
	}
	return false
}

func emoticonValence(t token) float64 {
	if t.Kind != kindEmoticon {
		return 0
	}
	switch t.Text {
	case ":)", ":-)", ":D", ":-D", ";)", ";-)", "<3", "xD", "XD", ":P", ":p", ":-P":
		return 2
	case ":(", ":-(", ":'(", ":/":
		return -2
	}
	return 0
}

// emphasis is VADER's punctuation boost: '!' up to four, and '?' when
// there are two or more.
func emphasis(exclaims, questions int) float64 {
	ep := float64(min(exclaims, 4)) * exclaimIncr
	switch {
	case questions > 3:
		ep += 0.96
	case questions > 1:
		ep += float64(questions) * questIncr
	}
	return ep
}
