package clean

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// newDecoder returns a decoder over in.Body that keeps numbers exact
// (json.Number) so amounts never pass through float64 unless a column is
// a float.
func newDecoder(r io.Reader) *json.Decoder {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	dec.UseNumber()
	return dec
}

// TextBody is a body held whole as a string (Input.Body): a parser that
// reads the body whole takes the string itself instead of a copy, and its
// rows' strings are substrings of it.
type TextBody struct {
	*strings.Reader
	text string
}

// NewTextBody returns a body reading text.
func NewTextBody(text string) *TextBody { return &TextBody{strings.NewReader(text), text} }

// readString reads r whole into a string: a parser's strings can then be
// substrings of it. A TextBody not yet read is its string; otherwise the
// bytes are copied once, into a string sized up front when r knows its
// length.
func readString(r io.Reader) (string, error) {
	if t, ok := r.(*TextBody); ok && t.Len() == len(t.text) {
		t.Seek(0, io.SeekEnd)
		return t.text, nil
	}
	var b strings.Builder
	if l, ok := r.(interface{ Len() int }); ok {
		b.Grow(l.Len())
	}
	_, err := io.Copy(&b, r)
	return b.String(), err
}

// jsonErr turns an encoding/json error into a ParseError at path,
// extending the path with the struct field a type error names.
func (in Input) jsonErr(path string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return in.errAtf(path, "body ends early (truncated response?)")
	case errors.As(err, &syn):
		return in.errAtf(path, "invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		p := path
		if typ.Field != "" {
			p += "." + typ.Field
		}
		return in.errAtf(p, "got JSON %s, want %s", typ.Value, typ.Type)
	}
	return in.errAt(path, err)
}

// openObject reads the opening brace of a top-level JSON object, with a
// helpful error when the body is HTML or empty.
func (in Input) openObject(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return in.errAtf("$", "empty body")
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) && syn.Offset <= 1 {
			return in.errAtf("$", "body is not a JSON object (an HTML error page?): %v", err)
		}
		return in.jsonErr("$", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return in.errAtf("$", "body is not a JSON object (starts with %s)", describeToken(tok))
	}
	return nil
}

// closeObject reads the closing brace and checks nothing follows.
func (in Input) closeObject(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return in.jsonErr("$", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return in.jsonErr("$", err)
		}
		return in.errAtf("$", "trailing data after the JSON object (%s)", describeToken(tok))
	}
	return nil
}

// objectKey reads the next key of an object.
func (in Input) objectKey(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", in.jsonErr(path, err)
	}
	k, ok := tok.(string)
	if !ok {
		return "", in.errAtf(path, "want an object key, got %s", describeToken(tok))
	}
	return k, nil
}

// skipValue consumes one value.
func (in Input) skipValue(dec *json.Decoder, path string) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return in.jsonErr(path, err)
	}
	return nil
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("string %q", clip(v, 40))
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", v)
	}
}

// decodeWhole decodes a whole (small) body into v, with the first-error
// path, for shapes that are objects of objects rather than long arrays.
func (in Input) decodeWhole(v any) error {
	dec := newDecoder(in.Body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return in.errAtf("$", "empty body")
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) && syn.Offset <= 1 {
			return in.errAtf("$", "body is not JSON (an HTML error page?): %v", err)
		}
		return in.jsonErr("$", err)
	}
	if dec.More() {
		return in.errAtf("$", "trailing data after the JSON value")
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// numberFloat reads an optional JSON number (null or absent: nil).
func numberFloat(n json.Number) (*float64, error) {
	if n == "" {
		return nil, nil
	}
	f, err := n.Float64()
	if err != nil {
		return nil, fmt.Errorf("%q is not a number", string(n))
	}
	return &f, nil
}

// strings helper used by several parsers.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// Unix times outside years 1..9999 cannot be written as RFC 3339 (the
// JSON and SQL form of every timestamp): such a value is bad input.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// unixTime converts Unix seconds, refusing unrepresentable years.
func unixTime(sec int64) (time.Time, error) {
	if sec < minUnix || sec > maxUnix {
		return time.Time{}, fmt.Errorf("%d is not a Unix time in years 1-9999", sec)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// unixMilli converts Unix milliseconds likewise.
func unixMilli(ms int64) (time.Time, error) {
	if ms/1000 < minUnix || ms/1000 > maxUnix {
		return time.Time{}, fmt.Errorf("%d is not a Unix millisecond time in years 1-9999", ms)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// unixFloat converts a float seconds value (Yahoo prints some times as
// JSON numbers that decode as floats).
func unixFloat(f float64) (time.Time, error) {
	if f != f || f < minUnix || f > maxUnix {
		return time.Time{}, fmt.Errorf("%v is not a Unix time in years 1-9999", f)
	}
	return time.Unix(int64(f), 0).UTC(), nil
}
