// Command reviews converts the UCI "Sentiment Labelled Sentences" (Kotzias
// et al., KDD 2015; CC BY 4.0), as shipped in the npm package sentiment
// 5.0.2 (MIT; test/fixtures/{amazon,imdb,yelp}.json), into the gzip'd TSV
// analyze/sentiment embeds for training. The tarball is not in the
// repository; fetch it with npm and point this command at it:
//
//	cd /tmp && npm pack sentiment@5.0.2
//	go run ./analyze/sentiment/cmd/reviews -tgz /tmp/sentiment-5.0.2.tgz
//
// Rows keep the packaged order (amazon, imdb, yelp, each in file order);
// texts lose surrounding white space; the three empty rows the package
// appends (class null) are dropped. Duplicates are kept here and removed
// when training reads the file. The tarball's SHA-256 is checked, so the
// output is byte-identical on every machine. The notice is kept next to
// the output (analyze/sentiment/reviews.LICENSE).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"memepipe/analyze/sentiment"
	"memepipe/analyze/sentiment/internal/datafile"
)

// The package version the committed file was made from.
const (
	pkgName   = "sentiment"
	pkgVer    = "5.0.2"
	pkgSHA256 = "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f"
	fixtures  = "package/test/fixtures/"
)

var sources = []string{"amazon", "imdb", "yelp"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reviews:", err)
		os.Exit(1)
	}
}

func run() error {
	tgz := flag.String("tgz", "", "the npm tarball ("+pkgName+"-"+pkgVer+".tgz, from npm pack)")
	out := flag.String("out", filepath.Join("analyze", "sentiment", sentiment.ReviewsFileName), "file to write")
	flag.Parse()
	if *tgz == "" {
		return errors.New("-tgz is required (npm pack " + pkgName + "@" + pkgVer + ")")
	}
	raw, err := datafile.ReadTarball(*tgz, pkgName, pkgVer, pkgSHA256, false)
	if err != nil {
		return err
	}
	files, err := readFixtures(raw)
	if err != nil {
		return err
	}
	var rows []sentiment.Review
	for _, src := range sources {
		data, ok := files[src]
		if !ok {
			return fmt.Errorf("no %s%s.json in the tarball", fixtures, src)
		}
		var recs []struct {
			Text  string `json:"text"`
			Class *int   `json:"class"`
		}
		if err := json.Unmarshal(data, &recs); err != nil {
			return fmt.Errorf("%s.json: %w", src, err)
		}
		for i, r := range recs {
			text := strings.TrimSpace(r.Text)
			if r.Class == nil && text == "" {
				continue // the empty row at the end of each file
			}
			var label string
			switch {
			case r.Class != nil && *r.Class == 0:
				label = "negative"
			case r.Class != nil && *r.Class == 1:
				label = "positive"
			default:
				return fmt.Errorf("%s.json: record %d: class is not 0 or 1", src, i)
			}
			if text == "" {
				return fmt.Errorf("%s.json: record %d: empty text", src, i)
			}
			rows = append(rows, sentiment.Review{Source: src, Example: sentiment.Example{Text: text, Label: label}})
		}
	}
	if err := datafile.WriteAtomic(*out, func(w io.Writer) error { return sentiment.WriteReviews(w, rows) }); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	fmt.Printf("wrote %s: %d sentences, %d bytes (from %s@%s, sha256 %s)\n", *out, len(rows), st.Size(), pkgName, pkgVer, pkgSHA256)
	return nil
}

// readFixtures returns the three JSON files of the tarball by source.
func readFixtures(raw []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := datafile.EachFile(raw, func(name string, r io.Reader) error {
		for _, src := range sources {
			if name == fixtures+src+".json" {
				b, err := io.ReadAll(r)
				out[src] = b
				return err
			}
		}
		return nil
	})
	return out, err
}
