package httpx

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://api.etherscan.io/v2/api?chainid=1&module=account&action=tokentx&apikey=ABCDEF123456&page=2",
			"https://api.etherscan.io/v2/api?chainid=1&module=account&action=tokentx&apikey=REDACTED&page=2"},
		{"https://x.test/a?API_KEY=s3cr3t&key=k&token=t&access_token=a&client_secret=c&my_apikey=m",
			"https://x.test/a?API_KEY=REDACTED&key=REDACTED&token=REDACTED&access_token=REDACTED&client_secret=REDACTED&my_apikey=REDACTED"},
		// Yahoo's crumb is a session credential; pagination cursors are not secrets.
		{"https://q.test/v10/finance/quoteSummary/DOGE-USD?modules=price%2CsummaryDetail&crumb=haT3oykhHqZ",
			"https://q.test/v10/finance/quoteSummary/DOGE-USD?modules=price%2CsummaryDetail&crumb=REDACTED"},
		{"https://api.x.com/2/tweets/search/recent?query=%24PEPE&next_token=b26v89c19zqg8o3fo7gesq314zlbjb2xlwutmy72r47lp&since_id=1",
			"https://api.x.com/2/tweets/search/recent?query=%24PEPE&next_token=b26v89c19zqg8o3fo7gesq314zlbjb2xlwutmy72r47lp&since_id=1"},
		{"https://user:hunter2@host.test/p", "https://user:REDACTED@host.test/p"},
		{"https://host.test/p?flag&apikey=", "https://host.test/p?flag&apikey=REDACTED"},
		{"https://host.test/p", "https://host.test/p"},
		// Unparseable: redacted as text.
		{"http://[::1/%zz?apikey=XYZ123", "http://[::1/%zz?apikey=REDACTED"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestRedactText(t *testing.T) {
	in := `Get "https://h/api?module=x&apikey=CANARY-KEY-1&page=1": dial tcp; Authorization: Bearer AAAA.bbbb-cc; next_token=keepme token=zap`
	got := RedactText(in)
	for _, bad := range []string{"CANARY-KEY-1", "AAAA.bbbb-cc", "zap"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q survived: %s", bad, got)
		}
	}
	if !strings.Contains(got, "next_token=keepme") || !strings.Contains(got, "Bearer REDACTED") {
		t.Errorf("over-redacted: %s", got)
	}
}

func TestSecretsScrubAllForms(t *testing.T) {
	s := NewSecrets("canary/Key+With=Specials", "", "abc")
	for _, in := range []string{
		"plain canary/Key+With=Specials here",
		"query " + url.QueryEscape("canary/Key+With=Specials"),
		"path " + url.PathEscape("canary/Key+With=Specials"),
	} {
		if got := s.Scrub(in); strings.Contains(got, "Key") || !strings.Contains(got, Redacted) {
			t.Errorf("Scrub(%q) = %q", in, got)
		}
	}
	// Too-short values are not treated as secrets (they would eat words).
	if got := s.Scrub("abc def"); got != "abc def" {
		t.Errorf("short secret scrubbed: %q", got)
	}
}

func TestScrubErrorRewritesURLError(t *testing.T) {
	s := NewSecrets("CANARY-9f8e7d6c")
	ue := &url.Error{Op: "Get", URL: "https://h/api?apikey=CANARY-9f8e7d6c", Err: errors.New("connection refused")}
	err := s.scrubError(ue)
	if strings.Contains(err.Error(), "CANARY") {
		t.Fatalf("message leaks: %s", err)
	}
	var got *url.Error
	if !errors.As(err, &got) || strings.Contains(got.URL, "CANARY") || got.Error() == "" || strings.Contains(got.Error(), "CANARY") {
		t.Fatalf("unwrapped url.Error leaks: %v", got)
	}
}
