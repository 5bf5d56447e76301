// Package raw is the raw zone: every response page a collector fetched,
// kept as it came, once, on a gocloud.dev blob bucket (a local folder by
// default, S3 or GCS by URL). Cleaners read it back by source and interval;
// `memepipe raw list/cat` inspect it.
//
// Objects are immutable. A key is derived from the object's source, interval,
// token and the SHA-256 of its body (see Key), so storing the same page twice
// stores it once, and a retried task never duplicates input.
//
// Crash safety: bytes are gzipped in memory and handed to the bucket in one
// write that commits on Close. fileblob (file://) writes a temp file next to
// the destination (no_tmp_dir, so the rename never crosses a mount) and
// renames it into place only after the last byte, so a process killed
// mid-write leaves at most a stranded "*.tmp" file, which List ignores and a
// later Put of the same page replaces. fileblob does not fsync before the
// rename: a power cut (not a process crash) can leave a renamed but empty
// file; Get detects that, because it checks the gzip trailer and the SHA-256
// in the metadata, and reports the object as corrupt instead of returning it.
// S3 and GCS commit an object atomically at the end of the upload.
package raw

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // gs://
	_ "gocloud.dev/blob/memblob" // mem:// (tests, benchmarks)
	_ "gocloud.dev/blob/s3blob"  // s3://
	"gocloud.dev/gcerrors"

	"memepipe/pipeline"
)

// DefaultURL is where the raw zone lives unless configured.
const DefaultURL = "file://./data/raw"

// ErrNotFound is returned (wrapped) by Get for a key that does not exist.
var ErrNotFound = errors.New("raw object not found")

// Meta describes a stored page. It never holds a secret: URL is the request
// URL as redacted by source/httpx.
type Meta struct {
	Key         string            `json:"key"`
	Source      string            `json:"source"`
	Token       string            `json:"token,omitempty"`
	Interval    pipeline.Interval `json:"interval"`
	URL         string            `json:"url,omitempty"`
	Status      int               `json:"status"`
	FetchedAt   time.Time         `json:"fetched_at"`
	ContentType string            `json:"content_type,omitempty"`
	SHA256      string            `json:"sha256"`
	// Size is the body's size in bytes, uncompressed.
	Size int64 `json:"size"`
	// Rejected, when set, says why the collector could not use the page
	// (the page lives under RejectedPrefix, listed only on request).
	Rejected string `json:"rejected,omitempty"`
}

// Object is a stored page: its metadata and the body exactly as received.
type Object struct {
	Meta
	Body []byte `json:"-"`
}

// Zone is an open raw zone.
type Zone struct {
	bucket *blob.Bucket
	dir    string // a file zone's folder, which List reads directly; "" for other buckets
	url    string
	now    func() time.Time
}

// Open opens the raw zone at url: file://DIR (relative paths are relative to
// the working directory, e.g. file://./data/raw; the folder is created),
// s3://bucket?region=…, gs://bucket, or mem:// (in memory, for tests).
func Open(ctx context.Context, rawURL string) (*Zone, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("raw zone url %q: %w", rawURL, err)
	}
	var b *blob.Bucket
	var dir string
	if u.Scheme == "file" {
		b, dir, err = openFile(u)
	} else {
		b, err = blob.OpenBucket(ctx, bucketURL(u))
	}
	if err != nil {
		return nil, fmt.Errorf("open raw zone %s: %w", rawURL, err)
	}
	return &Zone{bucket: b, dir: dir, url: rawURL, now: time.Now}, nil
}

// openFile opens a file:// zone with temp files next to their destination (so
// the final rename is atomic) and the folder created, whatever the URL says
// about other options.
func openFile(u *url.URL) (*blob.Bucket, string, error) {
	dir := u.Path
	if u.Host != "" && u.Host != "." {
		return nil, "", fmt.Errorf("file URL with host %q: use file:///abs/path or file://./rel/path", u.Host)
	}
	if u.Host == "." {
		dir = strings.TrimPrefix(dir, "/")
	}
	if dir == "" {
		return nil, "", errors.New("file URL has no path")
	}
	dir, err := filepath.Abs(filepath.FromSlash(dir))
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, CreateDir: true})
	return b, dir, err
}

// NewZone wraps an already open bucket (tests, or a caller with its own
// bucket options).
func NewZone(b *blob.Bucket) *Zone { return &Zone{bucket: b, url: "bucket", now: time.Now} }

// URL is the zone's location as given to Open.
func (z *Zone) URL() string { return z.url }

// Close closes the bucket.
func (z *Zone) Close() error { return z.bucket.Close() }

// Put stores obj unless an object with the same key exists, and returns the
// key and whether it already existed. An object with Rejected set is stored
// under RejectedPrefix. It fills in SHA256, Size and, when
// zero, FetchedAt. The body is stored gzipped; metadata travels as blob
// metadata (a sidecar .attrs file under file://, x-amz-meta-* on S3).
func (z *Zone) Put(ctx context.Context, obj Object) (key string, existed bool, err error) {
	sum := sha256.Sum256(obj.Body)
	obj.SHA256 = hex.EncodeToString(sum[:])
	obj.Size = int64(len(obj.Body))
	if obj.FetchedAt.IsZero() {
		obj.FetchedAt = z.now()
	}
	key, err = Key(obj.Source, obj.Token, obj.Interval, obj.SHA256, obj.ContentType)
	if err != nil {
		return "", false, err
	}
	if obj.Rejected != "" {
		key = RejectedPrefix + key
	}
	ok, err := z.bucket.Exists(ctx, key)
	if err != nil {
		return key, false, fmt.Errorf("raw: check %s: %w", key, err)
	}
	if ok {
		return key, true, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(obj.Body)/4 + 64)
	// The gzip header carries no name and no time, so equal bodies compress
	// to equal bytes.
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := gz.Write(obj.Body); err != nil {
		return key, false, err
	}
	if err := gz.Close(); err != nil {
		return key, false, err
	}
	err = z.bucket.WriteAll(ctx, key, buf.Bytes(), &blob.WriterOptions{
		ContentType: "application/gzip",
		Metadata:    encodeMeta(obj.Meta),
		// Write once: lose a race with another writer of the same page
		// rather than overwrite it (atomic on S3 and GCS; a stat before the
		// rename on file://, where both writers hold the same bytes anyway).
		IfNotExist: true,
	})
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return key, true, nil
	}
	if err != nil {
		return key, false, fmt.Errorf("raw: write %s: %w", key, err)
	}
	return key, false, nil
}

// Stat returns an object's metadata without reading its body.
func (z *Zone) Stat(ctx context.Context, key string) (Meta, error) {
	attrs, err := z.bucket.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return Meta{}, fmt.Errorf("raw: %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Meta{}, fmt.Errorf("raw: stat %s: %w", key, err)
	}
	m, err := decodeMeta(key, attrs.Metadata)
	if err != nil {
		return Meta{}, err
	}
	return m, nil
}

// Get reads an object and checks it: the body must decompress completely and
// hash to the SHA-256 recorded when it was stored.
func (z *Zone) Get(ctx context.Context, key string) (Object, error) {
	var body bytes.Buffer
	m, err := z.read(ctx, key, &body)
	if err != nil {
		return Object{}, err
	}
	return Object{Meta: m, Body: body.Bytes()}, nil
}

// GetText is Get with the body as a string, read into one without a copy:
// a cleaner's parsers keep substrings of it in their rows.
func (z *Zone) GetText(ctx context.Context, key string) (Meta, string, error) {
	var body strings.Builder
	m, err := z.read(ctx, key, &body)
	if err != nil {
		return Meta{}, "", err
	}
	return m, body.String(), nil
}

// bodyWriter is where read decompresses a body to: a bytes.Buffer or a
// strings.Builder.
type bodyWriter interface {
	io.Writer
	Grow(n int)
}

// read decompresses an object's body into body and checks it.
func (z *Zone) read(ctx context.Context, key string, body bodyWriter) (Meta, error) {
	m, err := z.Stat(ctx, key)
	if err != nil {
		return Meta{}, err
	}
	r, err := z.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return Meta{}, fmt.Errorf("raw: %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Meta{}, fmt.Errorf("raw: read %s: %w", key, err)
	}
	defer r.Close()
	rd := readers.Get().(*reader)
	defer readers.Put(rd)
	body.Grow(int(min(max(m.Size, 0), maxPresize)))
	sum, err := rd.gunzip(r, body)
	if err != nil {
		return Meta{}, fmt.Errorf("raw: %s is corrupt (%v)", key, err)
	}
	if got := hex.EncodeToString(sum); got != m.SHA256 {
		return Meta{}, fmt.Errorf("raw: %s is corrupt: body hashes to %s, metadata says %s", key, got, m.SHA256)
	}
	return m, nil
}

// reader is what reading one object needs, kept in a pool: a cleaner
// reads thousands of small objects, and a new gzip.Reader allocates its
// decompressor's tables (tens of KiB) and a bufio.Reader each time.
type reader struct {
	gz         *gzip.Reader
	compressed bytes.Buffer
	src        bytes.Reader
	hash       hash.Hash
	buf        [32 << 10]byte
}

var readers = sync.Pool{New: func() any { return &reader{hash: sha256.New()} }}

// maxPresize bounds the body buffer allocated up front from the metadata's
// size (a bigger body still reads; the buffer then grows as it goes).
const maxPresize = 64 << 20

// gunzip reads the stored bytes whole (gzip then decodes from memory,
// without a bufio.Reader of its own) and decompresses them to EOF, so the
// gzip trailer (CRC and length) is checked, into body, hashing them on the
// way: it returns their SHA-256.
func (rd *reader) gunzip(r io.Reader, body io.Writer) ([]byte, error) {
	rd.compressed.Reset()
	defer func() {
		if rd.compressed.Cap() > 1<<20 {
			rd.compressed = bytes.Buffer{} // do not pool a rare big one
		}
	}()
	if _, err := rd.compressed.ReadFrom(r); err != nil {
		return nil, err
	}
	rd.src.Reset(rd.compressed.Bytes())
	var err error
	if rd.gz == nil {
		rd.gz, err = gzip.NewReader(&rd.src)
	} else {
		err = rd.gz.Reset(&rd.src)
	}
	if err != nil {
		return nil, fmt.Errorf("not gzip: %v", err)
	}
	rd.hash.Reset()
	for {
		n, err := rd.gz.Read(rd.buf[:])
		if n > 0 {
			rd.hash.Write(rd.buf[:n])
			body.Write(rd.buf[:n])
		}
		if err == io.EOF {
			return rd.hash.Sum(nil), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Delete removes an object. The raw zone is append-only for the pipeline;
// this is for retention jobs and tests.
func (z *Zone) Delete(ctx context.Context, key string) error {
	return z.bucket.Delete(ctx, key)
}

const (
	mdSource      = "source"
	mdToken       = "token"
	mdStart       = "interval-start"
	mdEnd         = "interval-end"
	mdURL         = "url"
	mdStatus      = "status"
	mdFetchedAt   = "fetched-at"
	mdSHA256      = "sha256"
	mdContentType = "content-type"
	mdSize        = "size"
	mdRejected    = "rejected"
)

// encodeMeta flattens m into blob metadata: lower-case keys and ASCII values,
// as S3 requires.
func encodeMeta(m Meta) map[string]string {
	md := map[string]string{
		mdSource:    m.Source,
		mdStart:     m.Interval.Start.UTC().Format(time.RFC3339),
		mdEnd:       m.Interval.End.UTC().Format(time.RFC3339),
		mdStatus:    strconv.Itoa(m.Status),
		mdFetchedAt: m.FetchedAt.UTC().Format(time.RFC3339Nano),
		mdSHA256:    m.SHA256,
		mdSize:      strconv.FormatInt(m.Size, 10),
	}
	if m.Token != "" {
		md[mdToken] = asciiOnly(m.Token)
	}
	if m.URL != "" {
		md[mdURL] = asciiOnly(m.URL)
	}
	if m.ContentType != "" {
		md[mdContentType] = asciiOnly(m.ContentType)
	}
	if m.Rejected != "" {
		r := m.Rejected
		if len(r) > 512 {
			r = r[:512]
		}
		md[mdRejected] = asciiOnly(r)
	}
	return md
}

func asciiOnly(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return url.PathEscape(s)
		}
	}
	return s
}

func decodeMeta(key string, md map[string]string) (Meta, error) {
	m := Meta{
		Key:         key,
		Source:      md[mdSource],
		Token:       md[mdToken],
		URL:         md[mdURL],
		SHA256:      md[mdSHA256],
		ContentType: md[mdContentType],
		Rejected:    md[mdRejected],
	}
	var errs []error
	parseTime := func(name, layout string) time.Time {
		t, err := time.Parse(layout, md[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q", name, md[name]))
		}
		return t.UTC()
	}
	m.Interval.Start = parseTime(mdStart, time.RFC3339)
	m.Interval.End = parseTime(mdEnd, time.RFC3339)
	m.FetchedAt = parseTime(mdFetchedAt, time.RFC3339Nano)
	var err error
	if m.Status, err = strconv.Atoi(md[mdStatus]); err != nil {
		errs = append(errs, fmt.Errorf("status %q", md[mdStatus]))
	}
	if m.Size, err = strconv.ParseInt(md[mdSize], 10, 64); err != nil {
		errs = append(errs, fmt.Errorf("size %q", md[mdSize]))
	}
	if m.Source == "" || len(m.SHA256) != 64 {
		errs = append(errs, errors.New("source or sha256 missing"))
	}
	if len(errs) > 0 {
		return Meta{}, fmt.Errorf("raw: %s has bad metadata: %w", key, errors.Join(errs...))
	}
	return m, nil
}
