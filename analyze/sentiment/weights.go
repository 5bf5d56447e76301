package sentiment

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Weight file format (gzip-compressed):
//
//	"memepipe-sentiment/3\n"
//	uvarint heads
//	per head: string name, uvarint K, K strings (classes),
//	          feature set (bits, flags low, flags high, charMin, charMax, domainTag),
//	          recipe: uvarint rows fitted on, uvarint members, per member
//	          method byte, feature set, balance byte, float64 l2, alpha,
//	          weight,
//	          float32 scale, uvarint nonzero rows,
//	          per row: uvarint bucket delta, K zigzag varints (weight/scale)
//	the spam heads' labelled neighbours (near.go: appendNear)
//
// The recipe is how the head was made (its ensemble members and the number
// of labelled rows), so a test can refit it and compare.
//
// Weights are quantised to 16 bits with one scale per head (the error is
// below 1e-4 of the largest weight, invisible in the metrics) and only the
// buckets that occurred in training are stored, so the file stays well under
// a megabyte although each head addresses 2^18 buckets.
const weightsMagic = "memepipe-sentiment/4\n"

const (
	flagWords = 1 << iota
	flagBigrams
	flagTrigrams
	flagLexicon
	flagShape
	flagDomain
	flagPromo
	flagTransfer
	flagEmbed
	flagLayout
	flagAuthor
)

// appendFeatureSet and parseFeatureSet (6 bytes) are the feature set's
// stored form.
func appendFeatureSet(b []byte, fs featureSet) []byte {
	var flags uint16
	for bit, on := range map[uint16]bool{flagWords: fs.Words, flagBigrams: fs.Bigrams, flagTrigrams: fs.Trigrams, flagLexicon: fs.Lexicon,
		flagShape: fs.Shape, flagDomain: fs.Domain, flagPromo: fs.Promo, flagTransfer: fs.Transfer, flagEmbed: fs.Embed,
		flagLayout: fs.Layout, flagAuthor: fs.Author} {
		if on {
			flags |= bit
		}
	}
	return append(b, fs.Bits, byte(flags), byte(flags>>8), fs.CharMin, fs.CharMax, fs.DomainTag)
}

const featureSetLen = 6

func parseFeatureSet(b []byte) (featureSet, error) {
	if b[0] < 8 || b[0] > 24 {
		return featureSet{}, fmt.Errorf("%d hash bits is out of range", b[0])
	}
	f := uint16(b[1]) | uint16(b[2])<<8
	if f >= flagAuthor<<1 {
		return featureSet{}, fmt.Errorf("unknown feature flags %#x", f)
	}
	return featureSet{Bits: b[0], Words: f&flagWords != 0, Bigrams: f&flagBigrams != 0, Trigrams: f&flagTrigrams != 0,
		Lexicon: f&flagLexicon != 0, Shape: f&flagShape != 0, Domain: f&flagDomain != 0,
		Promo: f&flagPromo != 0, Transfer: f&flagTransfer != 0, Embed: f&flagEmbed != 0,
		Layout: f&flagLayout != 0, Author: f&flagAuthor != 0,
		CharMin: b[3], CharMax: b[4], DomainTag: b[5]}, nil
}

func writeWeights(w io.Writer, heads []*linear) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	var b []byte
	b = append(b, weightsMagic...)
	b = binary.AppendUvarint(b, uint64(len(heads)))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, h := range heads {
		k := len(h.Classes)
		str(h.Name)
		b = binary.AppendUvarint(b, uint64(k))
		for _, c := range h.Classes {
			str(c)
		}
		b = appendFeatureSet(b, h.FS)
		b = binary.AppendUvarint(b, uint64(h.Rows))
		b = binary.AppendUvarint(b, uint64(len(h.Recipe)))
		for _, mb := range h.Recipe {
			if mb.extra != 0 {
				// format 3 has no field for it: a refit would differ
				return fmt.Errorf("sentiment weights: %s: member %s has extra rows, which the recipe record cannot hold", h.Name, mb)
			}
			b = append(b, byte(mb.method))
			b = appendFeatureSet(b, mb.fs)
			bal := byte(0)
			if mb.balance {
				bal = 1
			}
			b = append(b, bal)
			for _, v := range []float64{mb.l2, mb.alpha, mb.weight} {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
			}
		}
		maxAbs := 0.0
		rows := 0
		for r := 0; r*k < len(h.W); r++ {
			nz := false
			for _, v := range h.W[r*k : r*k+k] {
				maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
				nz = nz || v != 0
			}
			if nz {
				rows++
			}
		}
		scale := float32(maxAbs / 32767)
		if scale == 0 {
			scale = 1
		}
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale))
		b = binary.AppendUvarint(b, uint64(rows))
		last := 0
		for r := 0; r*k < len(h.W); r++ {
			row := h.W[r*k : r*k+k]
			nz := false
			for _, v := range row {
				nz = nz || v != 0
			}
			if !nz {
				continue
			}
			b = binary.AppendUvarint(b, uint64(r-last))
			last = r
			for _, v := range row {
				b = binary.AppendVarint(b, int64(math.Round(float64(v/scale))))
			}
		}
	}
	b = appendNear(b, heads)
	if _, err := zw.Write(b); err != nil {
		return err
	}
	return zw.Close()
}

func readWeights(r io.Reader) ([]*linear, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("sentiment weights: %w", err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(weightsMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != weightsMagic {
		return nil, errors.New("sentiment weights: not a " + strings.TrimSpace(weightsMagic) + " file")
	}
	fail := func(what string, err error) error {
		return fmt.Errorf("sentiment weights: reading %s: %w", what, err)
	}
	str := func() (string, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return "", err
		}
		if n > 1<<10 {
			return "", errors.New("string too long")
		}
		s := make([]byte, n)
		_, err = io.ReadFull(br, s)
		return string(s), err
	}
	nh, err := binary.ReadUvarint(br)
	if err != nil || nh > 16 {
		return nil, fail("head count", err)
	}
	heads := make([]*linear, 0, nh)
	for range nh {
		h := &linear{}
		if h.Name, err = str(); err != nil {
			return nil, fail("head name", err)
		}
		k, err := binary.ReadUvarint(br)
		if err != nil || k < 2 || k > 16 {
			return nil, fail(h.Name+" classes", err)
		}
		for range k {
			c, err := str()
			if err != nil {
				return nil, fail(h.Name+" class", err)
			}
			h.Classes = append(h.Classes, c)
		}
		if h.FS, err = readFeatureSet(br); err != nil {
			return nil, fail(h.Name+" feature set", err)
		}
		if h.Recipe, h.Rows, err = readRecipe(br); err != nil {
			return nil, fail(h.Name+" recipe", err)
		}
		var sb [4]byte
		if _, err := io.ReadFull(br, sb[:]); err != nil {
			return nil, fail(h.Name+" scale", err)
		}
		scale := math.Float32frombits(binary.LittleEndian.Uint32(sb[:]))
		rows, err := binary.ReadUvarint(br)
		nb := 1 << h.FS.Bits
		if err != nil || rows > uint64(nb) {
			return nil, fail(h.Name+" row count", err)
		}
		h.W = make([]float32, nb*int(k))
		r := 0
		for range rows {
			d, err := binary.ReadUvarint(br)
			if err != nil {
				return nil, fail(h.Name+" row", err)
			}
			r += int(d)
			if r >= nb {
				return nil, fmt.Errorf("sentiment weights: %s: bucket %d out of range", h.Name, r)
			}
			for c := range int(k) {
				q, err := binary.ReadVarint(br)
				if err != nil {
					return nil, fail(h.Name+" weight", err)
				}
				h.W[r*int(k)+c] = float32(q) * scale
			}
		}
		heads = append(heads, h)
	}
	if err := readNear(br, heads); err != nil {
		return nil, fail("neighbours", err)
	}
	return heads, nil
}

func readFeatureSet(br *bufio.Reader) (featureSet, error) {
	var b [featureSetLen]byte
	if _, err := io.ReadFull(br, b[:]); err != nil {
		return featureSet{}, err
	}
	return parseFeatureSet(b[:])
}

func readRecipe(br *bufio.Reader) (candidate, int, error) {
	rows, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, 0, err
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 16 {
		return nil, 0, fmt.Errorf("%d members: %v", n, err)
	}
	c := make(candidate, n)
	for i := range c {
		m, err := br.ReadByte()
		if err != nil {
			return nil, 0, err
		}
		if method(m) > methodMNB {
			return nil, 0, fmt.Errorf("unknown method %d", m)
		}
		c[i].method = method(m)
		if c[i].fs, err = readFeatureSet(br); err != nil {
			return nil, 0, err
		}
		bal, err := br.ReadByte()
		if err != nil {
			return nil, 0, err
		}
		c[i].balance = bal != 0
		var fb [8]byte
		for _, v := range []*float64{&c[i].l2, &c[i].alpha, &c[i].weight} {
			if _, err := io.ReadFull(br, fb[:]); err != nil {
				return nil, 0, err
			}
			*v = math.Float64frombits(binary.LittleEndian.Uint64(fb[:]))
		}
	}
	return c, int(rows), nil
}
