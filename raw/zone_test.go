package raw

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob"

	"memepipe/internal/shareddata"
	"memepipe/pipeline"
)

var (
	hour0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	ivH0  = pipeline.Interval{Start: hour0, End: hour0.Add(time.Hour)}
	ivH1  = pipeline.Interval{Start: hour0.Add(time.Hour), End: hour0.Add(2 * time.Hour)}
	ivD2  = pipeline.Interval{Start: hour0.Add(24 * time.Hour), End: hour0.Add(25 * time.Hour)}
)

const tokA = "ethereum:0x6982508145454Ce325dDbE47a25d4ec3d2311933"

func openFileZone(t testing.TB) (*Zone, string) {
	t.Helper()
	dir := t.TempDir()
	z, err := Open(context.Background(), "file://"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	return z, dir
}

func sample(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutGetRoundTripByteForByte(t *testing.T) {
	z, _ := openFileZone(t)
	ctx := context.Background()
	cases := []struct {
		name, source, ctype string
		body                []byte
		ext                 string
	}{
		{"etherscan json", "etherscan.tokentx", "application/json; charset=utf-8", sample(t, "api-samples", "etherscan", "rotki", "tokentx_ok_1466b.json"), "json"},
		{"html page 2.4MB", "scrape.coinmarketcap", "text/html; charset=utf-8", sample(t, "api-samples", "html", "coinmarketcap_currencies_bitcoin.html"), "html"},
		{"non-UTF-8 bytes", "dexscreener.pairs", "application/json", sample(t, "api-samples", "coingecko", "jkorf", "GetTrendingSearches.json"), "json"},
		{"empty body", "yahoo.quotesummary", "", nil, "bin"},
	}
	fetched := time.Date(2024, 5, 1, 1, 0, 5, 123456789, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, existed, err := z.Put(ctx, Object{Meta: Meta{Source: c.source, Token: tokA, Interval: ivH0,
				URL: "https://api.example/x?apikey=REDACTED", Status: 200, FetchedAt: fetched, ContentType: c.ctype}, Body: c.body})
			if err != nil || existed {
				t.Fatalf("Put: key=%s existed=%v err=%v", key, existed, err)
			}
			sum := sha256.Sum256(c.body)
			want := fmt.Sprintf("%s/2024-05-01/20240501T000000Z_20240501T010000Z/ethereum-0x6982508145454ce325ddbe47a25d4ec3d2311933/%s.%s.gz",
				c.source, hex.EncodeToString(sum[:])[:24], c.ext)
			if key != want {
				t.Fatalf("key\n got %s\nwant %s", key, want)
			}
			got, err := z.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Body, c.body) {
				t.Fatalf("body differs: got %d bytes, want %d", len(got.Body), len(c.body))
			}
			tm, text, err := z.GetText(ctx, key)
			if err != nil || text != string(c.body) || tm != got.Meta {
				t.Fatalf("GetText: %d bytes, meta %+v, %v; want Get's", len(text), tm, err)
			}
			m := got.Meta
			if m.Source != c.source || m.Token != tokA || m.Interval != ivH0 || m.Status != 200 ||
				!m.FetchedAt.Equal(fetched) || m.SHA256 != hex.EncodeToString(sum[:]) ||
				m.Size != int64(len(c.body)) || m.ContentType != c.ctype || m.URL != "https://api.example/x?apikey=REDACTED" || m.Key != key {
				t.Fatalf("meta = %+v", m)
			}
		})
	}
}

func TestPutIsWriteOnceAndDedupes(t *testing.T) {
	z, dir := openFileZone(t)
	ctx := context.Background()
	body := sample(t, "api-samples", "etherscan", "rotki", "tokentx_no_transactions.json")
	first := Object{Meta: Meta{Source: "etherscan.tokentx", Token: tokA, Interval: ivH0, Status: 200,
		FetchedAt: hour0.Add(61 * time.Minute), URL: "https://a/first"}, Body: body}
	k1, existed, err := z.Put(ctx, first)
	if err != nil || existed {
		t.Fatalf("first Put: existed=%v err=%v", existed, err)
	}
	// The same page fetched again (a retried task) later, from another URL.
	again := first
	again.FetchedAt = hour0.Add(90 * time.Minute)
	again.URL = "https://a/second"
	k2, existed, err := z.Put(ctx, again)
	if err != nil || !existed || k2 != k1 {
		t.Fatalf("second Put: key=%s existed=%v err=%v (want %s, true)", k2, existed, err, k1)
	}
	got, err := z.Get(ctx, k1)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != "https://a/first" || !got.FetchedAt.Equal(first.FetchedAt) {
		t.Fatalf("second Put overwrote the first: %+v", got.Meta)
	}
	// The same bytes for another token, or another interval, are separate objects.
	other := first
	other.Token = "ethereum:0x0000000000000000000000000000000000000001"
	k3, existed, _ := z.Put(ctx, other)
	other.Token, other.Interval = tokA, ivH1
	k4, existed2, _ := z.Put(ctx, other)
	if existed || existed2 || k3 == k1 || k4 == k1 {
		t.Fatalf("distinct tokens/intervals shared an object: %s %s %s", k1, k3, k4)
	}
	// Exactly three data files on disk (plus their .attrs sidecars).
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".gz") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 3 {
		t.Fatalf("files on disk: %v", files)
	}
}

// A writer that races the first Put and loses reports existed, not an error.
func TestPutLosesRaceGracefully(t *testing.T) {
	z := memZone(t)
	ctx := context.Background()
	obj := Object{Meta: Meta{Source: "twitter.search", Token: "PEPE", Interval: ivH0, Status: 200}, Body: []byte(`{"meta":{"result_count":0}}`)}
	key, _, err := z.Put(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate the race: the existence check passed, the conditional write fails.
	err = z.bucket.WriteAll(ctx, key, []byte("x"), &blob.WriterOptions{IfNotExist: true})
	if err == nil {
		t.Fatal("IfNotExist write over an existing object succeeded")
	}
	if _, err := z.Get(ctx, key); err != nil {
		t.Fatalf("object damaged by losing writer: %v", err)
	}
}

func memZone(t testing.TB) *Zone {
	z, err := Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	return z
}

func TestListBySourceTokenInterval(t *testing.T) {
	z := memZone(t)
	ctx := context.Background()
	put := func(source, token string, iv pipeline.Interval, body string) string {
		k, _, err := z.Put(ctx, Object{Meta: Meta{Source: source, Token: token, Interval: iv, Status: 200, ContentType: "application/json"}, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	a0 := put("etherscan.tokentx", tokA, ivH0, "a0")
	a1 := put("etherscan.tokentx", tokA, ivH1, "a1")
	b0 := put("etherscan.tokentx", "ethereum:0xbb", ivH0, "b0")
	d2 := put("etherscan.tokentx", tokA, ivD2, "d2")
	l0 := put("etherscan.getlogs", tokA, ivH0, "l0")
	t0 := put("twitter.search", "PEPE", ivH0, "t0")
	// A stranded temp file and a foreign object are not listed.
	z.bucket.WriteAll(ctx, a0+".1839f.tmp", []byte("partial"), nil)
	z.bucket.WriteAll(ctx, "README", []byte("hello"), nil)

	day1 := pipeline.Interval{Start: hour0, End: hour0.Add(24 * time.Hour)}
	cases := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all", Filter{}, []string{l0, a0, b0, a1, d2, t0}},
		{"one source", Filter{Source: "etherscan.tokentx"}, []string{a0, b0, a1, d2}},
		{"source family", Filter{Source: "etherscan."}, []string{l0, a0, b0, a1, d2}},
		{"one hour", Filter{Source: "etherscan.tokentx", Interval: ivH1}, []string{a1}},
		{"a day contains hours", Filter{Source: "etherscan.tokentx", Interval: day1}, []string{a0, b0, a1}},
		{"overlap, not containment", Filter{Source: "etherscan.tokentx", Interval: pipeline.Interval{Start: hour0.Add(30 * time.Minute), End: hour0.Add(90 * time.Minute)}}, []string{a0, b0, a1}},
		{"token", Filter{Source: "etherscan.tokentx", Token: tokA, Interval: day1}, []string{a0, a1}},
		{"token by segment", Filter{Token: "pepe"}, []string{t0}},
		{"nothing before", Filter{Interval: pipeline.Interval{Start: hour0.Add(-2 * time.Hour), End: hour0}}, nil},
		{"unknown source", Filter{Source: "yahoo.chart"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := z.Keys(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
	// WithMeta fills fetched_at and sha256 (what `raw list --json` prints).
	for info, err := range z.List(ctx, Filter{Source: "twitter.search", WithMeta: true}) {
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte("t0"))
		if info.Meta.SHA256 != hex.EncodeToString(sum[:]) || info.Meta.FetchedAt.IsZero() || info.Meta.Token != "PEPE" {
			t.Fatalf("meta = %+v", info.Meta)
		}
	}
}

func TestGetDetectsCorruption(t *testing.T) {
	z, dir := openFileZone(t)
	ctx := context.Background()
	key, _, err := z.Put(ctx, Object{Meta: Meta{Source: "yahoo.chart", Token: "DOGE-USD", Interval: ivH0, Status: 200},
		Body: sample(t, "api-samples", "yahoo", "bodies", "chart-AAPL.json")})
	if err != nil {
		t.Fatal(err)
	}
	// A power cut after the rename but before the data reached the disk.
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(key)), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = z.Get(ctx, key)
	if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), key) {
		t.Fatalf("Get of a truncated object: %v", err)
	}
	if _, _, err := z.GetText(ctx, key); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("GetText of a truncated object: %v", err)
	}
	// Bytes flipped in the stored gzip stream: the CRC, or the SHA-256,
	// catches it.
	good, _, err := z.Put(ctx, Object{Meta: Meta{Source: "yahoo.chart", Token: "BTC-USD", Interval: ivH0, Status: 200},
		Body: sample(t, "api-samples", "yahoo", "bodies", "chart-AAPL.json")})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, filepath.FromSlash(good))
	gz, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gz[len(gz)/2] ^= 0xff
	if err := os.WriteFile(path, gz, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Get(ctx, good); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Get of a flipped byte: %v", err)
	}
	if _, err := z.Get(ctx, "yahoo.chart/2024-05-01/nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
}

// TestCrashMidWriteLeavesNoObject kills a real process in the middle of a
// write (the helper below, re-executed from the test binary) and checks that
// the zone shows no object, partial or otherwise, and that the page can then
// be stored normally.
func TestCrashMidWriteLeavesNoObject(t *testing.T) {
	if os.Getenv("RAW_CRASH_HELPER_DIR") != "" {
		crashHelper()
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidWriteLeavesNoObject$")
	cmd.Env = append(os.Environ(), "RAW_CRASH_HELPER_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("helper should die with code 3 mid-write: %v\n%s", err, out)
	}
	z, err := Open(context.Background(), "file://"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	ctx := context.Background()
	obj := crashObject()
	key, _ := Key(obj.Source, obj.Token, obj.Interval, sha(obj.Body), obj.ContentType)
	// The helper's temp file is there, next to where the object would be...
	tmps, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(key)) + ".*.tmp")
	if len(tmps) != 1 {
		t.Fatalf("expected the dead writer's temp file, found %v", tmps)
	}
	// ...but nothing is visible.
	keys, err := z.Keys(ctx, Filter{})
	if err != nil || len(keys) != 0 {
		t.Fatalf("after crash: keys=%v err=%v", keys, err)
	}
	if _, err := z.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after crash: %v", err)
	}
	// The retried task stores the page.
	k, existed, err := z.Put(ctx, obj)
	if err != nil || existed || k != key {
		t.Fatalf("Put after crash: %s %v %v", k, existed, err)
	}
	got, err := z.Get(ctx, key)
	if err != nil || !bytes.Equal(got.Body, obj.Body) {
		t.Fatalf("Get after re-Put: %v", err)
	}
}

func crashObject() Object {
	return Object{Meta: Meta{Source: "etherscan.getlogs", Token: tokA, Interval: ivH0, Status: 200, ContentType: "application/json"},
		Body: bytes.Repeat([]byte(`{"status":"1","message":"OK","result":[]}`), 50000)}
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// crashHelper starts writing the object through the same bucket options as
// Open and exits the process half-way, as a kill would.
func crashHelper() {
	dir := os.Getenv("RAW_CRASH_HELPER_DIR")
	z, err := Open(context.Background(), "file://"+filepath.ToSlash(dir))
	if err != nil {
		os.Exit(2)
	}
	obj := crashObject()
	key, _ := Key(obj.Source, obj.Token, obj.Interval, sha(obj.Body), obj.ContentType)
	w, err := z.bucket.NewWriter(context.Background(), key, &blob.WriterOptions{ContentType: "application/gzip", IfNotExist: true})
	if err != nil {
		os.Exit(2)
	}
	w.Write(obj.Body[:len(obj.Body)/2])
	os.Exit(3)
}

func TestOpenFileURLRelative(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	z, err := Open(context.Background(), DefaultURL)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if _, _, err := z.Put(context.Background(), Object{Meta: Meta{Source: "dexscreener.pairs", Token: "x", Interval: ivH0, Status: 200}, Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "data", "raw", "dexscreener.pairs", "2024-05-01", "*", "x", "*.bin.gz"))
	if len(m) != 1 {
		t.Fatalf("object not under ./data/raw: %v", m)
	}
}

func TestPutRejectsBadObjects(t *testing.T) {
	z := memZone(t)
	for _, o := range []Object{
		{Meta: Meta{Token: "x", Interval: ivH0}},
		{Meta: Meta{Source: "Twitter Search", Interval: ivH0}},
		{Meta: Meta{Source: "twitter.search"}},
		{Meta: Meta{Source: "../etc", Interval: ivH0}},
	} {
		if _, _, err := z.Put(context.Background(), o); err == nil {
			t.Errorf("Put(%+v) succeeded", o.Meta)
		}
	}
}

func TestRejectedPagesAreKeptApart(t *testing.T) {
	z := memZone(t)
	ctx := context.Background()
	good := Object{Meta: Meta{Source: "twitter.search", Token: "PEPE", Interval: ivH0, Status: 200, ContentType: "application/json"}, Body: []byte(`{"meta":{"result_count":0}}`)}
	bad := Object{Meta: Meta{Source: "twitter.search", Token: "PEPE", Interval: ivH0, Status: 200, ContentType: "text/html",
		Rejected: "not a search response: invalid character '<'"}, Body: []byte("<html>502</html>")}
	gk, _, err := z.Put(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	bk, _, err := z.Put(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(bk, RejectedPrefix+"twitter.search/2024-05-01/") {
		t.Fatalf("rejected key = %s", bk)
	}
	for _, f := range []Filter{{}, {Source: "twitter.search"}, {Source: "twitter."}, {Interval: ivH0}} {
		keys, err := z.Keys(ctx, f)
		if err != nil || len(keys) != 1 || keys[0] != gk {
			t.Fatalf("accepted listing %+v: %v %v", f, keys, err)
		}
	}
	keys, err := z.Keys(ctx, Filter{Rejected: true, Source: "twitter.search", Interval: ivH0, Token: "PEPE"})
	if err != nil || len(keys) != 1 || keys[0] != bk {
		t.Fatalf("rejected listing: %v %v", keys, err)
	}
	obj, err := z.Get(ctx, bk)
	if err != nil || obj.Rejected != bad.Rejected || string(obj.Body) != string(bad.Body) {
		t.Fatalf("rejected object: %+v %v", obj.Meta, err)
	}
}

func TestEntriesTableAndCat(t *testing.T) {
	z := memZone(t)
	ctx := context.Background()
	body := sample(t, "api-samples", "etherscan", "rotki", "tokentx_ok_1466b.json")
	fetched := time.Date(2024, 5, 1, 1, 0, 3, 0, time.UTC)
	key, _, _ := z.Put(ctx, Object{Meta: Meta{Source: "etherscan.tokentx", Token: tokA, Interval: ivH0, Status: 200, FetchedAt: fetched,
		ContentType: "application/json", URL: "https://api.etherscan.io/v2/api?apikey=REDACTED"}, Body: body})
	entries, err := z.Entries(ctx, Filter{})
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries = %v, %v", entries, err)
	}
	e := entries[0]
	if e.Key != key || e.Source != "etherscan.tokentx" || !e.FetchedAt.Equal(fetched) || e.SHA256 != sha(body) || e.Size != int64(len(body)) || e.StoredBytes == 0 {
		t.Fatalf("entry = %+v", e)
	}
	var tbl strings.Builder
	if err := WriteTable(&tbl, entries); err != nil || !strings.Contains(tbl.String(), "etherscan.tokentx") || !strings.Contains(tbl.String(), key) {
		t.Fatalf("table:\n%s", tbl.String())
	}
	var out bytes.Buffer
	if err := z.Cat(ctx, key, &out); err != nil || !bytes.Equal(out.Bytes(), body) {
		t.Fatalf("cat: %v", err)
	}
}

// TestFileListingMatchesBucket checks that a file zone's own folder walk
// lists what fileblob lists through the bucket API, in the same key order,
// with the same sizes and times, including names where folder order and key
// order differ ("pep-e/" sorts before "pep/" as a key, after it as a name).
func TestFileListingMatchesBucket(t *testing.T) {
	z, _ := openFileZone(t)
	ctx := context.Background()
	put := func(source, token string, iv pipeline.Interval) {
		t.Helper()
		if _, _, err := z.Put(ctx, Object{Meta: Meta{Source: source, Token: token, Interval: iv, Status: 200, ContentType: "application/json"},
			Body: []byte(source + token + iv.Start.String())}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 {
		for _, iv := range []pipeline.Interval{ivH0, ivH1, ivD2} {
			put("etherscan.tokentx", fmt.Sprintf("ethereum:0x%040x", i), iv)
		}
	}
	for _, src := range []string{"src.a", "src.a-b", "src.a_c"} {
		for _, tok := range []string{"PEP", "PEP-E", "PEP.X", "PEP_Y", ""} {
			put(src, tok, ivH0)
		}
	}
	z.bucket.WriteAll(ctx, "src.a/README", []byte("foreign"), nil)
	viaBucket := NewZone(z.bucket)
	if z.dir == "" || viaBucket.dir != "" {
		t.Fatal("the zones do not take the two listing paths")
	}
	list := func(z *Zone, f Filter) []string {
		t.Helper()
		var out []string
		for info, err := range z.List(ctx, f) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %d %d", info.Key, info.Stored, info.ModTime.UnixNano()))
		}
		return out
	}
	for _, f := range []Filter{{}, {Source: "src."}, {Source: "src.a"}, {Token: "PEP"}, {Source: "etherscan.tokentx", Interval: ivH1}} {
		got, want := list(z, f), list(viaBucket, f)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("filter %+v: folder walk\n%s\nbucket\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if n := len(list(z, Filter{})); n != 12*3+3*5 {
		t.Fatalf("%d objects listed, want %d", n, 12*3+3*5)
	}
	for _, prefix := range []string{"", "src.a/", "src.a/2024-05-01/", "nothing/"} {
		got, err := z.dirs(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		want, err := viaBucket.dirs(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("dirs(%q) = %v, bucket says %v", prefix, got, want)
		}
	}
}
