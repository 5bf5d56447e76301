package raw

import (
	"fmt"
	"mime"
	"strings"
	"time"

	"memepipe/pipeline"
)

// Keys look like
//
//	etherscan.tokentx/2024-05-01/20240501T000000Z_20240501T010000Z/ethereum-0x6982508145454ce325ddbe47a25d4ec3d2311933/3f2a…c9.json.gz
//	<source>/<date of interval start>/<interval start>_<interval end>/<token>/<sha256 prefix>.<ext>.gz
//
// Pages the collector rejected live under the same key behind
// RejectedPrefix.
//
// Source first, so a cleaner lists one parser's input with one prefix; then
// the interval, so it reads one run's pages; then the token, because two
// tokens can get byte-identical answers ("No transactions found") for the same
// interval and must not share one object; last the content hash, so the same
// page fetched twice (a retried task) lands on the same key and is stored once.
const (
	keyTimeLayout = "20060102T150405Z"
	keyDateLayout = "2006-01-02"
	// hashPrefixLen is how many hex digits of the body's SHA-256 name the
	// object: 96 bits, no collision among the pages of one token-interval.
	hashPrefixLen = 24
	// RejectedPrefix is where pages go that the collector could not use
	// (an HTML error page served with 200, a truncated body, a missing
	// field): kept for replay and diagnosis, out of the cleaners' way.
	RejectedPrefix = "_rejected/"
)

// Key returns the key an object with these metadata and body hash gets.
func Key(source, token string, iv pipeline.Interval, sha256Hex, contentType string) (string, error) {
	if err := checkSource(source); err != nil {
		return "", err
	}
	if iv.IsZero() {
		return "", fmt.Errorf("raw: object of %s has no interval", source)
	}
	if len(sha256Hex) < hashPrefixLen {
		return "", fmt.Errorf("raw: sha256 %q too short", sha256Hex)
	}
	return fmt.Sprintf("%s/%s/%s/%s/%s.%s.gz",
		source,
		iv.Start.UTC().Format(keyDateLayout),
		intervalDir(iv),
		TokenSegment(token),
		sha256Hex[:hashPrefixLen],
		Ext(contentType)), nil
}

func intervalDir(iv pipeline.Interval) string {
	return iv.Start.UTC().Format(keyTimeLayout) + "_" + iv.End.UTC().Format(keyTimeLayout)
}

func parseIntervalDir(s string) (pipeline.Interval, bool) {
	a, b, ok := strings.Cut(s, "_")
	if !ok {
		return pipeline.Interval{}, false
	}
	start, err1 := time.Parse(keyTimeLayout, a)
	end, err2 := time.Parse(keyTimeLayout, b)
	if err1 != nil || err2 != nil || !end.After(start) {
		return pipeline.Interval{}, false
	}
	return pipeline.Interval{Start: start.UTC(), End: end.UTC()}, true
}

// TokenSegment turns a token key (watchlist.Token.Key(): "ethereum:0xabc…" or
// a symbol) into one safe path segment: lower case, ':' becomes '-', anything
// outside [a-z0-9._-] becomes '_'. An empty token is "_".
func TokenSegment(token string) string {
	if token == "" {
		return "_"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(token) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		case r == ':':
			b.WriteByte('-')
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "." || s == ".." {
		return "_"
	}
	return s
}

// Ext is the file extension for a response's content type: json, html, txt or bin.
func Ext(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"), mt == "text/json":
		return "json"
	case mt == "text/html", mt == "application/xhtml+xml":
		return "html"
	case strings.HasPrefix(mt, "text/"):
		return "txt"
	}
	return "bin"
}

func checkSource(source string) error {
	if source == "" {
		return fmt.Errorf("raw: object has no source")
	}
	for _, r := range source {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("raw: source %q: only a-z 0-9 . _ - allowed", source)
		}
	}
	return nil
}

// parsedKey is what a key says about its object without reading it.
type parsedKey struct {
	source, token, hashPrefix string
	interval                  pipeline.Interval
	rejected                  bool
}

// parseKey reads a key written by Key; ok is false for anything else (a
// stranded temp file, a foreign object).
func parseKey(key string) (parsedKey, bool) {
	rest, rejected := strings.CutPrefix(key, RejectedPrefix)
	parts := strings.Split(rest, "/")
	if len(parts) != 5 {
		return parsedKey{}, false
	}
	iv, ok := parseIntervalDir(parts[2])
	if !ok || parts[1] != iv.Start.Format(keyDateLayout) {
		return parsedKey{}, false
	}
	name := parts[4]
	if !strings.HasSuffix(name, ".gz") {
		return parsedKey{}, false
	}
	hash, _, ok := strings.Cut(strings.TrimSuffix(name, ".gz"), ".")
	if !ok || len(hash) != hashPrefixLen || strings.Trim(hash, "0123456789abcdef") != "" {
		return parsedKey{}, false
	}
	return parsedKey{source: parts[0], token: parts[3], hashPrefix: hash, interval: iv, rejected: rejected}, true
}
