package twitter

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/source/sourcetest"
	"memepipe/watchlist"
)

const bearer = "AAAAAAAAAAAAAAAAAAAAACANARYbearer%2Ftoken%3Dxyz"

var pepe = watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933", Decimals: 18}

// The docs samples are from 2020-06-24/25; the fake "now" is just after.
var (
	now = time.Date(2020, 6, 25, 8, 0, 0, 0, time.UTC)
	iv  = pipeline.Interval{Start: time.Date(2020, 6, 24, 17, 0, 0, 0, time.UTC), End: time.Date(2020, 6, 25, 7, 0, 0, 0, time.UTC)}
)

type reply struct {
	status int
	header map[string]string
	body   []byte
}

// server replays replies in order (the last repeats) and records queries.
type server struct {
	t       *testing.T
	mu      sync.Mutex
	replies []reply
	queries []url.Values
	auth    []string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path != "/2/tweets/search/recent" {
		s.t.Errorf("unexpected path %s", r.URL.Path)
	}
	rep := s.replies[min(len(s.queries), len(s.replies)-1)]
	s.queries = append(s.queries, r.URL.Query())
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.status == 0 {
		rep.status = 200
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

type fixture struct {
	srv   *server
	c     *Collector
	zone  *raw.Zone
	marks *sourcetest.Watermarks
	logs  *sourcetest.Logs
	clock *httpx.FakeClock
}

func newFixture(t *testing.T, cfg func(*Config), replies ...reply) *fixture {
	t.Helper()
	s := &server{t: t, replies: replies}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	f := &fixture{srv: s, zone: sourcetest.MemZone(t), marks: sourcetest.NewWatermarks(), logs: &sourcetest.Logs{}, clock: httpx.NewFakeClock(now)}
	c := DefaultConfig()
	c.BaseURL = hs.URL
	if cfg != nil {
		cfg(&c)
	}
	col, err := New(c, bearer, source.Deps{Zone: f.zone, Watermarks: f.marks, HTTPClient: hs.Client(), Clock: f.clock, Logger: f.logs.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	f.c = col
	return f
}

func sample(t *testing.T, name string) []byte { return sourcetest.Sample(t, "twitter", name) }

// assertClean proves the bearer token went nowhere memepipe writes.
func (f *fixture) assertClean(t *testing.T, err error) {
	t.Helper()
	for _, secret := range []string{bearer, "CANARYbearer"} {
		if err != nil {
			sourcetest.AssertNoSecret(t, secret, "error", err.Error())
		}
		sourcetest.AssertNoSecret(t, secret, "logs", f.logs.String())
		sourcetest.AssertNoSecret(t, secret, "watermarks", f.marks.Dump())
		sourcetest.AssertZoneClean(t, f.zone, secret)
	}
}

func TestPaginationByNextToken(t *testing.T) {
	f := newFixture(t, nil,
		reply{body: sample(t, "docs_example_search_recent_with_next_token.json")},
		reply{body: sample(t, "docs_example_search_recent_with_includes_users_tweets.json")})
	st, err := f.c.Collect(context.Background(), pepe, iv)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 2 || st.Records != 14 || st.RawNew != 2 || st.Watermark != "1276035977375477760" {
		t.Fatalf("stats = %+v", st)
	}
	q := f.srv.queries
	want := map[string]string{
		"query":        "($PEPE OR #PEPE) -is:retweet",
		"start_time":   "2020-06-24T17:00:00Z",
		"end_time":     "2020-06-25T07:00:00Z",
		"max_results":  "100",
		"tweet.fields": "created_at,author_id,public_metrics,lang,entities,referenced_tweets",
		"expansions":   "author_id",
		"user.fields":  "public_metrics,created_at,verified",
	}
	for k, v := range want {
		if q[0].Get(k) != v || q[1].Get(k) != v {
			t.Errorf("%s = %q / %q, want %q", k, q[0].Get(k), q[1].Get(k), v)
		}
	}
	if q[0].Has("next_token") || q[1].Get("next_token") != "b26v89c19zqg8o3fo7gesq314zlbjb2xlwutmy72r47lp" {
		t.Fatalf("next_token chain: %q then %q", q[0].Get("next_token"), q[1].Get("next_token"))
	}
	if q[0].Has("since_id") {
		t.Fatal("since_id sent without a watermark")
	}
	if f.srv.auth[0] != "Bearer "+bearer {
		t.Fatalf("Authorization = %q", f.srv.auth[0])
	}
	if got := f.marks.Get(Source, pepe.Key()); got != "1276035977375477760" {
		t.Fatalf("watermark = %q", got)
	}
	// Pages are in the raw zone under the interval, byte for byte.
	obj, err := f.zone.Get(context.Background(), st.RawKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(obj.Body) != string(sample(t, "docs_example_search_recent_with_next_token.json")) || obj.Source != Source || obj.Interval != iv || obj.Token != pepe.Key() {
		t.Fatalf("raw object = %+v", obj.Meta)
	}
	if strings.Contains(obj.URL, "next_token") || !strings.Contains(obj.URL, "start_time=2020-06-24T17%3A00%3A00Z") {
		t.Fatalf("raw url = %s", obj.URL)
	}
	f.assertClean(t, nil)
}

func TestRerunResumesFromWatermarkAndDedupes(t *testing.T) {
	f := newFixture(t, nil,
		reply{body: sample(t, "docs_example_search_recent_with_next_token.json")},
		reply{body: sample(t, "docs_example_search_recent_with_includes_users_tweets.json")},
		reply{body: []byte(`{"meta":{"result_count":0}}`)})
	if _, err := f.c.Collect(context.Background(), pepe, iv); err != nil {
		t.Fatal(err)
	}
	st, err := f.c.Collect(context.Background(), pepe, iv)
	if err != nil {
		t.Fatal(err)
	}
	// The watermark post (2020-06-25T06:14:19Z) lies in the interval: the re-run
	// asks only for newer posts.
	if got := f.srv.queries[2].Get("since_id"); got != "1276035977375477760" {
		t.Fatalf("since_id = %q", got)
	}
	if st.Records != 0 || st.Watermark != "1276035977375477760" {
		t.Fatalf("stats = %+v", st)
	}
	// A backfill of an older interval ignores the watermark.
	old := pipeline.Interval{Start: iv.Start.Add(-24 * time.Hour), End: iv.Start}
	if _, err := f.c.Collect(context.Background(), pepe, old); err != nil {
		t.Fatal(err)
	}
	if f.srv.queries[3].Has("since_id") {
		t.Fatal("since_id sent for an older interval")
	}
	if got := f.marks.Get(Source, pepe.Key()); got != "1276035977375477760" {
		t.Fatalf("watermark moved backwards to %q", got)
	}
}

func TestSamePagesTwiceAreStoredOnce(t *testing.T) {
	f := newFixture(t, nil, reply{body: sample(t, "tweepy_search_recent_tweets.json")},
		reply{body: []byte(`{"meta":{"result_count":0}}`)})
	f.c.cfg.MaxPages = 1
	other := pipeline.Interval{Start: time.Date(2020, 6, 20, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 6, 21, 0, 0, 0, 0, time.UTC)}
	st1, err := f.c.Collect(context.Background(), pepe, other)
	if err != nil {
		t.Fatal(err)
	}
	if len(st1.Notes) != 1 || !strings.Contains(st1.Notes[0], "max_pages=1") {
		t.Fatalf("page cap not noted: %v", st1.Notes)
	}
	f.srv.replies = f.srv.replies[:1]
	st2, _ := f.c.Collect(context.Background(), pepe, other)
	if st1.RawNew != 1 || st2.RawExisting != 1 || st2.RawKeys[0] != st1.RawKeys[0] {
		t.Fatalf("first %+v second %+v", st1, st2)
	}
}

func TestEmptyResult(t *testing.T) {
	f := newFixture(t, nil, reply{body: []byte(`{"meta":{"result_count":0}}`)})
	st, err := f.c.Collect(context.Background(), pepe, iv)
	if err != nil || st.Records != 0 || st.Requests != 1 || st.RawNew != 1 {
		t.Fatalf("stats=%+v err=%v", st, err)
	}
	if _, ok, _ := f.marks.GetWatermark(context.Background(), Source, pepe.Key()); ok {
		t.Fatal("watermark set by an empty result")
	}
}

func TestSevenDayWindowClamp(t *testing.T) {
	f := newFixture(t, nil, reply{body: []byte(`{"meta":{"result_count":0}}`)})
	wide := pipeline.Interval{Start: now.Add(-10 * 24 * time.Hour), End: now}
	st, err := f.c.Collect(context.Background(), pepe, wide)
	if err != nil {
		t.Fatal(err)
	}
	q := f.srv.queries[0]
	if q.Get("start_time") != "2020-06-18T08:01:01Z" || q.Get("end_time") != "2020-06-25T07:59:50Z" {
		t.Fatalf("start/end = %s %s", q.Get("start_time"), q.Get("end_time"))
	}
	if len(st.Notes) != 2 || !strings.Contains(st.Notes[0], "7 days") || !strings.Contains(f.logs.String(), "clamped") {
		t.Fatalf("clamp not reported: %v", st.Notes)
	}
	// Wholly outside the window: nothing sent, nothing failed.
	gone := pipeline.Interval{Start: now.Add(-9 * 24 * time.Hour), End: now.Add(-8 * 24 * time.Hour)}
	st, err = f.c.Collect(context.Background(), pepe, gone)
	if err != nil || len(f.srv.queries) != 1 || st.Requests != 0 || !strings.Contains(st.Notes[len(st.Notes)-1], "outside") {
		t.Fatalf("stats=%+v err=%v requests=%d", st, err, len(f.srv.queries))
	}
}

func TestErrors(t *testing.T) {
	reset := strconv.FormatInt(now.Add(4*time.Minute).Unix(), 10)
	html := []byte("<!DOCTYPE html><html><body><h1>Over capacity</h1></body></html>")
	cases := []struct {
		name      string
		replies   []reply
		permanent bool
		ok        bool
		wantSleep time.Duration
		wantInErr []string
	}{
		{"429 then x-rate-limit-reset honoured", []reply{
			{status: 429, header: map[string]string{"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}, body: []byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)},
			{body: sample(t, "docs_example_search_recent_with_includes_users_tweets.json")}}, false, true, 4 * time.Minute, nil},
		// The jittered backoff (0.5-1 s) is topped up to X's 2 s spacing.
		{"503 then success", []reply{{status: 503, body: []byte("Service Unavailable")},
			{body: sample(t, "docs_example_search_recent_with_includes_users_tweets.json")}}, false, true, 2 * time.Second, nil},
		{"401 is permanent", []reply{{status: 401, body: []byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)}},
			true, false, 0, []string{"twitter.search", "HTTP 401", "/2/tweets/search/recent"}},
		{"HTML error page", []reply{{body: html}}, false, false, 0, []string{"twitter.search", "unexpected body", "raw _rejected/twitter.search/"}},
		{"truncated JSON", []reply{{body: sample(t, "docs_example_search_recent_with_next_token.json")[:3000]}}, false, false, 0, []string{"unexpected end of JSON input", "raw _rejected/twitter.search/"}},
		{"missing meta", []reply{{body: []byte(`{"data":[]}`)}}, true, false, 0, []string{`missing field "meta"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) { cfg.HTTP.Retry.Attempts = 2 }, c.replies...)
			_, err := f.c.Collect(context.Background(), pepe, iv)
			f.assertClean(t, err)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				var total time.Duration
				for _, d := range f.clock.Sleeps() {
					total += d
				}
				// x/time/rate computes waits in float64 seconds, so a wait
				// can come out a nanosecond short.
				if d := total - c.wantSleep; d < -time.Microsecond || d > time.Microsecond {
					t.Fatalf("slept %s (%v), want %s", total, f.clock.Sleeps(), c.wantSleep)
				}
				return
			}
			if err == nil || pipeline.IsPermanent(err) != c.permanent {
				t.Fatalf("err = %v, want permanent=%v", err, c.permanent)
			}
			for _, w := range c.wantInErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
			var be *httpx.BodyError
			if errors.As(err, &be) {
				if _, gerr := f.zone.Get(context.Background(), be.RawKey); gerr != nil {
					t.Fatalf("bad page not kept: %v", gerr)
				}
			}
		})
	}
}

func TestSnowflakeTime(t *testing.T) {
	// created_at of this post in the docs sample: 2020-06-24T17:19:07.000Z.
	got, ok := SnowflakeTime("1275840892285399041")
	if !ok || got.Truncate(time.Second) != time.Date(2020, 6, 24, 17, 19, 7, 0, time.UTC) {
		t.Fatalf("SnowflakeTime = %s %v", got, ok)
	}
	if _, ok := SnowflakeTime("20"); ok {
		t.Fatal("pre-snowflake id accepted")
	}
}
