package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"memepipe/internal/shareddata"
)

func TestParseRealSamples(t *testing.T) {
	tokentx := shareddata.Path(t, "api-samples", "etherscan", "rotki", "tokentx_ok_1466b.json")
	r := memepipe(t, t.TempDir(), nil, "parse", "etherscan.tokentx", tokentx)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("line 1: %v: %s", err, lines[0])
	}
	if first["table"] != "transfers" || first["value_raw"] != "1166000000" || first["value"] != "1166" ||
		first["token_address"] != "0xdAC17F958D2ee523a2206206994597C13D831ec7" {
		t.Errorf("first row %v", first)
	}

	// A body of the wrong shape: a clear error naming source and file, no rows.
	chart := shareddata.Path(t, "api-samples", "yahoo", "bodies", "chart-AAPL.json")
	bad := memepipe(t, t.TempDir(), nil, "parse", "etherscan.tokentx", chart)
	if bad.code != 1 || bad.stdout != "" || !strings.Contains(bad.stderr, "etherscan.tokentx") || !strings.Contains(bad.stderr, filepath.Base(chart)) {
		t.Errorf("wrong body: exit %d stdout %q stderr %q", bad.code, bad.stdout, bad.stderr)
	}
	// An upstream error body is reported as one.
	key := shareddata.Path(t, "api-samples", "etherscan", "rotki", "txlist_notok_free_api_chain_56.json")
	up := memepipe(t, t.TempDir(), nil, "parse", "etherscan.txlist", key)
	if up.code == 0 || !strings.Contains(up.stderr, "Free API access is not supported") {
		t.Errorf("upstream error: exit %d %s", up.code, up.stderr)
	}
	if u := memepipe(t, t.TempDir(), nil, "parse", "nope.source", tokentx); u.code != 2 || !strings.Contains(u.stderr, "etherscan.tokentx") {
		t.Errorf("unknown source: exit %d %s", u.code, u.stderr)
	}
}
