package sentiment

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Nearest labelled neighbours for the spam heads. Bots reuse templates: a
// price feed posts the same sentence with other coins and numbers, a
// promotion the same call with rotating ticker lists. A text whose nearest
// labelled texts are copies of one template most likely shares their
// label, whatever the linear heads make of its words; so the spam heads'
// logit is moved by the neighbours' vote.
//
// Texts are compared as sets of hashed character n-grams of a normalised
// form (lower case, a link as "~", a mention as "@", a digit run as "0",
// whitespace runs as one space) that crosses word boundaries, so
// punctuation, emoji runs and the gaps between tickers count, and a text
// reads the same on one line as on several (both spam heads use the same
// neighbours). Similarity is the cosine of the sets weighted by inverse
// document frequency over the labelled texts.
//
// The weight file stores the labelled texts' n-gram sets (hashed, as an
// inverted index), not the texts.

// nearSpec says how texts become n-gram sets and how neighbours vote.
type nearSpec struct {
	Bits       uint8 // hash space of the n-grams
	NMin, NMax uint8 // n-gram lengths in bytes of the normalised text
	K          uint8 // labelled texts that vote
	// Power: a neighbour votes with similarity^Power.
	Power float64
	// Prior: pseudo-votes split evenly between the classes, so a few weak
	// neighbours move the logit little.
	Prior float64
	// Weight of the vote's logit added to the head's logit.
	Weight float64
}

func (sp nearSpec) String() string {
	return fmt.Sprintf("kNN(k=%d,c%d-%d,sim^%g,prior=%g)x%g", sp.K, sp.NMin, sp.NMax, sp.Power, sp.Prior, sp.Weight)
}

// nearIndex holds the labelled texts, one entry per distinct n-gram set
// (a bot posting one text twenty times is one entry counted twenty times),
// as an inverted index: the fitted and the loaded index are the same
// structure, so they score alike.
type nearIndex struct {
	Spec      nearSpec
	Spam, Ham []uint32 // per entry: labelled texts with this set, by label

	Keys []uint32 // the buckets that occur, ascending
	// Postings: the entries holding each key, ascending, one key after
	// the other; key j's are Postings[Ends[j-1]:Ends[j]]
	Postings []uint16
	Ends     []uint32

	// derived by build
	slots    []nearSlot // open-addressing table: bucket -> index into Keys
	slotMask uint32
	key      []nearKey
	norm     []float64 // per entry: sqrt of the sum of its keys' idf²
	miss     float64   // idf² of a bucket no entry has
}

// maxNearEntries bounds the distinct texts of an index (postings are
// 16-bit).
const maxNearEntries = 1 << 16

// nearKey is what scoring reads of a key.
type nearKey struct {
	idf2       float64 // squared inverse document frequency
	start, end uint32  // its postings
}

// nearSlot is one slot of the bucket table; key is the index into Keys
// plus one (0: empty).
type nearSlot struct {
	bucket uint32
	key    int32
}

// lookup is the index into Keys of bucket b, or -1.
func (ix *nearIndex) lookup(b uint32) int32 {
	for i := (b * 0x9e3779b1) >> 8 & ix.slotMask; ; i = (i + 1) & ix.slotMask {
		sl := ix.slots[i]
		if sl.key == 0 {
			return -1
		}
		if sl.bucket == b {
			return sl.key - 1
		}
	}
}

// nearNormalise appends the form of text that n-grams are taken from to
// buf.
func nearNormalise(text string, buf []byte) []byte {
	if strings.IndexByte(text, '&') >= 0 {
		text = html.UnescapeString(text)
	}
	space := true // no leading space
	for i := 0; i < len(text); {
		if hasURLPrefix(text[i:]) {
			for i < len(text) {
				r, s := utf8.DecodeRuneInString(text[i:])
				if unicode.IsSpace(r) {
					break
				}
				i += s
			}
			buf = append(buf, '~')
			space = false
			continue
		}
		r, s := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			if !space {
				buf = append(buf, ' ')
				space = true
			}
			i += s
			continue
		case r == '@' && i+1 < len(text) && isWordStart(text[i+1:]):
			i = scanWord(text, i+1)
			buf = append(buf, '@')
		case r >= '0' && r <= '9':
			for i < len(text) && text[i] >= '0' && text[i] <= '9' {
				i++
			}
			buf = append(buf, '0')
		default:
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			i += s
		}
		space = false
	}
	if n := len(buf); n > 0 && buf[n-1] == ' ' {
		buf = buf[:n-1]
	}
	return buf
}

// marked is text normalised into buf, "^" and "$" marking its start and
// end.
func marked(text string, buf []byte) []byte {
	return append(nearNormalise(text, append(buf[:0], '^')), '$')
}

// grams calls f with the bucket of every n-gram of buf (a marked text;
// repeats included).
func (sp nearSpec) grams(buf []byte, f func(uint32)) {
	mask := uint32(1)<<sp.Bits - 1
	for n := int(sp.NMin); n <= int(sp.NMax); n++ {
		h0 := hashByte(fnvOffset, byte(n))
		for i := 0; i+n <= len(buf); i++ {
			h := hashStr(h0, string(buf[i:i+n]))
			f(uint32(h^(h>>32)) & mask)
		}
	}
}

// nearSet is the sorted distinct buckets of text's n-grams.
func (sp nearSpec) nearSet(text string) []uint32 {
	var out []uint32
	sp.grams(marked(text, nil), func(b uint32) { out = append(out, b) })
	slices.Sort(out)
	return slices.Compact(out)
}

// newNearIndex indexes labelled texts.
func newNearIndex(sp nearSpec, texts []string, spam []bool) *nearIndex {
	ix := &nearIndex{Spec: sp}
	entry := map[string]int32{}
	var sets [][]uint32
	for i, t := range texts {
		set := sp.nearSet(t)
		k := fmt.Sprint(set)
		e, ok := entry[k]
		if !ok {
			e = int32(len(sets))
			entry[k] = e
			sets = append(sets, set)
			ix.Spam, ix.Ham = append(ix.Spam, 0), append(ix.Ham, 0)
		}
		if spam[i] {
			ix.Spam[e]++
		} else {
			ix.Ham[e]++
		}
	}
	if len(sets) > maxNearEntries {
		panic(fmt.Sprintf("sentiment: %d distinct texts for the neighbours, at most %d", len(sets), maxNearEntries))
	}
	posting := map[uint32][]int32{}
	for e, s := range sets {
		for _, b := range s {
			posting[b] = append(posting[b], int32(e))
		}
	}
	for b := range posting {
		ix.Keys = append(ix.Keys, b)
	}
	slices.Sort(ix.Keys)
	for _, b := range ix.Keys {
		for _, e := range posting[b] {
			ix.Postings = append(ix.Postings, uint16(e))
		}
		ix.Ends = append(ix.Ends, uint32(len(ix.Postings)))
	}
	ix.build()
	return ix
}

// build derives the lookup, the idf and the norms from Keys and Postings.
// Document frequency counts labelled texts, copies included.
func (ix *nearIndex) build() {
	copies := func(e int32) float64 { return float64(ix.Spam[e] + ix.Ham[e]) }
	n := 0.0
	for e := range ix.Spam {
		n += copies(int32(e))
	}
	idf2 := func(df float64) float64 {
		idf := math.Log((n+1)/(df+1)) + 1
		return idf * idf
	}
	size := 16
	for size < 2*len(ix.Keys) {
		size *= 2
	}
	ix.slots = make([]nearSlot, size)
	ix.slotMask = uint32(size - 1)
	ix.key = make([]nearKey, len(ix.Keys))
	ix.norm = make([]float64, len(ix.Spam))
	for j, b := range ix.Keys {
		i := (b * 0x9e3779b1) >> 8 & ix.slotMask
		for ix.slots[i].key != 0 {
			i = (i + 1) & ix.slotMask
		}
		ix.slots[i] = nearSlot{b, int32(j) + 1}
		k := nearKey{end: ix.Ends[j]}
		if j > 0 {
			k.start = ix.Ends[j-1]
		}
		df := 0.0
		for _, e := range ix.Postings[k.start:k.end] {
			df += copies(int32(e))
		}
		k.idf2 = idf2(df)
		ix.key[j] = k
		for _, e := range ix.Postings[k.start:k.end] {
			ix.norm[e] += k.idf2
		}
	}
	for e := range ix.norm {
		ix.norm[e] = math.Sqrt(ix.norm[e])
	}
	ix.miss = idf2(0)
}

// nearScratch is one goroutine's buffers for nearIndex.vote.
type nearScratch struct {
	buf  []byte
	hit  []uint64 // bitmap over the index's keys
	miss []uint32 // open-addressing set of the buckets the index lacks (bucket+1; 0 empty)
	used []int32  // the slots of miss in use
	dot  []float64
	top  []nearHit
}

type nearHit struct {
	sim   float64
	entry int32
}

// before orders hits by similarity, then entry (the first labelled).
func (a nearHit) before(b nearHit) bool {
	return a.sim > b.sim || (a.sim == b.sim && a.entry < b.entry)
}

// vote is the logit of P(spam) by the K labelled texts nearest to text
// (each entry counting as many texts as it has copies, its labels in
// proportion), and the similarity of the nearest.
func (ix *nearIndex) vote(text string, s *nearScratch) (logit, nearest float64) {
	if len(s.dot) != len(ix.Spam) || len(s.hit) != (len(ix.Keys)+63)/64 {
		s.dot = make([]float64, len(ix.Spam))
		s.hit = make([]uint64, (len(ix.Keys)+63)/64)
	}
	s.buf = marked(text, s.buf)
	// room for every n-gram of the text at half load
	if grams := len(s.buf) * int(ix.Spec.NMax-ix.Spec.NMin+1); len(s.miss) < 2*grams {
		size := 1024
		for size < 2*grams {
			size *= 2
		}
		s.miss = make([]uint32, size)
	}
	missMask := uint32(len(s.miss) - 1)
	// the distinct n-grams: those the index has marked in a bitmap over
	// its keys (read back in key order, which is bucket order), the others
	// listed
	s.used = s.used[:0]
	ix.Spec.grams(s.buf, func(b uint32) {
		if j := ix.lookup(b); j >= 0 {
			s.hit[j>>6] |= 1 << (j & 63)
			return
		}
		for i := (b * 0x9e3779b1) >> 8 & missMask; ; i = (i + 1) & missMask {
			switch s.miss[i] {
			case b + 1:
				return
			case 0:
				s.miss[i] = b + 1
				s.used = append(s.used, int32(i))
				return
			}
		}
	})
	dot := s.dot
	qq := 0.0
	for w, word := range s.hit {
		if word == 0 {
			continue
		}
		s.hit[w] = 0
		for ; word != 0; word &= word - 1 {
			j := w<<6 | bits.TrailingZeros64(word)
			k := ix.key[j]
			qq += k.idf2
			for _, e := range ix.Postings[k.start:k.end] {
				dot[e] += k.idf2
			}
		}
	}
	qq += float64(len(s.used)) * ix.miss
	for _, i := range s.used {
		s.miss[i] = 0
	}
	// the entries nearest to text holding K texts between them
	k := float64(ix.Spec.K)
	s.top = s.top[:0]
	qn := math.Sqrt(qq)
	held := 0.0 // texts in s.top
	for e, d := range dot {
		if d == 0 {
			continue
		}
		dot[e] = 0
		h := nearHit{d / (qn * ix.norm[e]), int32(e)}
		if held >= k && !h.before(s.top[len(s.top)-1]) {
			continue
		}
		j := len(s.top)
		s.top = append(s.top, h)
		for j > 0 && h.before(s.top[j-1]) {
			s.top[j] = s.top[j-1]
			j--
		}
		s.top[j] = h
		held += float64(ix.Spam[e] + ix.Ham[e])
		// drop entries that the ones before them make surplus
		for len(s.top) > 1 {
			last := s.top[len(s.top)-1].entry
			if held-float64(ix.Spam[last]+ix.Ham[last]) < k {
				break
			}
			held -= float64(ix.Spam[last] + ix.Ham[last])
			s.top = s.top[:len(s.top)-1]
		}
	}
	vs, vh := ix.Spec.Prior/2, ix.Spec.Prior/2
	left := k
	for _, h := range s.top {
		n := float64(ix.Spam[h.entry] + ix.Ham[h.entry])
		m := min(n, left)
		left -= m
		v := m * math.Pow(h.sim, ix.Spec.Power) / n
		vs += v * float64(ix.Spam[h.entry])
		vh += v * float64(ix.Ham[h.entry])
	}
	if len(s.top) > 0 {
		nearest = s.top[0].sim
	}
	return math.Log(vs / vh), nearest
}

// spamProb is P(spam) from a spam head's class probabilities p (ham,
// spam), moved by the neighbours' vote on text when there is an index.
func (ix *nearIndex) spamProb(p []float64, text string, s *nearScratch) float64 {
	if ix == nil {
		return p[1]
	}
	v, _ := ix.vote(text, s)
	z := math.Log(p[1]) - math.Log(p[0]) + ix.Spec.Weight*v
	return 1 / (1 + math.Exp(-z))
}

// Stored form (after the heads in the weight file):
//
//	uvarint indexes; per index: string head name,
//	bits, nMin, nMax, k bytes, float64 power, prior, weight,
//	uvarint entries, per entry uvarint spam, ham,
//	uvarint keys, per key: uvarint bucket delta, uvarint postings,
//	per posting uvarint entry delta (from the previous entry + 1)
func appendNear(b []byte, heads []*linear) []byte {
	var with []*linear
	for _, h := range heads {
		if h.Near != nil {
			with = append(with, h)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(with)))
	for _, h := range with {
		ix := h.Near
		b = binary.AppendUvarint(b, uint64(len(h.Name)))
		b = append(b, h.Name...)
		sp := ix.Spec
		b = append(b, sp.Bits, sp.NMin, sp.NMax, sp.K)
		for _, v := range []float64{sp.Power, sp.Prior, sp.Weight} {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		b = binary.AppendUvarint(b, uint64(len(ix.Spam)))
		for e := range ix.Spam {
			b = binary.AppendUvarint(b, uint64(ix.Spam[e]))
			b = binary.AppendUvarint(b, uint64(ix.Ham[e]))
		}
		b = binary.AppendUvarint(b, uint64(len(ix.Keys)))
		last := uint32(0)
		for j, k := range ix.Keys {
			b = binary.AppendUvarint(b, uint64(k-last))
			last = k
			start := uint32(0)
			if j > 0 {
				start = ix.Ends[j-1]
			}
			b = binary.AppendUvarint(b, uint64(ix.Ends[j]-start))
			prev := -1
			for _, e := range ix.Postings[start:ix.Ends[j]] {
				b = binary.AppendUvarint(b, uint64(int(e)-prev-1))
				prev = int(e)
			}
		}
	}
	return b
}

// readNear reads the indexes appendNear wrote and attaches each to its
// head.
func readNear(br *bufio.Reader, heads []*linear) error {
	u := func(limit uint64) (uint64, error) {
		v, err := binary.ReadUvarint(br)
		if err == nil && v > limit {
			err = fmt.Errorf("value %d out of range", v)
		}
		return v, err
	}
	n, err := u(uint64(len(heads)))
	if err != nil {
		return err
	}
	for range n {
		l, err := u(1 << 10)
		if err != nil {
			return err
		}
		name := make([]byte, l)
		if _, err := io.ReadFull(br, name); err != nil {
			return err
		}
		var h *linear
		for _, hd := range heads {
			if hd.Name == string(name) {
				h = hd
			}
		}
		if h == nil || h.Near != nil {
			return fmt.Errorf("neighbours for head %q", name)
		}
		var sb [4 + 24]byte
		if _, err := io.ReadFull(br, sb[:]); err != nil {
			return err
		}
		sp := nearSpec{Bits: sb[0], NMin: sb[1], NMax: sb[2], K: sb[3]}
		for i, v := range []*float64{&sp.Power, &sp.Prior, &sp.Weight} {
			*v = math.Float64frombits(binary.LittleEndian.Uint64(sb[4+8*i:]))
		}
		if sp.Bits < 8 || sp.Bits > 24 || sp.NMin < 1 || sp.NMax < sp.NMin || sp.NMax > 16 || sp.K < 1 || !(sp.Prior > 0) {
			return fmt.Errorf("neighbour spec %+v", sp)
		}
		ix := &nearIndex{Spec: sp}
		entries, err := u(maxNearEntries)
		if err != nil {
			return err
		}
		ix.Spam, ix.Ham = make([]uint32, entries), make([]uint32, entries)
		for e := range ix.Spam {
			s, err := u(1 << 24)
			if err != nil {
				return err
			}
			hm, err := u(1 << 24)
			if err != nil {
				return err
			}
			if s+hm == 0 {
				return errors.New("empty neighbour entry")
			}
			ix.Spam[e], ix.Ham[e] = uint32(s), uint32(hm)
		}
		keys, err := u(1 << sp.Bits)
		if err != nil {
			return err
		}
		ix.Keys = make([]uint32, keys)
		ix.Ends = make([]uint32, keys)
		b := uint64(0)
		for j := range ix.Keys {
			d, err := u(1 << sp.Bits)
			if err != nil {
				return err
			}
			if b += d; (j > 0 && d == 0) || b >= 1<<sp.Bits {
				return errors.New("neighbour keys out of order")
			}
			ix.Keys[j] = uint32(b)
			np, err := u(entries)
			if err != nil {
				return err
			}
			if np == 0 || uint64(len(ix.Postings))+np > 1<<32-1 {
				return errors.New("neighbour postings out of range")
			}
			e := int64(-1)
			for range np {
				d, err := u(entries)
				if err != nil {
					return err
				}
				if e += int64(d) + 1; e >= int64(entries) {
					return errors.New("neighbour posting out of range")
				}
				ix.Postings = append(ix.Postings, uint16(e))
			}
			ix.Ends[j] = uint32(len(ix.Postings))
		}
		ix.build()
		for e, nm := range ix.norm {
			if nm == 0 {
				return fmt.Errorf("neighbour entry %d has no n-grams", e)
			}
		}
		h.Near = ix
	}
	return nil
}
