package clean

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/watchlist"
)

func TestTokenTxRotkiUSDT(t *testing.T) {
	rows := parseFile(t, "etherscan.tokentx", sample(t, "etherscan", "rotki", "tokentx_ok_1466b.json"),
		FileOptions{URL: etherscanURL(t, "tokentx_ok_1466b.json")})
	tr := rowsOf[canonical.Transfer](rows)
	wantCount(t, "transfers", len(tr), 2)
	first, last := tr[0], tr[1]
	eq(t, "chain", first.Chain, "ethereum")
	eq(t, "tx_hash", first.TxHash, "0xccb6a445e136492b242d1c2c0221dc4afd4447c96601e88c156ec4d52e993b8f")
	eq(t, "block", first.BlockNumber, int64(14051455))
	eq(t, "tx_index", first.TxIndex, int64(619))
	eq(t, "ts", first.TS, mustTime("2022-01-21T21:58:06Z"))
	// USDT's contract, EIP-55 checksummed from Etherscan's lower case.
	eq(t, "token_address", first.TokenAddress, "0xdAC17F958D2ee523a2206206994597C13D831ec7")
	eq(t, "token", first.Token, "ethereum:0xdac17f958d2ee523a2206206994597c13d831ec7")
	eq(t, "from", first.FromAddress, "0xE21c192cD270286DBBb0fBa10a8B8D9957d431E5")
	eq(t, "to", first.ToAddress, "0x6e15887E2CEC81434C16D587709f64603b39b545")
	// 1166000000 with 6 decimals is exactly 1166 USDT.
	eq(t, "value_raw", first.ValueRaw, "1166000000")
	eq(t, "value", first.Value, "1166")
	eq(t, "value_float", first.ValueFloat, 1166.0)
	eq(t, "decimals", first.Decimals, 6)
	if first.LogIndex >= 0 || first.LogIndex != TokenTxLogIndex(first.TokenAddress, first.FromAddress, first.ToAddress, "1166000000", 0) {
		t.Errorf("log_index = %d, want the synthetic content key", first.LogIndex)
	}
	eq(t, "last tx", last.TxHash, "0x38ed9c2d4f0855f2d88823d502f8794b993d28741da48724b7dfb559de520602")
	eq(t, "last to", last.ToAddress, "0xb5d85CBf7cB3EE0D56b3bB207D5Fc4B82f43F511")
	eq(t, "last ts", last.TS, mustTime("2022-01-21T22:05:35Z"))
}

func TestTokenTxGnosisSpam(t *testing.T) {
	rows := parseFile(t, "etherscan.tokentx", sample(t, "etherscan", "rotki", "tokentx_ok_gnosis_spam_1369b.json"),
		FileOptions{URL: etherscanURL(t, "tokentx_ok_gnosis_spam_1369b.json")})
	tr := rowsOf[canonical.Transfer](rows)
	wantCount(t, "transfers", len(tr), 2)
	// chainid=100 in the request: Gnosis, not Ethereum.
	eq(t, "chain", tr[0].Chain, "gnosis")
	eq(t, "token", tr[0].Token, "gnosis:0xc1bec4618b212441e367ed363540d5d665e8e4f0")
	// tokenDecimal 0: the raw value is the amount.
	eq(t, "value 0 decimals", tr[0].Value, "1000")
	eq(t, "decimals", tr[0].Decimals, 0)
	eq(t, "value 18 decimals", tr[1].Value, "150")
	eq(t, "value_raw", tr[1].ValueRaw, "150000000000000000000")
	eq(t, "to", tr[1].ToAddress, "0xF5d90Ac6747CB3352F05BF61f48b991ACeaE28eB")
}

func TestTokenTxLogIndexStableAndDistinct(t *testing.T) {
	// Two identical transfers in one transaction get distinct keys, and
	// the keys do not depend on where the rows sit in the response.
	row := `{"blockNumber":"100","timeStamp":"1700000000","hash":"0x` + strings.Repeat("ab", 32) + `","from":"0x` + strings.Repeat("11", 20) +
		`","to":"0x` + strings.Repeat("22", 20) + `","contractAddress":"0x` + strings.Repeat("33", 20) + `","value":"5","tokenDecimal":"0","transactionIndex":"1"}`
	other := strings.Replace(row, `"value":"5"`, `"value":"7"`, 1)
	body := func(rs ...string) string {
		return `{"status":"1","message":"OK","result":[` + strings.Join(rs, ",") + `]}`
	}
	a, err := parseBody(t, Input{Source: "etherscan.tokentx"}, body(row, other, row))
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseBody(t, Input{Source: "etherscan.tokentx"}, body(other, row, row))
	if err != nil {
		t.Fatal(err)
	}
	keys := func(rows []canonical.Row) map[string]bool {
		m := map[string]bool{}
		for _, r := range rows {
			m[r.Key()] = true
		}
		return m
	}
	ka, kb := keys(a), keys(b)
	if len(ka) != 3 {
		t.Fatalf("3 transfers gave %d distinct keys", len(ka))
	}
	for k := range ka {
		if !kb[k] {
			t.Errorf("key %s changed when the response order changed", k)
		}
	}
}

func TestEtherscanEmptyAndErrorBodies(t *testing.T) {
	for _, f := range []string{"tokentx_no_transactions.json", "txlist_no_transactions.json", "getcontractcreation_no_data_found.json"} {
		for _, src := range []string{"etherscan.tokentx", "etherscan.txlist"} {
			rows := parseFile(t, src, sample(t, "etherscan", "rotki", f), FileOptions{})
			wantCount(t, src+" "+f, len(rows), 0)
		}
	}
	cases := []struct {
		path  []string
		class pipeline.Class
		kind  UpstreamKind
		text  string
	}{
		{[]string{"docs-samples", "error_max_rate_limit_docs_sample.json"}, pipeline.ClassTransient, UpstreamRateLimited, "Max rate limit reached"},
		{[]string{"rotki", "proxy_notok_temporarily_unavailable.json"}, pipeline.ClassTransient, UpstreamUnavailable, "temporarily unavailable"},
		{[]string{"rotki", "txlist_notok_free_api_chain_56.json"}, pipeline.ClassPermanent, UpstreamPlan, "not supported for this chain"},
		{[]string{"rotki", "getabi_notok_not_verified.json"}, pipeline.ClassPermanent, UpstreamRequest, "not verified"},
	}
	for _, c := range cases {
		path := sample(t, append([]string{"etherscan"}, c.path...)...)
		err := parseFileErr(t, "etherscan.txlist", path, FileOptions{})
		wantClass(t, err, c.class, "etherscan.txlist", path, c.text)
		u, ok := AsUpstream(err)
		if !ok || u.Kind != c.kind {
			t.Errorf("%s: upstream kind = %v, want %s", c.path[1], u, c.kind)
		}
	}
	// "Invalid API Key" is permanent.
	_, err := parseBody(t, Input{Source: "etherscan.tokentx"}, `{"status":"0","message":"NOTOK","result":"Invalid API Key (#err2)|x"}`)
	wantClass(t, err, pipeline.ClassPermanent, "Invalid API Key")
	if u, _ := AsUpstream(err); u == nil || u.Kind != UpstreamAuth {
		t.Errorf("Invalid API Key kind = %v", u)
	}
}

func TestEtherscanBadBodies(t *testing.T) {
	// Bodies of other endpoints do not match the row parsers: the error
	// names source, key and the JSON path, and no rows come back.
	err := parseFileErr(t, "etherscan.txlist", sample(t, "etherscan", "rotki", "txlistinternal_ok.json"), FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "etherscan.txlist", "txlistinternal_ok.json", "$.result[0].nonce")
	err = parseFileErr(t, "etherscan.tokentx", sample(t, "etherscan", "docs-samples", "tokenholderlist_docs_sample.json"), FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "$.result[0].blockNumber")
	err = parseFileErr(t, "etherscan.tokentx", sample(t, "etherscan", "rotki", "balance_ok.json"), FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "$.result", `want an array of rows, got the string "0"`)
	err = parseFileErr(t, "etherscan.tokentx", sample(t, "html", "coinmarketcap_homepage_listing.html"), FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "$", "not a JSON object")

	good, err := os.ReadFile(sample(t, "etherscan", "rotki", "tokentx_ok_1466b.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, from, to, want string }{
		{"bad value", `"value":"1166000000","tokenName":"Tether USD","tokenSymbol":"USDT","tokenDecimal":"6","transactionIndex":"125"`,
			`"value":"12x","tokenName":"Tether USD","tokenSymbol":"USDT","tokenDecimal":"6","transactionIndex":"125"`,
			`etherscan.tokentx raw/test/object.json.gz: $.result[1].value: "12x" is not a uint256`},
		{"negative value", `"value":"1166000000","tokenName":"Tether USD","tokenSymbol":"USDT","tokenDecimal":"6","transactionIndex":"619"`,
			`"value":"-5","tokenName":"Tether USD","tokenSymbol":"USDT","tokenDecimal":"6","transactionIndex":"619"`,
			`$.result[0].value: "-5" is not a uint256`},
		{"bad address", `"from":"0xe21c192cd270286dbbb0fba10a8b8d9957d431e5"`, `"from":"0xe21c192cd27"`, `$.result[0].from`},
		{"number for string", `"blockNumber":"14051483"`, `"blockNumber":14051483`, `$.result[1].blockNumber: got JSON number, want string`},
		{"truncated", `"confirmations":"9866900"}]}`, `"confirmations":"98669`, `body ends early`},
	}
	for _, c := range cases {
		body := strings.Replace(string(good), c.from, c.to, 1)
		if body == string(good) {
			t.Fatalf("%s: replacement did not apply", c.name)
		}
		rows, err := parseBody(t, Input{Source: "etherscan.tokentx"}, body)
		if err == nil || rows != nil {
			t.Errorf("%s: rows=%d err=%v, want no rows and an error", c.name, len(rows), err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
		if _, ok := AsParseError(err); !ok && c.name != "truncated" {
			t.Errorf("%s: %v is not a ParseError", c.name, err)
		}
	}
}

func TestTokenTxDecimalsMustMatchWatchlist(t *testing.T) {
	tok := &watchlist.Token{Symbol: "USDT", Chain: "ethereum", Address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", Decimals: 18}
	err := parseFileErr(t, "etherscan.tokentx", sample(t, "etherscan", "rotki", "tokentx_ok_1466b.json"), FileOptions{Token: tok})
	wantClass(t, err, pipeline.ClassPermanent, "$.result[0].tokenDecimal", "disagrees with the watchlist's decimals 18")
}

func TestTxList(t *testing.T) {
	rows := parseFile(t, "etherscan.txlist", sample(t, "etherscan", "rotki", "txlist_ok_18628b.json"),
		FileOptions{URL: etherscanURL(t, "txlist_ok_18628b.json")})
	txs := rowsOf[canonical.Transaction](rows)
	wantCount(t, "transactions", len(txs), 19)
	f, l := txs[0], txs[18]
	eq(t, "hash", f.TxHash, "0xfeabe8233f374eed505960f4bf8364a9d9398d7e1320ff7df425934134450231")
	eq(t, "from", f.FromAddress, "0x3794Da19a22CeDe7976f9d3181F2CCD58f6408a5")
	eq(t, "to", f.ToAddress, "0xb8553D9ee35dd23BB96fbd679E651B929821969B")
	eq(t, "value wei", f.ValueRaw, "20000000000000000")
	eq(t, "value eth", f.Value, "0.02")
	eq(t, "ts", f.TS, mustTime("2022-12-25T00:08:59Z"))
	eq(t, "nonce", f.Nonce, int64(5))
	eq(t, "last hash", l.TxHash, "0x375f529c5ed649b257abca3da182c48310e78cbb0ded2c8de264f3f1924144cf")
	eq(t, "last block", l.BlockNumber, int64(16295521))
	eq(t, "last value", l.Value, "0.000444264835797091")
	eq(t, "last method", l.MethodID, "0x9fbf10fc")
	if !strings.HasPrefix(l.FunctionName, "swap(uint16 _dstChainId") {
		t.Errorf("function_name = %q", l.FunctionName)
	}

	// A contract creation: no "to", the created contract checksummed.
	rows = parseFile(t, "etherscan.txlist", sample(t, "etherscan", "0x-monorepo", "api_v1_accounts_transactions.json"), FileOptions{})
	txs = rowsOf[canonical.Transaction](rows)
	wantCount(t, "0x-monorepo", len(txs), 1)
	eq(t, "created_contract", txs[0].CreatedContract, "0x4F833a24e1f95D70F028921e27040Ca56E09AB0b")
	eq(t, "to", txs[0].ToAddress, "")
	eq(t, "method of a creation", txs[0].MethodID, "")
	eq(t, "gas_used", txs[0].GasUsed, int64(6005925))

	for _, f := range []string{"get_account_transactions.json", "get_account_transactions_with_ctor_args.json"} {
		rows = parseFile(t, "etherscan.txlist", sample(t, "etherscan", "ape-etherscan", f), FileOptions{})
		txs = rowsOf[canonical.Transaction](rows)
		wantCount(t, f, len(txs), 1)
		eq(t, f+" hash", txs[0].TxHash, "0x5780b43d819035ed1fa079171bdce7f0bbeaa6b01f201f8985d279a66cfc6844")
		// The Hardhat default account, already checksummed upstream.
		eq(t, f+" from", txs[0].FromAddress, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
		eq(t, f+" to", txs[0].ToAddress, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512")
		eq(t, f+" is_error", txs[0].IsError, false)
	}
}

func TestGetSourceCode(t *testing.T) {
	const bayc = "https://api.etherscan.io/v2/api?chainid=1&module=contract&action=getsourcecode&address=0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"
	path := sample(t, "etherscan", "ape-etherscan", "get_contract_response_flattened.json")
	rows := parseFile(t, "etherscan.getsourcecode", path, FileOptions{URL: bayc})
	cs := rowsOf[canonical.Contract](rows)
	wantCount(t, "contracts", len(cs), 1)
	c := cs[0]
	eq(t, "address", c.Address, "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D")
	eq(t, "verified", c.Verified, true)
	eq(t, "name", c.Name, "BoredApeYachtClub")
	eq(t, "compiler", c.Compiler, "v0.7.0+commit.9e61f92b")
	eq(t, "format", c.SourceFormat, "single")
	eq(t, "license", c.License, "MIT")
	eq(t, "is_proxy", c.IsProxy, false)
	eq(t, "fetched_at", c.FetchedAt, fetched)
	if c.Runs == nil || *c.Runs != 200 {
		t.Errorf("runs = %v", c.Runs)
	}
	var body struct {
		Result []struct{ SourceCode string } `json:"result"`
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body.Result[0].SourceCode))
	eq(t, "source_sha256", c.SourceSHA256, hex.EncodeToString(sum[:]))
	eq(t, "source_sha256 literal", c.SourceSHA256, "103b219246dfcb9716d9762bc770085da37b1608e81c63b47ec02916d9735b68")

	// Unverified: no source, no hash.
	rows = parseFile(t, "etherscan.getsourcecode", sample(t, "etherscan", "ape-etherscan", "get_contract_response_not_verified.json"), FileOptions{URL: bayc})
	c = rowsOf[canonical.Contract](rows)[0]
	eq(t, "unverified", c.Verified, false)
	eq(t, "unverified sha", c.SourceSHA256, "")
	eq(t, "unverified abi", c.ABI, "")

	// ape-etherscan's JSON sample lacks SourceCode (its tests inject it):
	// a body that does not match names the field.
	jsonPath := sample(t, "etherscan", "ape-etherscan", "get_contract_response_json.json")
	err := parseFileErr(t, "etherscan.getsourcecode", jsonPath, FileOptions{URL: bayc})
	wantClass(t, err, pipeline.ClassPermanent, "$.result[0].SourceCode: missing")

	// With the double-brace standard-JSON SourceCode injected, as
	// ape-etherscan's conftest does, it parses.
	dbl, err := os.ReadFile(sample(t, "etherscan", "ape-etherscan", "getsourcecode_SourceCode_field_double_brace.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var resp map[string]any
	data, _ = os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &resp); err != nil {
		t.Fatal(err)
	}
	resp["result"].([]any)[0].(map[string]any)["SourceCode"] = string(dbl)
	full, _ := json.Marshal(resp)
	rows, err = parseBody(t, Input{Source: "etherscan.getsourcecode", URL: bayc}, string(full))
	if err != nil {
		t.Fatal(err)
	}
	c = rowsOf[canonical.Contract](rows)[0]
	eq(t, "double-brace format", c.SourceFormat, "standard-json")
	eq(t, "double-brace files", c.SourceFiles, 6)
	eq(t, "double-brace name", c.Name, "LOVEYOU")
	eq(t, "double-brace sha", c.SourceSHA256, "af15e4568941597f4fd2b7505251c1347a68d5ae771c258927acfab10d48befd")
	_, files, err := SourceFiles(string(dbl))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(files["contract-0a868d3251.sol"], "contract LOVEYOU is ERC20, Ownable") {
		t.Errorf("standard-json main file = %.80q", files["contract-0a868d3251.sol"])
	}
	if !strings.Contains(SourceText(files), "// File: @openzeppelin/contracts@4.9.2/access/Ownable.sol\n") {
		t.Error("SourceText lacks the Ownable file header")
	}

	// A proxy with an implementation.
	proxy := strings.Replace(string(full), `"Proxy":"0"`, `"Proxy":"1"`, 1)
	proxy = strings.Replace(proxy, `"Implementation":""`, `"Implementation":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"`, 1)
	rows, err = parseBody(t, Input{Source: "etherscan.getsourcecode", URL: bayc}, proxy)
	if err != nil {
		t.Fatal(err)
	}
	c = rowsOf[canonical.Contract](rows)[0]
	eq(t, "proxy", c.IsProxy, true)
	eq(t, "implementation", c.Implementation, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")

	// No address anywhere: an error, not a row with an empty key.
	err = parseFileErr(t, "etherscan.getsourcecode", path, FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "does not name the contract")
}

func TestSourceFilesMulti(t *testing.T) {
	format, files, err := SourceFiles(`{"A.sol":{"content":"contract A {}"},"B.sol":{"content":"contract B {}"}}`)
	if err != nil || format != "multi" || len(files) != 2 || files["B.sol"] != "contract B {}" {
		t.Errorf("SourceFiles(multi) = %s, %v, %v", format, files, err)
	}
	if _, _, err := SourceFiles(`{{"language":"Solidity"}}`); err == nil {
		t.Error("double-brace source without sources accepted")
	}
}
