package sentiment

import (
	"bytes"
	"strings"
	"testing"

	"memepipe/internal/shareddata"
)

func TestReviews(t *testing.T) {
	rs, err := ReadReviews(bytes.NewReader(reviewsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3000 {
		t.Fatalf("%d review sentences, want 3000", len(rs))
	}
	count := map[string]int{}
	for _, r := range rs {
		count[r.Source+" "+r.Label]++
		if r.Text == "" || r.Text != strings.TrimSpace(r.Text) {
			t.Errorf("text %q: empty or not trimmed", r.Text)
		}
	}
	for _, src := range []string{"amazon", "imdb", "yelp"} {
		if count[src+" positive"] != 500 || count[src+" negative"] != 500 {
			t.Errorf("%s: %d positive, %d negative; want 500 each", src, count[src+" positive"], count[src+" negative"])
		}
	}
	// writing them back reproduces the embedded file
	var buf bytes.Buffer
	if err := WriteReviews(&buf, rs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), reviewsFile) {
		t.Error("WriteReviews(ReadReviews(file)) differs from the file")
	}
	if err := WriteReviews(&buf, []Review{{Source: "x", Example: Example{Text: "a\tb", Label: "positive"}}}); err == nil {
		t.Error("a tab in a text was written")
	}

	// training rows: duplicates gone, and no crypto comment among them
	shareddata.Path(t, CryptoCommentsFile)
	dir, _ := shareddata.Dir()
	_, cry, _, err := Datasets(dir, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	rows, dropped, err := reviewRows(cry.All())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)+dropped != 3000 || dropped != 28 {
		t.Errorf("%d review rows kept, %d dropped; want 2972 and 28", len(rows), dropped)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		k := TextKey(r.Text)
		if seen[k] {
			t.Errorf("duplicate review row %q", r.Text)
		}
		seen[k] = true
	}
	for _, e := range cry.All() {
		if seen[TextKey(e.Text)] {
			t.Errorf("crypto comment %q is among the review rows", e.Text)
		}
	}
	// a review that copies a crypto comment is dropped
	rows2, dropped2, _ := reviewRows(append(cry.All(), rows[0]))
	if len(rows2) != len(rows)-1 || dropped2 != dropped+1 {
		t.Errorf("a review equal to a comment: kept %d, dropped %d; want %d and %d", len(rows2), dropped2, len(rows)-1, dropped+1)
	}
}
