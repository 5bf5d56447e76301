package clean

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"memepipe/canonical"
	"memepipe/internal/shareddata"
	"memepipe/pipeline"
)

// fetched is the fetch time the tests give snapshot samples.
var fetched = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func sample(t *testing.T, elem ...string) string {
	t.Helper()
	return shareddata.Path(t, append([]string{"api-samples"}, elem...)...)
}

// parseFile parses a sample twice and fails unless both parses succeed
// with identical rows (idempotency), then returns the rows.
func parseFile(t *testing.T, source, path string, opt FileOptions) []canonical.Row {
	t.Helper()
	if opt.FetchedAt.IsZero() {
		opt.FetchedAt = fetched
	}
	rows, err := ParseFile(context.Background(), source, path, opt)
	if err != nil {
		t.Fatalf("ParseFile(%s, %s): %v", source, path, err)
	}
	again, err := ParseFile(context.Background(), source, path, opt)
	if err != nil {
		t.Fatalf("second ParseFile(%s, %s): %v", source, path, err)
	}
	if !reflect.DeepEqual(rows, again) {
		t.Fatalf("%s %s: parsing twice gave different rows", source, path)
	}
	return rows
}

// parseFileErr parses a sample that must fail, and returns the error.
func parseFileErr(t *testing.T, source, path string, opt FileOptions) error {
	t.Helper()
	if opt.FetchedAt.IsZero() {
		opt.FetchedAt = fetched
	}
	rows, err := ParseFile(context.Background(), source, path, opt)
	if err == nil {
		t.Fatalf("ParseFile(%s, %s) = %d rows, want an error", source, path, len(rows))
	}
	if rows != nil {
		t.Fatalf("ParseFile(%s, %s) returned %d rows with its error; want none", source, path, len(rows))
	}
	return err
}

// parseBody parses an in-memory body.
func parseBody(t *testing.T, in Input, body string) ([]canonical.Row, error) {
	t.Helper()
	in.Body = strings.NewReader(body)
	if in.FetchedAt.IsZero() {
		in.FetchedAt = fetched
	}
	if in.Key == "" {
		in.Key = "raw/test/object.json.gz"
	}
	return Parse(context.Background(), in)
}

// etherscanURL finds a rotki sample's request URL in its _index.json.
func etherscanURL(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(sample(t, "etherscan", "rotki", "_index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx []struct {
		File string `json:"file"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	for _, e := range idx {
		if e.File == file {
			return e.URL
		}
	}
	t.Fatalf("%s not in rotki/_index.json", file)
	return ""
}

func rowsOf[T canonical.Row](rows []canonical.Row) []T {
	var out []T
	for _, r := range rows {
		if v, ok := r.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func wantCount(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: %d rows, want %d", what, got, want)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqF(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want %v", what, want)
	} else if *got != want {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// wantClass checks an error's engine class and that it names the key.
func wantClass(t *testing.T, err error, class pipeline.Class, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	if got := pipeline.Classify(err); got != class {
		t.Errorf("class of %q = %s, want %s", err, got, class)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not contain %q", err, c)
		}
	}
}

func TestMarshalLine(t *testing.T) {
	b, err := canonical.MarshalLine(canonical.Tweet{TweetID: "1", Token: "PEPE", Text: "a & b <c>"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"table":"tweets","tweet_id":"1","token":"PEPE",`)) || !bytes.Contains(b, []byte(`"text":"a & b <c>"`)) {
		t.Errorf("MarshalLine = %s", b)
	}
}
