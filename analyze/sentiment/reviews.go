package sentiment

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
)

// General-domain valence rows: the UCI "Sentiment Labelled Sentences"
// (Kotzias et al., KDD 2015; CC BY 4.0), 3,000 review sentences from
// Amazon, IMDB and Yelp labelled positive or negative, as shipped in the
// npm package sentiment 5.0.2 (notice in reviews.LICENSE), converted by
// `go run ./analyze/sentiment/cmd/reviews`. Training only: no head reads
// them at scoring time.
//
//go:embed reviews.tsv.gz
var reviewsFile []byte

// ReviewsFileName is the embedded file, relative to this package.
const ReviewsFileName = "reviews.tsv.gz"

// reviewsHeader is the TSV's first line.
const reviewsHeader = "source\tlabel\ttext"

// Review is one labelled review sentence and the site it comes from.
type Review struct {
	Source string // amazon, imdb or yelp
	Example
}

// WriteReviews writes rows as the gzip'd TSV the package embeds: a header,
// then source, label (positive or negative) and text per line. Texts must
// not hold tabs or line breaks.
func WriteReviews(w io.Writer, rows []Review) error {
	var b bytes.Buffer
	b.WriteString(reviewsHeader + "\n")
	for i, r := range rows {
		if strings.ContainsAny(r.Text, "\t\r\n") || strings.ContainsAny(r.Source, "\t\r\n") {
			return fmt.Errorf("review %d: a tab or line break in %q", i, r.Text)
		}
		if r.Label != "positive" && r.Label != "negative" {
			return fmt.Errorf("review %d: label %q", i, r.Label)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", r.Source, r.Label, r.Text)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(b.Bytes()); err != nil {
		return err
	}
	return zw.Close()
}

// ReadReviews reads a file written by WriteReviews.
func ReadReviews(r io.Reader) ([]Review, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	var out []Review
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			if sc.Text() != reviewsHeader {
				return nil, fmt.Errorf("reviews: header %q, want %q", sc.Text(), reviewsHeader)
			}
			continue
		}
		f := strings.SplitN(sc.Text(), "\t", 3)
		if len(f) != 3 || (f[1] != "positive" && f[1] != "negative") {
			return nil, fmt.Errorf("reviews: line %d: %q", line, sc.Text())
		}
		out = append(out, Review{Source: f[0], Example: Example{Text: f[2], Label: f[1]}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	return out, nil
}

// reviewRows is the embedded reviews as training rows: duplicates removed
// the way the crypto comments lose theirs (exact text, lower case, words
// only; the smallest text of a group kept), and any sentence whose key is
// also a key of one of the crypto comments in avoid, so a crypto row can
// never enter training through the reviews.
func reviewRows(avoid []Example) ([]Example, int, error) {
	rs, err := ReadReviews(bytes.NewReader(reviewsFile))
	if err != nil {
		return nil, 0, err
	}
	ex := make([]Example, len(rs))
	for i, r := range rs {
		ex[i] = r.Example
	}
	kept, dropped := Dedupe(ex, TextKey, 0)
	bad := map[string]bool{}
	for _, e := range avoid {
		bad[TextKey(e.Text)] = true
	}
	out := kept[:0]
	for _, e := range kept {
		if bad[TextKey(e.Text)] {
			dropped++
			continue
		}
		out = append(out, e)
	}
	return out, dropped, nil
}
