package datafile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tarball(t *testing.T, files map[string]string, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "package/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, name := range order {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestTarballRoundTrip(t *testing.T) {
	tgz := tarball(t, map[string]string{"package/a.json": "[1]", "package/b.json": "[2,3]"}, "package/a.json", "package/b.json")
	dir := t.TempDir()
	path := filepath.Join(dir, "pkg-1.0.0.tgz")
	if err := os.WriteFile(path, tgz, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tgz)
	if _, err := ReadTarball(path, "pkg", "1.0.0", hex.EncodeToString(sum[:]), false); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTarball(path, "pkg", "1.0.0", strings.Repeat("0", 64), false); err == nil || !strings.Contains(err.Error(), "pkg@1.0.0") {
		t.Errorf("wrong checksum: %v", err)
	}
	if _, err := ReadTarball(path, "pkg", "1.0.0", strings.Repeat("0", 64), true); err != nil {
		t.Errorf("any: %v", err)
	}
	var got []string
	err := EachFile(tgz, func(name string, r io.Reader) error {
		b, _ := io.ReadAll(r)
		got = append(got, name+"="+string(b))
		return nil
	})
	if err != nil || strings.Join(got, " ") != "package/a.json=[1] package/b.json=[2,3]" {
		t.Errorf("files %q, %v (the directory entry must be skipped)", got, err)
	}
	stop := errors.New("stop")
	if err := EachFile(tgz, func(string, io.Reader) error { return stop }); err != stop {
		t.Errorf("fn's error not returned: %v", err)
	}

	out := filepath.Join(dir, "out.bin")
	if err := WriteAtomic(out, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(out, func(w io.Writer) error { w.Write([]byte("partial")); return errors.New("disk full") }); err == nil {
		t.Fatal("a failed write reported success")
	}
	b, _ := os.ReadFile(out)
	entries, _ := os.ReadDir(dir)
	if string(b) != "new" || len(entries) != 2 {
		t.Errorf("after a failed write: %q, %d files (want the old content and no temporary left)", b, len(entries))
	}
}
