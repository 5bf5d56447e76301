package clean

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"memepipe/canonical"
	"memepipe/internal/shareddata"
)

// simPage is a search page in the simulator's wire format (as the bench
// corpus holds them), two posts and their authors.
const simPage = `{"data":[{"author_id":"652823176153384844","created_at":"2026-11-28T19:48:34.412Z","edit_history_tweet_ids":["2126765211275939841"],"entities":{"hashtags":[{"start":0,"end":10,"tag":"LUCKYELON"}]},"id":"2126773211275939841","lang":"en","public_metrics":{"retweet_count":0,"reply_count":0,"like_count":1,"quote_count":0,"bookmark_count":0,"impression_count":138},"text":"#LUCKYELON up 1% and still undervalued imo \u0026amp; more\nline"},` +
	`{"author_id":"1706688117590381153","created_at":"2026-11-28T19:27:13.365Z","conversation_id":"2126767838175383552","referenced_tweets":[{"type":"quoted","id":"1"}],"id":"2126767838175383552","lang":"en","public_metrics":{"retweet_count":1,"reply_count":0,"like_count":6,"quote_count":0},"text":"thoughts on $LUCKYELON vs the other frog coins? 👀"}],` +
	`"includes":{"users":[{"id":"652823176153384844","username":"frog_fan","created_at":"2021-03-01T00:00:00.000Z","verified":false,"public_metrics":{"followers_count":120,"following_count":3}},{"id":"1706688117590381153","username":"degen","verified":true}]},` +
	`"meta":{"newest_id":"2126773211275939841","oldest_id":"2126767838175383552","result_count":2}}`

// slowSearchBody is what the parser decoded before scanSearchBody, and
// decodes when it returns false: encoding/json through the decoder.
func slowSearchBody(b []byte) (searchBody, error) {
	var body searchBody
	err := Input{Body: bytes.NewReader(b)}.decodeWhole(&body)
	return body, err
}

// twitterSampleFiles are the saved X API bodies with a data array.
func twitterSampleFiles(t testing.TB) []string {
	dir := shareddata.Path(t, "api-samples", "twitter")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("samples in %s: %v %v", dir, files, err)
	}
	return files
}

// On the real saved pages and the simulator's, the scanner decodes and
// gets what encoding/json gets.
func TestScanSearchBodySamples(t *testing.T) {
	bodies := map[string][]byte{"sim": []byte(simPage)}
	for _, f := range twitterSampleFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(f)] = b
	}
	for name, b := range bodies {
		want, err := slowSearchBody(b)
		if err != nil {
			t.Fatalf("%s: encoding/json: %v", name, err)
		}
		var got searchBody
		if !scanSearchBody(string(b), &got) {
			t.Errorf("%s: scanner gave up on a plain page", name)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: scanner decoded\n%+v\nencoding/json\n%+v", name, got, want)
		}
		if strings.Contains(string(b), `"data"`) && len(got.Data) == 0 {
			t.Errorf("%s: no posts decoded", name)
		}
	}
}

// What the scanner does not handle, it leaves to encoding/json: API
// errors, keys in another case, duplicate keys, wrong types, bad JSON,
// trailing data.
func TestScanSearchBodyGivesUp(t *testing.T) {
	for _, b := range []string{
		`{"errors":[{"title":"x"}],"data":[]}`,
		`{"title":"Unauthorized","status":401}`,
		`{"Data":[]}`,
		`{"data":[{"ID":"1"}]}`,
		`{"data":[{"id":"1","id":"2"}]}`,
		`{"data":[{"id":1}]}`,
		`{"data":[{"id":"1","public_metrics":{"like_count":1.5}}]}`,
		`{"data":[{"id":"1"}],"meta":{"result_count":"2"}}`,
		`{"includes":{"users":[{"id":"1","verified":"yes"}]},"data":[]}`,
		`{"data":[{"id":"1"}]} x`,
		`{"data":[{"id":"1"},]}`,
		`{"data":[{"id":"1\x"}]}`,
		`[]`,
		`null`,
	} {
		var body searchBody
		if scanSearchBody(b, &body) {
			t.Errorf("scanner decoded %s", b)
		}
	}
}

// Whenever the scanner decodes a body, encoding/json decodes it too, to
// the same value.
func FuzzScanSearchBody(f *testing.F) {
	f.Add([]byte(simPage))
	for _, file := range twitterSampleFiles(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`{"data":null,"meta":{"result_count":0}}`, `{"data":[null,{}],"includes":null,"meta":null}`,
		`{"data":[{"text":"\ud83d\ude80 \ud800 \u00e9","referenced_tweets":[null,{"type":"retweeted"}],"public_metrics":null}]}`,
		`{"data":[],"includes":{"users":[null,{"public_metrics":{"followers_count":null}}],"tweets":[{"id":"9"}]}}`,
		`{"data":[{"id":"1","text":null,"ſ":1,"K":2}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got searchBody
		if !scanSearchBody(string(b), &got) {
			return
		}
		want, err := slowSearchBody(b)
		if err != nil {
			t.Fatalf("scanner decoded %q, encoding/json refused it: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanner decoded\n%+v\nencoding/json\n%+v", b, got, want)
		}
	})
}

// isNormalText says yes only to text normalizeText returns unchanged.
func FuzzIsNormalText(f *testing.F) {
	for _, s := range []string{"", "gm", "two  spaces", " lead", "trail ", "a\tb", "a\u00a0b", "&amp; x", "emoji 🚀👨‍👩‍👧 ok",
		"zero\u200bwidth", "bom\ufeff", "\xff bad", "ctl\x7f", "\u2028 sep", "ok \ufffd replacement"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if isNormalText(s) && normalizeText(s) != s {
			t.Fatalf("isNormalText(%q), but it normalizes to %q", s, normalizeText(s))
		}
	})
}

// A TextBody parses as the same bytes in a bytes.Reader do, and one partly
// read gives the rest, like any reader.
func TestTextBody(t *testing.T) {
	tok := pepeEth
	parse := func(body io.Reader) []canonical.Row {
		rows, err := Parse(context.Background(), Input{Source: "twitter.search", Key: "k", Body: body, FetchedAt: fetched, Token: &tok, Watchlist: twoPepes})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	fromText, fromBytes := parse(NewTextBody(simPage)), parse(bytes.NewReader([]byte(simPage)))
	if len(fromText) != 2 || !reflect.DeepEqual(fromText, fromBytes) {
		t.Fatalf("TextBody rows %+v\nbytes.Reader rows %+v", fromText, fromBytes)
	}
	b := NewTextBody("0123456789")
	b.Read(make([]byte, 4))
	if s, err := readString(b); s != "456789" || err != nil {
		t.Fatalf("readString of a partly read TextBody = %q, %v", s, err)
	}
}
