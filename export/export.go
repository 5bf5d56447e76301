// Package export writes the files memepipe publishes for other systems (the
// integrated_scores.csv a backend polls) to a local path or a bucket:
//
//	./out/integrated_scores.csv, /srv/out/x.csv, file:///srv/out/x.csv
//	s3://bucket/scores/integrated_scores.csv?region=eu-west-1
//	gs://bucket/scores/integrated_scores.csv
//
// A reader sees the old file or the new one, never a partial one: a local
// file is written to a temporary file in the same directory and renamed over
// the old one; S3 and GCS make an upload visible only when it completes, and
// an upload whose writer fails is aborted. Bucket credentials come from each
// cloud's standard environment (AWS_ACCESS_KEY_ID / AWS_PROFILE / an
// instance role; GOOGLE_APPLICATION_CREDENTIALS / workload identity).
// S3-compatible servers take the gocloud.dev query options endpoint=,
// use_path_style=true and disable_https=true.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/gcsblob" // gs://
	_ "gocloud.dev/blob/memblob" // mem:// (tests)
	_ "gocloud.dev/blob/s3blob"  // s3://
)

// Location is where an export goes: a local file, or a key in a bucket.
type Location struct {
	// Path is the local file ("" for a bucket).
	Path string
	// BucketURL (gocloud.dev's: scheme, bucket and options) and Key name
	// an object.
	BucketURL, Key string
}

// Parse reads a destination. A URL's path is the object's key; its query
// is the bucket's options.
func Parse(dest string) (Location, error) {
	if dest == "" {
		return Location{}, errors.New("export: no destination")
	}
	u, err := url.Parse(dest)
	if err != nil || u.Scheme == "" || len(u.Scheme) == 1 { // C:\ on Windows is a path
		return Location{Path: dest}, nil
	}
	switch u.Scheme {
	case "file":
		p := u.Path
		if u.Host == "." {
			p = strings.TrimPrefix(p, "/")
		} else if u.Host != "" {
			return Location{}, fmt.Errorf("export: file URL %q has host %q: use file:///abs/path or file://./rel/path", dest, u.Host)
		}
		return Location{Path: filepath.FromSlash(p)}, nil
	case "s3", "gs", "mem":
		key := strings.TrimPrefix(u.Path, "/")
		if key == "" || strings.HasSuffix(key, "/") {
			return Location{}, fmt.Errorf("export: %s names a bucket or folder, not an object: add the file name", redact(u))
		}
		b := *u
		b.Path, b.RawPath = "", ""
		return Location{BucketURL: b.String(), Key: key}, nil
	}
	return Location{}, fmt.Errorf("export: unsupported destination scheme %q in %s (want a path, file://, s3:// or gs://)", u.Scheme, redact(u))
}

func (l Location) String() string {
	if l.Path != "" {
		return l.Path
	}
	u, err := url.Parse(l.BucketURL)
	if err != nil {
		return l.Key
	}
	return u.Scheme + "://" + u.Host + "/" + l.Key
}

// redact drops the query (an endpoint may carry credentials) from u for messages.
func redact(u *url.URL) string {
	v := *u
	v.RawQuery, v.User = "", nil
	return v.String()
}

// Write writes what write produces to dest, atomically, with contentType
// on bucket objects.
func Write(ctx context.Context, dest, contentType string, write func(io.Writer) error) error {
	loc, err := Parse(dest)
	if err != nil {
		return err
	}
	if loc.Path != "" {
		return writeFile(loc.Path, write)
	}
	b, err := blob.OpenBucket(ctx, loc.BucketURL)
	if err != nil {
		return fmt.Errorf("export %s: %w", loc, err)
	}
	defer b.Close()
	// Cancelling the writer's context before Close aborts the upload: a
	// failed export leaves the previous object in place.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(wctx, loc.Key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("export %s: %w", loc, err)
	}
	if err := write(w); err != nil {
		cancel()
		_ = w.Close()
		return fmt.Errorf("export %s: %w", loc, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("export %s: %w", loc, err)
	}
	return nil
}

// Read returns what dest holds.
func Read(ctx context.Context, dest string) ([]byte, error) {
	loc, err := Parse(dest)
	if err != nil {
		return nil, err
	}
	if loc.Path != "" {
		return os.ReadFile(loc.Path)
	}
	b, err := blob.OpenBucket(ctx, loc.BucketURL)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", loc, err)
	}
	defer b.Close()
	data, err := b.ReadAll(ctx, loc.Key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", loc, err)
	}
	return data, nil
}

// writeFile writes path through a synced temporary file renamed over it.
func writeFile(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	// Readers are often another user (a backend service).
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("export %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
