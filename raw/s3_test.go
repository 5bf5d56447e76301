package raw

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3Zone serves a fake S3 (gofakes3, in memory) over HTTP on loopback and
// opens a raw zone on it the way production does: an s3:// URL with the
// bucket, a prefix as the path, and credentials from the standard AWS
// environment variables.
func s3Zone(t *testing.T) (*Zone, *s3mem.Backend, string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("memepipe-raw"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAMEMEPIPETEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "memepipe-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	u := "s3://memepipe-raw/zone/v1?endpoint=" + url.QueryEscape(srv.URL) + "&region=us-east-1&use_path_style=true&disable_https=true"
	z, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	return z, backend, u
}

func TestS3ZoneWritesOnceReadsBackByteForByteAndLists(t *testing.T) {
	z, backend, _ := s3Zone(t)
	ctx := context.Background()
	tokentx := sample(t, "api-samples", "etherscan", "rotki", "tokentx_ok_1466b.json")
	html := sample(t, "api-samples", "html", "coinmarketcap_currencies_bitcoin.html")

	k1, existed, err := z.Put(ctx, Object{Meta: Meta{Source: "etherscan.tokentx", Token: tokA, Interval: ivH0, URL: "https://api.etherscan.io/v2/api?module=account&action=tokentx&apikey=[redacted]", Status: 200, ContentType: "application/json"}, Body: tokentx})
	if err != nil || existed {
		t.Fatalf("put: %v existed=%v", err, existed)
	}
	// The same page again (a retried task) is the same object, stored once.
	k1b, existed, err := z.Put(ctx, Object{Meta: Meta{Source: "etherscan.tokentx", Token: tokA, Interval: ivH0, Status: 200, ContentType: "application/json"}, Body: bytes.Clone(tokentx)})
	if err != nil || !existed || k1b != k1 {
		t.Fatalf("second put: key %s (first %s) existed=%v err=%v", k1b, k1, existed, err)
	}
	k2, existed, err := z.Put(ctx, Object{Meta: Meta{Source: "scrape.coinmarketcap", Interval: ivH1, Status: 200, ContentType: "text/html; charset=utf-8"}, Body: html})
	if err != nil || existed {
		t.Fatalf("put html: %v existed=%v", err, existed)
	}

	for key, want := range map[string][]byte{k1: tokentx, k2: html} {
		obj, err := z.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(obj.Body, want) {
			t.Errorf("%s: body of %d bytes differs from the %d bytes written", key, len(obj.Body), len(want))
		}
		if obj.Size != int64(len(want)) || obj.Key != key || obj.Status != 200 {
			t.Errorf("%s: meta %+v", key, obj.Meta)
		}
	}
	m, err := z.Stat(ctx, k1)
	if err != nil || m.Token != tokA || m.Interval != ivH0 || !strings.HasSuffix(m.URL, "apikey=[redacted]") {
		t.Errorf("stat %s: %+v %v", k1, m, err)
	}

	// Listing by source finds exactly what was written.
	var keys []string
	for info, err := range z.List(ctx, Filter{Source: "etherscan.", WithMeta: true}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
		if info.Meta.SHA256 == "" || info.Meta.Interval != ivH0 {
			t.Errorf("listed meta %+v", info.Meta)
		}
	}
	if len(keys) != 1 || keys[0] != k1 {
		t.Errorf("listed %v, want [%s]", keys, k1)
	}
	var all []string
	for info, err := range z.List(ctx, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, info.Key)
	}
	if len(all) != 2 {
		t.Errorf("listed %v, want both objects", all)
	}

	// In the bucket, the zone's path is the objects' prefix.
	list, err := backend.ListBucket("memepipe-raw", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	found := false
	for _, c := range list.Contents {
		stored = append(stored, c.Key)
		found = found || c.Key == "zone/v1/"+k1
		if !strings.HasPrefix(c.Key, "zone/v1/") {
			t.Errorf("object %s is outside the zone's prefix zone/v1/", c.Key)
		}
	}
	if len(stored) != 2 || !found {
		t.Errorf("bucket holds %v, want the two objects under zone/v1/", stored)
	}
}

// Two collectors racing on the same page store it once: one writes, the
// other finds it.
func TestS3ZoneConcurrentPutsOfOnePage(t *testing.T) {
	z, backend, _ := s3Zone(t)
	body := sample(t, "api-samples", "twitter", "tweepy_search_recent_tweets.json")
	var wg sync.WaitGroup
	keys := make([]string, 8)
	errs := make([]error, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], _, errs[i] = z.Put(context.Background(), Object{Meta: Meta{Source: "twitter.search", Token: "PEPE", Interval: ivH0, Status: 200, ContentType: "application/json"}, Body: body})
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || keys[i] != keys[0] {
			t.Fatalf("put %d: key %s err %v", i, keys[i], errs[i])
		}
	}
	list, err := backend.ListBucket("memepipe-raw", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("bucket holds %+v %v, want one object", list, err)
	}
	obj, err := z.Get(context.Background(), keys[0])
	if err != nil || !bytes.Equal(obj.Body, body) {
		t.Fatalf("get: %v", err)
	}
}

func TestBucketURLMovesThePathIntoPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"s3://bkt":                      "s3://bkt",
		"s3://bkt/":                     "s3://bkt/",
		"s3://bkt/raw?region=eu-west-1": "s3://bkt?prefix=raw%2F&region=eu-west-1",
		"gs://bkt/a/b/":                 "gs://bkt?prefix=a%2Fb%2F",
		"s3://bkt/raw?prefix=v2/&use_path_style=true": "s3://bkt?prefix=raw%2Fv2%2F&use_path_style=true",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := bucketURL(u); got != want {
			t.Errorf("bucketURL(%s) = %s, want %s", in, got, want)
		}
	}
}
