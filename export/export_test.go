package export

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

const scoresV1 = "token,as_of,score,rank\nethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933,2026-11-28T18:00:00Z,71.5,1\n"
const scoresV2 = "token,as_of,score,rank\nethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933,2026-11-28T19:00:00Z,64.25,1\n"

func fakeS3(t *testing.T) (string, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("exports"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAMEMEPIPETEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "memepipe-test-secret")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return "?endpoint=" + url.QueryEscape(srv.URL) + "&region=us-east-1&use_path_style=true&disable_https=true", backend
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// failing writes half a file, then fails: the export must not replace
// the previous one.
func failing(w io.Writer) error {
	io.WriteString(w, scoresV2[:20])
	return errors.New("score: no tokens scored")
}

func TestWriteToS3ReplacesAtomically(t *testing.T) {
	q, backend := fakeS3(t)
	ctx := context.Background()
	dest := "s3://exports/scores/integrated_scores.csv" + q
	if err := Write(ctx, dest, "text/csv", text(scoresV1)); err != nil {
		t.Fatal(err)
	}
	got, err := Read(ctx, dest)
	if err != nil || string(got) != scoresV1 {
		t.Fatalf("read back %q %v", got, err)
	}
	err = Write(ctx, dest, "text/csv", failing)
	if err == nil || !strings.Contains(err.Error(), "no tokens scored") || strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("failing write: %v (must name the cause, not the endpoint)", err)
	}
	if got, _ := Read(ctx, dest); string(got) != scoresV1 {
		t.Fatalf("after a failed export the object holds %q, want the previous one", got)
	}
	if err := Write(ctx, dest, "text/csv", text(scoresV2)); err != nil {
		t.Fatal(err)
	}
	obj, err := backend.GetObject("exports", "scores/integrated_scores.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Contents.Close()
	b, _ := io.ReadAll(obj.Contents)
	if !bytes.Equal(b, []byte(scoresV2)) || obj.Metadata["Content-Type"] != "text/csv" {
		t.Errorf("bucket object %q, metadata %v", b, obj.Metadata)
	}
}

func TestWriteToLocalFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "out", "integrated_scores.csv")
	ctx := context.Background()
	if err := Write(ctx, dest, "text/csv", text(scoresV1)); err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, "file://"+filepath.ToSlash(dest), "text/csv", failing); err == nil {
		t.Fatal("failing write succeeded")
	}
	b, err := os.ReadFile(dest)
	if err != nil || string(b) != scoresV1 {
		t.Fatalf("after a failed export: %q %v", b, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dest))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestParse(t *testing.T) {
	for dest, want := range map[string]string{
		"./out/x.csv":                       "path ./out/x.csv",
		"/srv/x.csv":                        "path /srv/x.csv",
		"file:///srv/x.csv":                 "path /srv/x.csv",
		"file://./out/x.csv":                "path out/x.csv",
		"s3://bkt/a/b.csv?region=eu-west-1": "bucket s3://bkt?region=eu-west-1 key a/b.csv",
		"gs://bkt/b.csv":                    "bucket gs://bkt key b.csv",
		"s3://bkt/folder/":                  "error export: s3://bkt/folder/ names a bucket or folder, not an object: add the file name",
		"s3://bkt?endpoint=http://u:pw@h":   "error export: s3://bkt names a bucket or folder, not an object: add the file name",
		"ftp://host/x.csv":                  `error export: unsupported destination scheme "ftp" in ftp://host/x.csv (want a path, file://, s3:// or gs://)`,
	} {
		l, err := Parse(dest)
		var got string
		switch {
		case err != nil:
			got = "error " + err.Error()
		case l.Path != "":
			got = "path " + l.Path
		default:
			got = "bucket " + l.BucketURL + " key " + l.Key
		}
		if got != want {
			t.Errorf("Parse(%q) = %s\nwant %s", dest, got, want)
		}
	}
}
