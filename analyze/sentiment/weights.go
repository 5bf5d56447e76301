package sentiment

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Weight file format (gzip-compressed):
//
//	"memepipe-sentiment/2\n"
//	uvarint heads
//	per head: string name, uvarint K, K strings (classes),
//	          feature set (bits, flags, charMin, charMax, domainTag, flags2),
//	          float32 scale, uvarint nonzero rows,
//	          per row: uvarint bucket delta, K zigzag varints (weight/scale)
//
// Weights are quantised to 16 bits with one scale per head (the error is
// below 1e-4 of the largest weight, invisible in the metrics) and only the
// buckets that occurred in training are stored, so the file stays well under
// a megabyte although each head addresses 2^18 buckets.
//
// Version 1 files (no flags2 byte) still load.
const weightsMagic = "memepipe-sentiment/2\n"

const weightsMagicV1 = "memepipe-sentiment/1\n"

const (
	flagWords = 1 << iota
	flagBigrams
	flagTrigrams
	flagLexicon
	flagShape
	flagDomain
	flagPromo
	flagTransfer
)

// flags2
const (
	flagLayout = 1 << iota
	flagAuthor
)

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
		fs := h.FS
		var flags byte
		for bit, on := range map[byte]bool{flagWords: fs.Words, flagBigrams: fs.Bigrams, flagTrigrams: fs.Trigrams, flagLexicon: fs.Lexicon, flagShape: fs.Shape, flagDomain: fs.Domain, flagPromo: fs.Promo, flagTransfer: fs.Transfer} {
			if on {
				flags |= bit
			}
		}
		var flags2 byte
		if fs.Layout {
			flags2 |= flagLayout
		}
		if fs.Author {
			flags2 |= flagAuthor
		}
		b = append(b, fs.Bits, flags, fs.CharMin, fs.CharMax, fs.DomainTag, flags2)
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
	if _, err := io.ReadFull(br, magic); err != nil || (string(magic) != weightsMagic && string(magic) != weightsMagicV1) {
		return nil, errors.New("sentiment weights: not a memepipe-sentiment/1 or /2 file")
	}
	fsLen := 6
	if string(magic) == weightsMagicV1 {
		fsLen = 5
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
		var fsb [6]byte
		if _, err := io.ReadFull(br, fsb[:fsLen]); err != nil {
			return nil, fail(h.Name+" feature set", err)
		}
		if fsb[0] < 8 || fsb[0] > 24 {
			return nil, fmt.Errorf("sentiment weights: %s: %d hash bits is out of range", h.Name, fsb[0])
		}
		f := fsb[1]
		h.FS = featureSet{Bits: fsb[0], Words: f&flagWords != 0, Bigrams: f&flagBigrams != 0, Trigrams: f&flagTrigrams != 0,
			Lexicon: f&flagLexicon != 0, Shape: f&flagShape != 0, Domain: f&flagDomain != 0,
			Promo: f&flagPromo != 0, Transfer: f&flagTransfer != 0,
			Layout: fsb[5]&flagLayout != 0, Author: fsb[5]&flagAuthor != 0,
			CharMin: fsb[2], CharMax: fsb[3], DomainTag: fsb[4]}
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
	return heads, nil
}
