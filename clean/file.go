package clean

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/watchlist"
)

// FileOptions is the context `memepipe parse` gives a saved response.
type FileOptions struct {
	// Token is the token the capture was made for (--token).
	Token *watchlist.Token
	// Watchlist resolves cashtags and tickers.
	Watchlist watchlist.List
	// FetchedAt overrides the fetch time; by default it comes from the
	// capture (fixture response date header, raw-zone metadata), else the
	// file's modification time.
	FetchedAt time.Time
	// URL overrides the request URL found in the capture.
	URL string
}

// ParseFile parses one saved response for `memepipe parse SOURCE FILE`:
// a plain body, a node-yahoo-finance2 style fixture
// ({request{url}, response{headers, bodyJson|bodyText}}), or a raw-zone
// object (gzip, with its fileblob ".attrs" metadata beside it when
// present). It returns every row or none.
func ParseFile(ctx context.Context, source, path string, opt FileOptions) ([]canonical.Row, error) {
	in, err := OpenFile(source, path, opt)
	if err != nil {
		return nil, err
	}
	defer in.Body.(io.Closer).Close()
	return Parse(ctx, in)
}

// OpenFile prepares the Input for a saved response without parsing it
// (for streaming callers). The caller closes in.Body (an io.ReadCloser).
func OpenFile(source, path string, opt FileOptions) (Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return Input{}, err
	}
	in := Input{Source: source, Key: path, Token: opt.Token, Watchlist: opt.Watchlist}
	meta := readAttrs(path)
	if meta.url != "" {
		in.URL = meta.url
	}
	if !meta.fetchedAt.IsZero() {
		in.FetchedAt = meta.fetchedAt
	}
	body, err := openMaybeGzip(f)
	if err != nil {
		f.Close()
		return Input{}, fmt.Errorf("%s %s: %w", source, path, err)
	}
	// A fixture is small; peek for its shape. Plain bodies stream through.
	br := newPeekReader(body)
	if isFixture(br.peek) {
		data, err := io.ReadAll(br)
		body.Close()
		if err != nil {
			return Input{}, fmt.Errorf("%s %s: %w", source, path, err)
		}
		fx, err := decodeFixture(data)
		if err != nil {
			return Input{}, fmt.Errorf("%s %s: fixture: %w", source, path, err)
		}
		if fx.url != "" {
			in.URL = fx.url
		}
		if !fx.date.IsZero() && in.FetchedAt.IsZero() {
			in.FetchedAt = fx.date
		}
		in.Body = io.NopCloser(bytes.NewReader(fx.body))
	} else {
		in.Body = readCloser{br, body}
	}
	if opt.URL != "" {
		in.URL = opt.URL
	}
	if !opt.FetchedAt.IsZero() {
		in.FetchedAt = opt.FetchedAt.UTC()
	}
	if in.FetchedAt.IsZero() {
		// A bare saved body carries no fetch time; the file's modification
		// time is the best stand-in (snapshot rows are keyed by it).
		if st, err := f.Stat(); err == nil {
			in.FetchedAt = st.ModTime().UTC().Truncate(time.Second)
		}
	}
	return in, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// openMaybeGzip decompresses a gzip stream (raw-zone objects are gzip)
// and passes anything else through.
func openMaybeGzip(f *os.File) (io.ReadCloser, error) {
	var magic [2]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return readCloser{zr, multiCloser{zr, f}}, nil
	}
	return f, nil
}

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// peekReader keeps the first bytes of a stream for shape detection.
type peekReader struct {
	peek []byte
	r    io.Reader
}

func newPeekReader(r io.Reader) *peekReader {
	buf := make([]byte, 512)
	n, _ := io.ReadFull(r, buf)
	return &peekReader{peek: buf[:n], r: io.MultiReader(bytes.NewReader(buf[:n]), r)}
}

func (p *peekReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// isFixture reports whether the body starts like a recorded fixture: a
// JSON object whose first key is "request".
func isFixture(head []byte) bool {
	s := strings.TrimLeft(string(head), " \t\r\n\ufeff")
	if !strings.HasPrefix(s, "{") {
		return false
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	return strings.HasPrefix(s, `"request"`)
}

type fixture struct {
	url  string
	date time.Time
	body []byte
}

func decodeFixture(data []byte) (fixture, error) {
	var fx struct {
		Request struct {
			URL string `json:"url"`
		} `json:"request"`
		Response *struct {
			Status   int                        `json:"status"`
			Headers  map[string]json.RawMessage `json:"headers"`
			BodyJSON json.RawMessage            `json:"bodyJson"`
			BodyText *string                    `json:"bodyText"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		return fixture{}, err
	}
	if fx.Response == nil {
		return fixture{}, errors.New("no response")
	}
	out := fixture{url: fx.Request.URL}
	for k, v := range fx.Response.Headers {
		if !strings.EqualFold(k, "date") {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			var ss []string
			if json.Unmarshal(v, &ss) == nil && len(ss) > 0 {
				s = ss[0]
			}
		}
		if t, err := http.ParseTime(s); err == nil {
			out.date = t.UTC()
		}
	}
	switch {
	case len(fx.Response.BodyJSON) > 0 && string(fx.Response.BodyJSON) != "null":
		out.body = fx.Response.BodyJSON
	case fx.Response.BodyText != nil:
		out.body = []byte(*fx.Response.BodyText)
	default:
		return fixture{}, errors.New("response has neither bodyJson nor bodyText")
	}
	return out, nil
}

type attrs struct {
	url       string
	fetchedAt time.Time
}

// readAttrs reads gocloud fileblob's "<object>.attrs" sidecar, where the
// raw zone's metadata (request URL, fetched_at) lives for file:// buckets.
// Missing or unreadable sidecars give no metadata.
func readAttrs(path string) attrs {
	data, err := os.ReadFile(path + ".attrs")
	if err != nil {
		return attrs{}
	}
	var xa struct {
		Metadata map[string]string `json:"user.metadata"`
	}
	if json.Unmarshal(data, &xa) != nil {
		return attrs{}
	}
	var a attrs
	for k, v := range xa.Metadata {
		switch strings.ToLower(strings.ReplaceAll(k, "-", "_")) {
		case "url", "request_url":
			a.url = v
		case "fetched_at":
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				a.fetchedAt = t.UTC()
			}
		}
	}
	return a
}
